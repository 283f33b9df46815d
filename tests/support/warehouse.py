"""Reading the warehouse a test built: one read-only connection per query, so nothing holds DuckDB's lock."""

from __future__ import annotations

from typing import Any

import duckdb

from brightcart_pipeline.settings import Settings


def query(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.sql(sql).fetchall()


def business_rows(settings: Settings, schema: str, table: str) -> list[tuple[Any, ...]]:
    """Every row of a raw table without dlt's bookkeeping columns, in a stable order (for equality)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        columns = [c for (c,) in con.sql(
            f"SELECT column_name FROM information_schema.columns WHERE table_schema = '{schema}' "
            f"AND table_name = '{table}' AND column_name NOT LIKE '_dlt%' ORDER BY column_name").fetchall()]
        return sorted(con.sql(f"SELECT {', '.join(columns)} FROM {schema}.{table}").fetchall(), key=repr)
