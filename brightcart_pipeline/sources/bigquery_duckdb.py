"""BigQuery's `tabledata.list` pages split into the raw table's columns by DuckDB: no Python object per cell.

The hot path of the format (`bigquery_wire.decode_row` is the other decoder: dicts, for lake readers and
dead letters; the two agree, tests/test_bigquery_wire.py). One SQL statement per table schema, generated
once, reads a page's bytes with DuckDB's JSON functions and returns Arrow columns named and shaped as the
raw table holds them:
- scalars (top level, and RECORDs flattened one level to `a__b`) come back as text and are typed by Arrow
  casts (`bigquery_wire.typed_column`), which also find malformed cells for the dead letter;
- REPEATED fields and deeper RECORDs come back as JSON text of what `decode_row` gives (INTEGER cells as
  numbers, text that is not an integer kept as text, BOOLEAN as true/false, NaN as null). A number may
  be spelled differently from orjson's (`1e+20` is `100000000000000000000.0`): the same value.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import duckdb

from brightcart_pipeline.lake.landing import WirePage
from brightcart_pipeline.sources.bigquery_wire import (
    BOOLEAN_TYPES,
    FLOAT_TYPES,
    INTEGER_TYPES,
    RECORD_TYPES,
    Columns,
    Field,
    Malformed,
    decode_row,
    typed_column,
)


def decode_page(body: bytes, fields: Sequence[Field]) -> Columns:
    """A page's rows as the raw table's columns, split and rebuilt by DuckDB."""
    statement = _statement(json.dumps(list(fields), sort_keys=True))
    table = _connection().execute(statement.sql, [body]).to_arrow_table()
    columns = Columns()
    for name, path, kind in statement.scalars:
        text = table.column(name).combine_chunks()
        typed, malformed = typed_column(text, kind)
        columns.arrays[name] = typed
        if malformed is not None:
            columns.malformed[name] = Malformed(".".join(path), malformed, text)
    for name in statement.json_columns:
        columns.arrays[name] = table.column(name).combine_chunks()
    # The schema's column order, as dlt's normaliser gave it.
    columns.arrays = {name: columns.arrays[name] for name in statement.order}
    return columns


class _Statement:
    """The SQL for one schema, and which of its output columns are scalars (to type) or JSON.

    Each row is parsed once: one multi-path `json_extract_string` takes every cell the columns need as text
    (a scalar's value, or the JSON text of a REPEATED field or deeper RECORD). REPEATED items and deeper
    RECORDs are then read the same way, one multi-path extraction per item, and rebuilt as JSON.
    """

    def __init__(self, fields: Sequence[Field]) -> None:
        self.scalars: list[tuple[str, tuple[str, ...], str]] = []
        self.json_columns: list[str] = []
        self.order: list[str] = []
        paths: list[str] = []
        selected: list[str] = []
        for index, one in enumerate(fields):
            if one["type"] in RECORD_TYPES and one.get("mode") != "REPEATED":  # flattened: FLATTEN_DEPTH is 1
                for sub_index, sub in enumerate(one["fields"]):
                    paths.append(f"$.f[{index}].v.f[{sub_index}].v")
                    selected.append(self._column(sub, (one["name"], sub["name"]), f"cells[{len(paths)}]"))
            else:
                paths.append(f"$.f[{index}].v")
                selected.append(self._column(one, (one["name"],), f"cells[{len(paths)}]"))
        self.sql = (
            f"SELECT {', '.join(selected)} FROM ("
            f"SELECT json_extract_string(row_json, {_path_list(paths)}) AS cells FROM ("
            f"SELECT unnest(from_json(decode($1), '{{\"rows\":[\"JSON\"]}}').rows) AS row_json))"
        )

    def _column(self, field: Field, path: tuple[str, ...], text: str) -> str:
        name = "__".join(path)
        self.order.append(name)
        quoted = _quote(name)
        if field.get("mode") == "REPEATED" or field["type"] in RECORD_TYPES:
            self.json_columns.append(name)
            return f"CAST({_json_value(field, text, 0)} AS VARCHAR) AS {quoted}"
        self.scalars.append((name, path, field["type"]))
        return f"{text} AS {quoted}"


def _path_list(paths: Sequence[str]) -> str:
    return "[" + ", ".join(f"'{path}'" for path in paths) + "]"


def _json_value(field: Field, text: str, depth: int) -> str:
    """SQL for the JSON value the dict decoder gives a cell, from the cell's `v` as text (JSON text for
    REPEATED fields and RECORDs): a list for REPEATED fields, even when the cell is null."""
    if field.get("mode") == "REPEATED":
        item = f"item_{depth}"
        one = _single_json_value(field, f"({item} ->> '$')", depth + 1)
        return f"coalesce(to_json(list_transform(json_extract({text}, '$[*].v'), {item} -> {one})), '[]'::JSON)"
    return _single_json_value(field, text, depth)


def _single_json_value(field: Field, text: str, depth: int) -> str:
    kind = field["type"]
    if kind in RECORD_TYPES:
        cells = f"cells_{depth}"
        paths = [f"$.f[{n}].v" for n in range(len(field["fields"]))]
        members = ", ".join(f"{_literal(sub['name'])}, {_json_value(sub, f'{cells}[{n}]', depth + 1)}"
                            for n, sub in enumerate(field["fields"], start=1))
        # The record's cells are extracted once and bound to a name through a one-element list.
        return (f"CASE WHEN {text} IS NULL THEN NULL ELSE list_transform("
                f"[json_extract_string({text}, {_path_list(paths)})], {cells} -> json_object({members}))[1] END")
    if kind in INTEGER_TYPES:  # like `_integer`: text that is not an integer stays text
        return (f"CASE WHEN regexp_full_match({text}, '-?[0-9]+') THEN to_json(CAST({text} AS HUGEINT)) "
                f"ELSE to_json({text}) END")
    if kind in FLOAT_TYPES:  # like `_float`; NaN and infinities have no JSON spelling: null, as orjson writes them
        number = f"TRY_CAST({text} AS DOUBLE)"
        return (f"CASE WHEN {number} IS NULL THEN to_json({text}) WHEN isfinite({number}) THEN to_json({number}) "
                "ELSE 'null'::JSON END")
    if kind in BOOLEAN_TYPES:
        return f"to_json({text} = 'true')"
    return f"to_json({text})"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    # Names come from the vendor's schema: quoted, never spliced in as SQL.
    return "'" + text.replace("'", "''") + "'"


@lru_cache(maxsize=64)
def _statement(fields_json: str) -> _Statement:
    return _Statement(json.loads(fields_json))


_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB, kept for the process. One thread: a page is small, and the pipeline's CPU
    is what counts. Nothing is persisted, so no lake or warehouse bytes leave it."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect(config={"threads": 1})
    return con


def page_columns(page: WirePage) -> tuple[Columns, Callable[[int], dict[str, Any]]]:
    """The page as columns, and a way back to one row as a record (for the few that are dead-lettered)."""
    fields = page.context["fields"]
    return decode_page(page.body, fields), lambda index: decode_row(page.parsed["rows"][index], fields)
