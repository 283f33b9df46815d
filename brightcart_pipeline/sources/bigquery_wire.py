"""BigQuery's `tabledata.list` wire format: f/v cells (every scalar a string), typed by the table's schema.

Two decoders of one format:
- `decode_row` (here) gives the plain export-shaped dict BigQuery's client libraries return (INTEGER → int,
  FLOAT → float, BOOLEAN → bool, RECORD → dict, REPEATED → list): what lake readers and dead letters see.
- `bigquery_duckdb.decode_page` gives a whole page as the raw table's Arrow columns (RECORDs flattened to
  `a__b` one level deep, REPEATED and deeper RECORDs as JSON text of what `decode_row` gives), split by
  DuckDB: the hot path. Both type scalars the same way; the columns' Arrow types and casts live here.
"""

from __future__ import annotations

import re
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


def typed_column(text: pa.Array, kind: str) -> tuple[pa.Array, pa.Array | None]:
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


# A key the body spells unescaped only as a member name: any string value holding it would escape its quotes.
_PAGE_TOKEN = re.compile(rb'"pageToken":\s*("(?:[^"\\]|\\.)*")')


def page_token(body: bytes) -> str | None:
    """The cursor of a `tabledata.list` body, found without parsing the rows (the cells are decoded elsewhere)."""
    found = _PAGE_TOKEN.search(body)
    return orjson.loads(found.group(1)) if found else None


def page_records(context: dict[str, Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    decode = record_decoder(context["fields"])
    return [decode(row) for row in body.get("rows", [])]
