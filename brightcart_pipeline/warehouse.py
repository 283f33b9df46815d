"""The warehouse behind the raw tables and dbt: DuckDB locally, Snowflake in production."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dlt

from brightcart_pipeline.settings import Settings, SettingsError

SNOWFLAKE_STAGE = "{database}.LOADING.DLT_S3_STAGE"


def dlt_destination(settings: Settings) -> Any:
    if settings.target == "local":
        ensure_warehouse_folder(settings.warehouse_path)
        return dlt.destinations.duckdb(str(settings.warehouse_path))
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
