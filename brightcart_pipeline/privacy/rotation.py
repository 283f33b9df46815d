"""`brightcart keys rotate`: the local lake and warehouse re-encrypted with new keys, resumable after a crash.

The new key is written first, beside the current one (`<key>.next`), and replaces it only once everything
is encrypted with it; until then both open the data, so a crash at any point loses nothing and a rerun
carries on with the same new key. Lake objects are rewritten one at a time (write-then-rename); the
warehouse is copied into a new file (`COPY FROM DATABASE`) that then replaces the old one.

Run it while nothing else writes (the Dagster daemon stopped): DuckDB's file lock refuses a second writer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from brightcart_pipeline.lake.store import LocalLake
from brightcart_pipeline.privacy.keys import (
    create_key_file,
    load_or_create_key,
    opens_with,
    pending_key_path,
    read_key,
)
from brightcart_pipeline.settings import Settings, SettingsError
from brightcart_pipeline.warehouse import WarehouseKeyError, attach_sql, warehouse_catalog

SOURCE_CATALOG = "warehouse_before_rotation"


@dataclass
class RotationReport:
    lake_objects_rewritten: int = 0
    lake_objects_already_rotated: int = 0
    warehouse_rewritten: bool = False


def rotate_keys(settings: Settings) -> RotationReport:
    if settings.target != "local" or settings.lake_root.startswith("s3://"):
        raise SettingsError("keys rotate handles the local keys only: S3 (SSE-KMS) and Snowflake keys are "
                            "rotated by AWS KMS and Snowflake (docs/runbook.md)")
    report = RotationReport()
    if settings.encrypt_local_lake:
        rotate_lake(settings, report)
    if settings.encrypt_local_warehouse:
        report.warehouse_rewritten = rotate_warehouse(settings)
    return report


def begin(key_file: Path) -> tuple[bytes, bytes]:
    """The current key and the new one (the pending key of an interrupted rotation, else a fresh one)."""
    current = load_or_create_key(key_file)
    pending = pending_key_path(key_file)
    create_key_file(pending)
    return current, read_key(pending)


def finish(key_file: Path) -> None:
    """The new key replaces the old one, after every rewritten file has reached the disk."""
    os.sync()
    os.replace(pending_key_path(key_file), key_file)


def rotate_lake(settings: Settings, report: RotationReport) -> None:
    current, new = begin(settings.key_file)
    root = Path(settings.lake_root)
    lake = LocalLake(root, new, older_keys=(current,))
    for key in lake.list(""):
        if opens_with(new, (root / key).read_bytes(), key):
            report.lake_objects_already_rotated += 1  # done before an interruption
            continue
        lake.write(key, lake.read(key))  # write-then-rename: the object is whole under one key or the other
        report.lake_objects_rewritten += 1
    finish(settings.key_file)


def rotate_warehouse(settings: Settings) -> bool:
    """True when the warehouse file was rewritten (False: none yet, or done before an interruption)."""
    path, key_file = settings.warehouse_path, settings.warehouse_key_file
    current, new = (key.hex() for key in begin(key_file))
    rewritten = path.exists() and not _opens(path, new)
    if rewritten:
        _copy_encrypted(path, warehouse_catalog(settings), _source_key(path, current, key_file), new)
    finish(key_file)
    return rewritten


def _source_key(path: Path, current: str, key_file: Path) -> str | None:
    """The key the warehouse opens with now: the current one, or none for a file from before encryption."""
    if _opens(path, current):
        return current
    if _opens(path, None):
        return None
    raise WarehouseKeyError(f"{path} opens with neither {key_file} nor the rotation's new key: restore the key "
                            "file from your key backup (docs/runbook.md, local keys)")


def _copy_encrypted(path: Path, catalog: str, source_key: str | None, new_key: str) -> None:
    """`path` rewritten under `new_key`; `source_key` None reads a warehouse from before encryption."""
    rotated = path.with_name(path.name + ".rotating")
    for leftover in (rotated, wal_of(rotated)):  # an interrupted copy starts again
        leftover.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute("SET temp_file_encryption = true")
        # Read-write, so that a write-ahead log left by a crashed writer is checkpointed into the copy's source
        # (left beside the new file, it would be replayed onto it).
        con.execute(attach_sql(path, SOURCE_CATALOG, source_key))
        con.execute(f'CHECKPOINT "{SOURCE_CATALOG}"')
        # The copy takes the real catalog name: view definitions name it.
        con.execute(attach_sql(rotated, catalog, new_key))
        con.execute(f'COPY FROM DATABASE "{SOURCE_CATALOG}" TO "{catalog}"')
        con.execute(f'DETACH "{catalog}"')
        con.execute(f'DETACH "{SOURCE_CATALOG}"')
    os.sync()
    os.replace(rotated, path)


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _opens(path: Path, key: str | None) -> bool:
    with duckdb.connect() as con:
        try:
            con.execute(attach_sql(path, "probe", key, read_only=True))
        except (duckdb.InvalidInputException, duckdb.CatalogException):
            return False  # another key, encrypted without a key given, or a key given for a plain file
    return True
