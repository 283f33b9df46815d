"""The local data key: created on first use, kept outside the data folder so a copy of the data alone
reveals nothing. Production needs none of this: S3 objects use SSE-KMS and Snowflake encrypts storage."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
MAGIC = b"BCE1"  # marks an encrypted lake object: magic, 12-byte nonce, AES-256-GCM ciphertext
NONCE_BYTES = 12


class MissingKeyError(RuntimeError):
    """Encrypted data was found but the key that opens it is not available."""


def load_or_create_key(path: Path) -> bytes:
    if path.exists():
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise MissingKeyError(f"{path} is not a {KEY_BYTES}-byte key; restore it from your key backup")
        return key
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(KEY_BYTES)
    # Created with owner-only permissions before any byte is written.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def encrypt(key: bytes, data: bytes, context: str) -> bytes:
    """AES-256-GCM; `context` (the object key) is authenticated, so a file moved elsewhere fails to open."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, context.encode())


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def decrypt(key: bytes | None, blob: bytes, context: str) -> bytes:
    if not is_encrypted(blob):
        return blob
    if key is None:
        raise MissingKeyError(f"{context} is encrypted and no lake key is configured (BRIGHTCART_KEY_FILE)")
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
    return AESGCM(key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:], context.encode())
