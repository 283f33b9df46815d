"""Object storage for the lake: a local folder by default, S3 (SSE-KMS on every object) in production.

Both stores speak in keys relative to the lake root (`raw/shopify/orders/dt=2026-10-01/…`), so the
landing, replay, retention and deletion code never knows which one it is writing to.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from brightcart_pipeline.privacy.keys import decrypt, encrypt, load_or_create_key, pending_key_path, read_key
from brightcart_pipeline.settings import Settings, SettingsError


class LakeStore(Protocol):
    url: str

    def write(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def list(self, prefix: str) -> list[str]: ...

    def delete(self, key: str) -> None: ...


class LocalLake:
    """A folder; with a key, every object is AES-256-GCM encrypted (the local stand-in for SSE-KMS).

    Objects are written with `key`; `older_keys` still open objects a key rotation has not reached yet."""

    def __init__(self, root: Path, key: bytes | None = None, older_keys: tuple[bytes, ...] = ()) -> None:
        self.root = root
        self.url = str(root)
        self.key = key
        self.read_keys = (key, *older_keys) if key else older_keys
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SettingsError(f"BRIGHTCART_LAKE_URL={root}: cannot create the lake folder ({error})") from None
        if not os.access(root, os.W_OK):
            raise SettingsError(f"BRIGHTCART_LAKE_URL={root}: the lake folder is not writable")

    def write(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename: a crash never leaves a half-written file under its final name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(encrypt(self.key, data, key) if self.key else data)
        os.replace(tmp, path)

    def read(self, key: str) -> bytes:
        return decrypt(self.read_keys, (self.root / key).read_bytes(), key)

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.exists():
            return []
        return sorted(
            str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)


class S3Lake:
    """s3://bucket/prefix through boto3; every put asks for SSE-KMS with the configured key."""

    def __init__(self, url: str, kms_key_id: str | None, endpoint_url: str | None = None) -> None:
        import boto3

        parts = urlsplit(url)
        self.url = url
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.kms_key_id = kms_key_id
        self.client = boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def write(self, key: str, data: bytes) -> None:
        extra = {"ServerSideEncryption": "aws:kms"}
        if self.kms_key_id:
            extra["SSEKMSKeyId"] = self.kms_key_id
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **extra)

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        strip = len(self.prefix) + 1 if self.prefix else 0
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
        return sorted(keys)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def open_lake(settings: Settings) -> LakeStore:
    root = settings.lake_root
    if root.startswith("s3://"):
        return S3Lake(root, settings.s3_kms_key_id, settings.s3_endpoint_url)
    if "://" in root:
        raise SettingsError(f"BRIGHTCART_LAKE_URL={root!r}: expected a local folder or an s3:// URL")
    if not settings.encrypt_local_lake:
        return LocalLake(Path(root))
    current = load_or_create_key(settings.key_file)
    pending = pending_key_path(settings.key_file)
    if pending.exists():  # a rotation is under way: new objects already get the new key
        return LocalLake(Path(root), read_key(pending), older_keys=(current,))
    return LocalLake(Path(root), current)
