"""Identifier normalisation the pipeline applies in Python; dbt's `email_canonical` macro is its SQL twin."""

from __future__ import annotations

GMAIL_DOMAINS = ("gmail.com", "googlemail.com")


def normalise_email(email: str) -> str:
    """Matching-canonical: trimmed, lower-cased, plus-tag stripped, gmail dots removed."""
    local, _, domain = email.strip().lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def normalise_identifier(identifier_type: str, value: str) -> str:
    return normalise_email(value) if identifier_type == "email" else value.strip()
