"""BigQuery's `tabledata.list` wire format: f/v cells (every scalar a string), typed by the table's schema.

Two decoders of one format:
- `decode_row` gives the plain export-shaped dict BigQuery's client libraries return (INTEGER → int,
  FLOAT → float, BOOLEAN → bool, RECORD → dict, REPEATED → list): what lake readers and dead letters see.
- `decode_columns` gives a whole page as Arrow columns, one column at a time, shaped like the raw table:
  RECORDs flattened to `a__b` columns one level deep, REPEATED and deeper RECORDs as JSON text. It is the
  hot path: no per-row dict is built for flattened scalars, and the string → number casts run in Arrow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

Field = dict[str, Any]

INTEGER_TYPES = frozenset({"INTEGER", "INT64"})
FLOAT_TYPES = frozenset({"FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC"})
BOOLEAN_TYPES = frozenset({"BOOLEAN", "BOOL"})
RECORD_TYPES = frozenset({"RECORD", "STRUCT"})
# Objects are flattened one level (device__category); deeper structure stays JSON, as in the raw tables.
FLATTEN_DEPTH = 1


# -- rows as dicts ----------------------------------------------------------------------------------
# Decoders are built once per schema, so a page pays one call per value, not a type dispatch per value.
ValueDecoder = Callable[[Any], Any]


def decode_row(row: dict[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """One `{"f": [...]}` row as a plain dict, typed by the table schema."""
    return record_decoder(fields)(row)


def record_decoder(fields: Sequence[Field]) -> ValueDecoder:
    """Decodes a RECORD value (`{"f": [cells]}`, or None) into a dict keyed by the schema's field names."""
    names = [one["name"] for one in fields]
    decoders = [cell_decoder(one) for one in fields]

    def decode(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        return {name: decoder(cell["v"]) for name, decoder, cell in zip(names, decoders, value["f"], strict=True)}

    return decode


def cell_decoder(field: Field) -> ValueDecoder:
    """Decodes a cell's `v`: a list of `{"v": ...}` items for REPEATED fields, else one value."""
    decode = _value_decoder(field)
    if field.get("mode") == "REPEATED":
        return lambda value: [decode(item["v"]) for item in value or []]
    return decode


def _value_decoder(field: Field) -> ValueDecoder:
    kind = field["type"]
    if kind in RECORD_TYPES:
        return record_decoder(field["fields"])
    if kind in INTEGER_TYPES:
        return _integer
    if kind in FLOAT_TYPES:
        return _float
    if kind in BOOLEAN_TYPES:
        return _boolean
    return _text


def _integer(value: str | None) -> int | str | None:
    # A value that is not an integer stays text, so the record contract dead-letters it with a reason.
    return None if value is None else int(value) if value.lstrip("-").isdigit() else value


def _float(value: str | None) -> float | str | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return value


def _boolean(value: str | None) -> bool | None:
    return None if value is None else value == "true"


def _text(value: Any) -> Any:
    return value


# -- a page as columns ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Malformed:
    """Cells of one column that did not parse as its schema type: where, which rows, and the text sent."""

    path: str  # dotted, as a RecordContract names fields
    mask: pa.Array
    text: pa.Array


@dataclass
class Columns:
    """A page's columns by raw-table name, and the columns with cells that did not parse as their type."""

    arrays: dict[str, pa.Array] = field(default_factory=dict)
    malformed: dict[str, Malformed] = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return len(next(iter(self.arrays.values()))) if self.arrays else 0

    def table(self) -> pa.Table:
        return pa.table(self.arrays)


def decode_columns(rows: Sequence[dict[str, Any]], fields: Sequence[Field]) -> Columns:
    """Every row of a page, decoded column by column into Arrow arrays named as the raw table names them."""
    columns = Columns()
    cells = [row["f"] for row in rows]
    for index, one in enumerate(fields):
        _add_column(columns, [cell[index]["v"] for cell in cells], one, (one["name"],))
    return columns


def _add_column(columns: Columns, values: list[Any], field: Field, path: tuple[str, ...]) -> None:
    name = "__".join(path)
    kind = field["type"]
    if field.get("mode") == "REPEATED" or (kind in RECORD_TYPES and len(path) > FLATTEN_DEPTH):
        columns.arrays[name] = _json_column(values, field)
    elif kind in RECORD_TYPES:
        for index, sub in enumerate(field["fields"]):
            sub_values = [None if value is None else value["f"][index]["v"] for value in values]
            _add_column(columns, sub_values, sub, (*path, sub["name"]))
    else:
        text = pa.array(values, pa.string())
        typed, malformed = _typed(text, kind)
        columns.arrays[name] = typed
        if malformed is not None:
            columns.malformed[name] = Malformed(".".join(path), malformed, text)


def _json_column(values: list[Any], field: Field) -> pa.Array:
    """JSON text of what the dict decoder gives (a list for REPEATED), as dlt serialises a JSON column."""
    decode, dumps = cell_decoder(field), orjson.dumps
    repeated = field.get("mode") == "REPEATED"
    # bytes → binary → string: Arrow checks the UTF-8 once, no Python str is made per value.
    texts = [dumps(decode(value)) if repeated or value is not None else None for value in values]
    return pa.array(texts, pa.binary()).cast(pa.string())


def _typed(text: pa.Array, kind: str) -> tuple[pa.Array, pa.Array | None]:
    """The column cast to its schema type, and a mask of cells that would not cast (None when all did)."""
    if kind in BOOLEAN_TYPES:
        return pc.equal(text, "true"), None
    target = pa.int64() if kind in INTEGER_TYPES else pa.float64() if kind in FLOAT_TYPES else None
    if target is None:
        return text, None
    try:
        return pc.cast(text, target), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # Rare: some cell is not a number. Cast the rest and report the cells that failed.
    pattern = r"^-?[0-9]+$" if target == pa.int64() else r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"
    parses = pc.fill_null(pc.match_substring_regex(text, pattern), True)
    if target == pa.float64():
        parses = pc.or_(parses, pc.is_in(pc.utf8_lower(text), pa.array(["nan", "inf", "-inf", "infinity",
                                                                         "-infinity"])))
    malformed = pc.invert(parses)
    return pc.cast(pc.if_else(parses, text, pa.scalar(None, pa.string())), target), malformed


# -- a landed tabledata.list page -------------------------------------------------------------------
FORMAT = "bigquery.tabledata"  # a landed page: the response body as received, with `{"fields": schema}`


def page_records(context: dict[str, Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    decode = record_decoder(context["fields"])
    return [decode(row) for row in body.get("rows", [])]


def page_columns(context: dict[str, Any], body: dict[str, Any]) -> tuple[Columns, Callable[[int], dict[str, Any]]]:
    """The page as columns, and a way back to one row as a record (for the few that are dead-lettered)."""
    rows, fields = body.get("rows", []), context["fields"]
    return decode_columns(rows, fields), lambda index: decode_row(rows[index], fields)
