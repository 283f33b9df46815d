"""Identifiers as ad platforms take them: normalised as Meta specifies, then SHA-256 hashed (hex, lower case).

Meta's customer-file rules: emails trimmed and lower-cased; phones as digits only with the country code,
symbols, letters and leading zeros removed. Plain values never leave this module unhashed.
"""

from __future__ import annotations

import hashlib

MIN_PHONE_DIGITS = 7  # shorter strings are not phone numbers with a country code


def meta_email(email: str | None) -> str | None:
    """Trimmed and lower-cased; None when it is no address."""
    if not email:
        return None
    normalised = email.strip().lower()
    return normalised if "@" in normalised else None


def meta_phone(phone: str | None) -> str | None:
    """Digits only, leading zeros removed (an international 00 prefix included); None when too short."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit()).lstrip("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hashed_or_empty(value: str | None) -> str:
    """Meta's payloads leave a column empty when the identifier is unknown."""
    return sha256_hex(value) if value else ""
