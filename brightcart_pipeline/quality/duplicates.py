"""Duplicate loads: a raw table must hold each primary key once.

Why reloading a batch is idempotent: every raw table is written with dlt's `merge` disposition on
the resource's primary key, and rows of one key inside a load are deduplicated on `_landing_id`
(newest landed wins). Loading the same lake files again, or a vendor re-sending records, therefore
replaces rows instead of adding them. Many keys sharing one `_lake_file` is normal (a page holds many
records), and one key re-landed in a later file simply points at the newer file. A key counted twice
means the merge did not happen (a table switched to append, or a primary key hint lost).
"""

from __future__ import annotations

import duckdb

from brightcart_pipeline.quality.outcome import CheckOutcome
from brightcart_pipeline.quality.tables import RawTable, table_exists

SAMPLE = 5


def duplicate_keys(con: duckdb.DuckDBPyConnection, table: RawTable) -> CheckOutcome:
    if not table_exists(con, table.schema, table.name):
        return CheckOutcome.ok(f"{table.qualified} has not been loaded yet")
    key = ", ".join(table.primary_key)
    rows, distinct = con.execute(
        f"select count(*), (select count(*) from (select distinct {key} from {table.qualified})) "
        f"from {table.qualified}").fetchone() or (0, 0)
    metadata = {"table": table.qualified, "rows": rows, "distinct_keys": distinct,
                "primary_key": list(table.primary_key)}
    if rows == distinct:
        return CheckOutcome.ok(f"{table.qualified}: {rows} rows, one per ({key})", **metadata)
    sample = con.execute(
        f"select {key}, count(*) as n, list(distinct _lake_file) from {table.qualified} group by all having n > 1 "
        f"order by n desc limit {SAMPLE}").fetchall()
    problems = [f"key ({', '.join(map(str, r[:-2]))}) ×{r[-2]} from {', '.join(r[-1])}" for r in sample]
    return CheckOutcome.failed(problems, f"{table.qualified} has {rows - distinct} duplicate rows on ({key}); "
                                         "the merge on the primary key did not hold", **metadata)
