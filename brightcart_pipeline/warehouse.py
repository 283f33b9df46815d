"""The warehouse behind the raw tables and dbt: DuckDB locally, Snowflake in production."""

from __future__ import annotations

from typing import Any

import dlt

from brightcart_pipeline.settings import Settings

SNOWFLAKE_STAGE = "{database}.LOADING.DLT_S3_STAGE"


def dlt_destination(settings: Settings) -> Any:
    if settings.target == "local":
        settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
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


def dlt_staging(settings: Settings) -> Any:
    """Production loads go through the S3 lake as Snowflake's stage; DuckDB needs none."""
    if settings.target == "local":
        return None
    return dlt.destinations.filesystem(bucket_url=f"{settings.lake_root.rstrip('/')}/dlt_staging")
