"""The local data keys: created on first use, kept outside the data folder so a copy of the data alone
reveals nothing. Production needs none of this: S3 objects use SSE-KMS and Snowflake encrypts storage.

A key file is 32 random bytes, mode 0600. During a rotation the new key waits beside the current one as
`<name>.next` (see `brightcart_pipeline.privacy.rotation`); it replaces the current one only once every
object and the warehouse file are encrypted with it.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
MAGIC = b"BCE1"  # marks an encrypted lake object: magic, 12-byte nonce, AES-256-GCM ciphertext
NONCE_BYTES = 12


class MissingKeyError(RuntimeError):
    """Encrypted data was found but the key that opens it is not available."""


def load_or_create_key(path: Path) -> bytes:
    if not path.exists():
        create_key_file(path)
    return read_key(path)


def read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise MissingKeyError(f"{path} is not a {KEY_BYTES}-byte key; restore it from your key backup")
    return key


def create_key_file(path: Path) -> None:
    """A new random key at `path`, unless one is already there (then that one stays: first writer wins)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written whole to an owner-only temporary file, then linked into place: a concurrent reader never
    # sees a half-written key, and two processes creating it at once end up sharing one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def pending_key_path(path: Path) -> Path:
    """Where a rotation keeps the new key until the data is encrypted with it."""
    return path.with_name(path.name + ".next")


def encrypt(key: bytes, data: bytes, context: str) -> bytes:
    """AES-256-GCM; `context` (the object key) is authenticated, so a file moved elsewhere fails to open."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, context.encode())


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def opens_with(key: bytes, blob: bytes, context: str) -> bool:
    """Whether `blob` is encrypted with `key` (a rotation skips what it has already rewritten)."""
    if not is_encrypted(blob):
        return False
    try:
        decrypt((key,), blob, context)
    except InvalidTag:
        return False
    return True


def decrypt(keys: Sequence[bytes], blob: bytes, context: str) -> bytes:
    """Open `blob` with the first of `keys` that fits (more than one only mid-rotation); a blob no key opens
    raises `InvalidTag`."""
    if not is_encrypted(blob):
        return blob
    if not keys:
        raise MissingKeyError(f"{context} is encrypted and no lake key is configured (BRIGHTCART_KEY_FILE)")
    nonce, ciphertext = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES], blob[len(MAGIC) + NONCE_BYTES:]
    for key in keys[:-1]:
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, context.encode())
        except InvalidTag:
            continue
    return AESGCM(keys[-1]).decrypt(nonce, ciphertext, context.encode())
