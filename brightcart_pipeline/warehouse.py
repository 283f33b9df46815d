"""The warehouse behind the raw tables and dbt: DuckDB locally, Snowflake in production.

Locally the DuckDB file is encrypted at rest with the warehouse key (`BRIGHTCART_WAREHOUSE_KEY_FILE`, kept
outside the data folder). DuckDB encrypts only attached databases, so everything opens the file the same
way: an in-memory DuckDB with the file ATTACHed under its stem (`warehouse`) and `search_path` into it.
`connect` does it for Python, `attached_duckdb` for dlt, `dbt_connection_env` for dbt's profile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dlt
import duckdb

from brightcart_pipeline.attached_duckdb import attached_duckdb, catalog_of, instance_of
from brightcart_pipeline.privacy.keys import MissingKeyError, load_or_create_key, pending_key_path
from brightcart_pipeline.settings import Settings, SettingsError

SNOWFLAKE_STAGE = "{database}.LOADING.DLT_S3_STAGE"


class WarehouseKeyError(MissingKeyError):
    """The warehouse file and the configured key (or its absence) do not fit together."""


def warehouse_catalog(settings: Settings) -> str:
    """The catalog dbt models, MetricFlow and readers name: the DuckDB file's stem."""
    return catalog_of(settings.warehouse_path)


def warehouse_key(settings: Settings) -> str | None:
    """The DuckDB encryption key (hex of the 32-byte key file), or None when encryption is switched off."""
    if not settings.encrypt_local_warehouse:
        return None
    return load_or_create_key(settings.warehouse_key_file).hex()


def opening_sql(path: Path, catalog: str, key: str | None, read_only: bool = False) -> list[str]:
    """What opens the warehouse on an in-memory DuckDB. With a key, what DuckDB spills to its temporary folder
    (`.tmp` in the working directory) is encrypted too: DuckDB leaves that off unless asked."""
    attach = attach_sql(path, catalog, key, read_only)
    return ["SET temp_file_encryption = true", attach] if key else [attach]


def attach_sql(path: Path, catalog: str, key: str | None, read_only: bool = False) -> str:
    options = [option for option, wanted in (("READ_ONLY", read_only), (f"ENCRYPTION_KEY '{key}'", key)) if wanted]
    escaped_path = str(path).replace("'", "''")
    return f"ATTACH IF NOT EXISTS '{escaped_path}' AS \"{catalog}\"" + (f" ({', '.join(options)})" if options else "")


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the local warehouse, decrypted with the warehouse key. Unqualified and schema-qualified
    names resolve into the file, as if DuckDB had opened it directly. Close it (`with connect(…) as con:`):
    the file stays attached, and locked, while any connection of this process to it is open."""
    path, catalog = settings.warehouse_path, warehouse_catalog(settings)
    con = duckdb.connect(instance_of(path, read_only))
    try:
        for statement in opening_sql(path, catalog, warehouse_key(settings), read_only):
            con.execute(statement)
        con.execute(f"SET search_path = '\"{catalog}\".main'")
    except duckdb.Error as error:
        con.close()
        raise explain_open_error(settings, error) from error
    return con


def explain_open_error(settings: Settings, error: duckdb.Error) -> Exception:
    """DuckDB's refusal, turned into what to do about it when the key is the cause."""
    path, message = settings.warehouse_path, str(error).lower()
    if "wrong encryption key" in message:
        if pending_key_path(settings.warehouse_key_file).exists():
            return WarehouseKeyError(f"{path} does not open with {settings.warehouse_key_file}: a key rotation "
                                     "was interrupted; run `brightcart keys rotate` to finish it")
        return WarehouseKeyError(f"{path} does not open with {settings.warehouse_key_file}: restore the key file "
                                 "from your key backup (docs/runbook.md, local keys)")
    if "without a key" in message:
        return WarehouseKeyError(f"{path} is encrypted: set BRIGHTCART_ENCRYPT_LOCAL_WAREHOUSE=true and point "
                                 "BRIGHTCART_WAREHOUSE_KEY_FILE at its key")
    if "not encrypted" in message:
        return WarehouseKeyError(f"{path} is not encrypted yet: run `brightcart keys rotate` to encrypt it")
    return error


def dbt_connection_env(settings: Settings) -> dict[str, str]:
    """What dbt's local profile attaches: the file, its catalog and (as a dbt secret, kept out of dbt's logs)
    the key. Without the key variable the file is attached unencrypted; set to an empty string it is not
    (dbt hands the secret's value over after rendering, so the profile cannot test it)."""
    env = {"DBT_BRIGHTCART_DUCKDB_PATH": str(settings.warehouse_path),
           "DBT_BRIGHTCART_DUCKDB_CATALOG": warehouse_catalog(settings)}
    if key := warehouse_key(settings):
        env["DBT_ENV_SECRET_BRIGHTCART_WAREHOUSE_KEY"] = key
    return env


def dlt_destination(settings: Settings) -> Any:
    if settings.target == "local":
        path = settings.warehouse_path
        ensure_warehouse_folder(path)
        # The merge's staging and hash tables live in DuckDB's buffer pool, which grows with a day's rows up to
        # the memory limit (80% of RAM unless set): the same bound dbt gets; past it, DuckDB evicts and spills.
        limit = f"SET memory_limit = '{settings.duckdb_memory_limit}'"
        return attached_duckdb(path, [limit, *opening_sql(path, warehouse_catalog(settings), warehouse_key(settings))])
    credentials: dict[str, Any] = {
        "host": settings.snowflake_account,
        "username": settings.snowflake_user,
        "database": settings.snowflake_database,
        "warehouse": settings.snowflake_warehouse,
        "role": settings.snowflake_role,
    }
    if settings.snowflake_private_key_path:
        credentials["private_key"] = settings.snowflake_private_key_path.read_text()
    elif settings.snowflake_password:
        credentials["password"] = settings.snowflake_password.get_secret_value()
    # COPY INTO reads the staged parquet through the storage-integration stage (deploy/snowflake/03_*.sql).
    return dlt.destinations.snowflake(credentials=credentials, stage_name=SNOWFLAKE_STAGE.format(
        database=settings.snowflake_database), query_tag='{{"pipeline": "brightcart", "table": "{table}"}}')


def ensure_warehouse_folder(path: Path) -> None:
    """Fail at start, naming the setting, when the DuckDB file's folder cannot be made or written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SettingsError(f"BRIGHTCART_DUCKDB_PATH={path}: cannot create the warehouse folder ({error})") from None
    if not os.access(path.parent, os.W_OK):
        raise SettingsError(f"BRIGHTCART_DUCKDB_PATH={path}: the warehouse folder is not writable")


def dlt_staging(settings: Settings) -> Any:
    """Production loads go through the S3 lake as Snowflake's stage; DuckDB needs none."""
    if settings.target == "local":
        return None
    return dlt.destinations.filesystem(bucket_url=f"{settings.lake_root.rstrip('/')}/dlt_staging")
