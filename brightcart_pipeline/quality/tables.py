"""The raw tables the checks look at, read from each source's `RESOURCES` (one place for keys and contracts)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from dlt.common.normalizers.naming.snake_case import NamingConvention

from brightcart_pipeline.sources import ENABLED_SOURCES, source_module
from brightcart_pipeline.sources.base import ResourceSpec

_NAMING = NamingConvention()


def normalised(path: str) -> str:
    """A contract path (`metrics.costMicros`) as dlt names its column (`metrics__cost_micros`).

    Objects are flattened one level (`max_table_nesting=1`), so a deeper path lives in its parent's JSON column.
    """
    return "__".join(_NAMING.normalize_identifier(part) for part in path.split(".")[:2])


@dataclass(frozen=True)
class RawTable:
    source: str
    spec: ResourceSpec

    @property
    def schema(self) -> str:
        return f"raw_{self.source}"

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def primary_key(self) -> tuple[str, ...]:
        return self.spec.primary_key  # declared in dlt's column names already

    @property
    def used_columns(self) -> tuple[str, ...]:
        """Columns the pipeline relies on: the primary key and every field its contract names."""
        contract = self.spec.contract
        paths = (*contract.required, *contract.integer_strings, *contract.decimal_strings)
        return tuple(dict.fromkeys((*self.primary_key, *(normalised(p) for p in paths))))


def raw_tables() -> list[RawTable]:
    return [RawTable(source, spec) for source in ENABLED_SOURCES for spec in source_module(source).RESOURCES]


def raw_table(source: str, resource: str) -> RawTable:
    spec = next((s for s in source_module(source).RESOURCES if s.name == resource), None)
    if spec is None:
        raise ValueError(f"{source} has no raw table {resource!r}")
    return RawTable(source, spec)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                        [schema, table]).fetchone()
    return bool(found and found[0])


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute("select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                       [schema, table]).fetchall()
    return {r[0] for r in rows}
