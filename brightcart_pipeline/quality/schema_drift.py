"""Schema drift per raw table, from dlt's own schema history (`raw_<source>._dlt_version`).

dlt never drops or retypes a column: an added field becomes a new column, a field arriving with
another type lands in a variant column `<col>__v_<type>`, and a renamed field leaves its old column
empty. So the newest schema version compared with the previous one, plus the rows of the latest
load, tells all three apart.
"""

from __future__ import annotations

import duckdb
import orjson

from brightcart_pipeline.quality.outcome import CheckOutcome
from brightcart_pipeline.quality.tables import RawTable, columns_of, table_exists

VARIANT_MARK = "__v_"


def schema_versions(con: duckdb.DuckDBPyConnection, schema: str, limit: int = 2) -> list[dict]:
    """The newest `limit` stored schemas, newest first."""
    if not table_exists(con, schema, "_dlt_version"):
        return []
    rows = con.execute(f"select schema from {schema}._dlt_version order by inserted_at desc, version desc "
                       f"limit {limit}").fetchall()
    return [orjson.loads(r[0]) for r in rows]


def _table_columns(stored: dict, table: str) -> set[str]:
    return {c for c in stored.get("tables", {}).get(table, {}).get("columns", {}) if not c.startswith("_dlt")}


def _had_data(stored: dict, table: str) -> bool:
    """Whether the table had received rows by this schema version: before that it holds only the resource's
    declared hints, and its first rows are its first shape, not drift from one."""
    return bool(stored.get("tables", {}).get(table, {}).get("x-normalizer", {}).get("seen-data"))


def latest_load_id(con: duckdb.DuckDBPyConnection, table: RawTable) -> str | None:
    row = con.execute(f"select max(_dlt_load_id) from {table.qualified}").fetchone()
    return row[0] if row else None


def schema_drift(con: duckdb.DuckDBPyConnection, table: RawTable) -> CheckOutcome:
    """Added columns warn; retyped columns, and used columns empty in the latest load, fail."""
    if not table_exists(con, table.schema, table.name):
        return CheckOutcome.ok(f"{table.qualified} has not been loaded yet")
    versions = schema_versions(con, table.schema)
    newest = _table_columns(versions[0], table.name) if versions else columns_of(con, table.schema, table.name)
    previous = _table_columns(versions[1], table.name) if len(versions) > 1 else newest
    # A table whose first rows came in the newest version has no earlier shape to drift from.
    had_shape = len(versions) < 2 or _had_data(versions[1], table.name)
    added = sorted(newest - previous) if previous and had_shape else []
    present = columns_of(con, table.schema, table.name)
    load_id = latest_load_id(con, table)
    problems: list[str] = []
    retyped = sorted(c for c in present if VARIANT_MARK in c)
    if retyped and load_id is not None:
        counts = con.execute(
            f"select {', '.join(f'count({c})' for c in retyped)} from {table.qualified} where _dlt_load_id = ?",
            [load_id]).fetchone() or ()
        # A variant column created earlier and empty now is history; one receiving values now is live drift.
        live = [c for c, n in zip(retyped, counts, strict=True) if n or c in added]
        problems += [f"column {c.split(VARIANT_MARK)[0]!r} changed type (values now land in {c!r})" for c in live]
    if load_id is not None:
        problems += _stopped_columns(con, table, present, load_id)
    metadata = {"table": table.qualified, "added_columns": added, "latest_load_id": load_id,
                "schema_versions_compared": len(versions)}
    if problems:
        return CheckOutcome.failed(problems, f"schema drift in {table.qualified}", **metadata)
    if added:
        return CheckOutcome(True, f"{table.qualified} gained columns {', '.join(added)} (new fields from the API; "
                                  "staging ignores them until modelled)", "WARN", metadata)
    return CheckOutcome.ok(f"{table.qualified}: no schema drift", **metadata)


def _stopped_columns(con: duckdb.DuckDBPyConnection, table: RawTable, present: set[str], load_id: str) -> list[str]:
    """Used columns with values in earlier loads and none in the latest one (a renamed or vanished field)."""
    used = [c for c in table.used_columns if c in present]
    problems = [f"column {c!r} the pipeline uses does not exist" for c in table.used_columns if c not in present]
    if not used:
        return problems
    now = ", ".join(f"count({c}) filter (where _dlt_load_id = $1)" for c in used)
    before = ", ".join(f"count({c}) filter (where _dlt_load_id <> $1)" for c in used)
    row = con.execute(f"select count(*) filter (where _dlt_load_id = $1), {now}, {before} from {table.qualified}",
                      [load_id]).fetchone()
    assert row is not None
    rows_now, filled_now, filled_before = row[0], row[1:1 + len(used)], row[1 + len(used):]
    for column, n_now, n_before in zip(used, filled_now, filled_before, strict=True):
        if rows_now and n_now == 0 and n_before:
            problems.append(f"column {column!r} received no values in load {load_id} ({rows_now} rows), "
                            f"though {n_before} earlier rows have one")
    return problems
