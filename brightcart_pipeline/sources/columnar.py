"""The columnar hot path every high-volume resource shares: a landed wire page → one Arrow table for dlt.

Volume pays for Python objects, not for HTTP or parsing (docs/ingestion.md). So a page is landed as the
bytes the API sent, decoded once into Arrow columns by its wire format's decoder, checked against the
resource's `RecordContract` with Arrow compute (no per-row Python), and handed to dlt as a table, which
skips dlt's row normaliser. Extract and replay both go through `accept_page`: a replayed page loads
exactly like the original. Only rows that fail are turned back into records, for their dead letter.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.extract.exceptions import CurrentSourceSchemaNotAvailable

from brightcart_pipeline.lake.landing import (
    LAKE_FILE_COLUMN,
    LANDING_ID_COLUMN,
    LakeKey,
    Landing,
    RecordContract,
    WirePage,
    dead_letter,
    write_dead_letters,
)
from brightcart_pipeline.lake.store import LakeStore
from brightcart_pipeline.sources import bigquery_duckdb, bigquery_wire
from brightcart_pipeline.sources.bigquery_wire import Columns

# How each wire format decodes a page into columns and, for one row, a record.
PageDecoder = Callable[[WirePage], tuple[Columns, Callable[[int], dict[str, Any]]]]
PAGE_DECODERS: dict[str, PageDecoder] = {bigquery_wire.FORMAT: bigquery_duckdb.page_columns}

_DECIMAL = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"


def contract_violations(columns: Columns, contract: RecordContract) -> dict[int, str]:
    """Row index → the first reason it breaks the contract, in the order `RecordContract.violation` checks.

    Cells the decoder could not type (a malformed or retyped value) break the contract too: a typed
    column cannot hold them, and landing them as NULL would hide the fault.
    """
    reasons: dict[int, str] = {}

    def flag(mask: pa.Array, reason: Callable[[int], str]) -> None:
        for index in pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist():
            reasons.setdefault(index, reason(index))

    def wrong(path: str, kind: str, text: pa.Array) -> Callable[[int], str]:
        return lambda index: f"field {path!r} should be {kind}, got {text[index].as_py()!r}"

    for path in contract.required:
        missing_reason = f"required field {path!r} is missing"
        column = columns.arrays.get(_column(path))
        if column is None:
            flag(pa.array([True] * columns.num_rows), lambda _, r=missing_reason: r)
            continue
        missing = pc.is_null(column)
        if pa.types.is_string(column.type):
            missing = pc.or_kleene(missing, pc.equal(column, ""))
        malformed = columns.malformed.get(_column(path))
        if malformed is not None:  # sent, but not as its type: reported by the type checks below
            missing = pc.and_kleene(missing, pc.invert(malformed.mask))
        flag(missing, lambda _, r=missing_reason: r)
    for paths, pattern, kind in ((contract.integer_strings, r"^-?[0-9]+$", "an integer"),
                                 (contract.decimal_strings, _DECIMAL, "a decimal amount")):
        for path in paths:
            column = columns.arrays.get(_column(path))
            malformed = columns.malformed.get(_column(path))
            if malformed is not None:
                flag(malformed.mask, wrong(path, kind, malformed.text))
            elif column is not None and pa.types.is_string(column.type):
                flag(pc.invert(pc.match_substring_regex(column, pattern)), wrong(path, kind, column))
    for malformed in columns.malformed.values():
        flag(malformed.mask, wrong(malformed.path, "a number", malformed.text))
    return reasons


def land_wire_page(landing: Landing, resource: str, day: dt.date, page: WirePage,
                   contract: RecordContract) -> pa.Table:
    """Land the page as received, then decode it, dead-letter what breaks the contract, return what loads."""
    key = landing.land_page(resource, day, page)
    with paused_gc():
        table, rejected = accept_page(landing.lake, key, page, contract)
    landing.count(resource, table.num_rows + rejected, rejected)
    return table


# Rows per Arrow table handed to dlt: dlt pays a fixed cost per item (schema merge, config lookups, a parquet
# row group), so ten 1,000-row pages go as one table. Landing stays per page: batching changes what dlt sees only.
ARROW_BATCH_ROWS = 10_000


def batched(items: Iterable[pa.Table | Any], rows: int = ARROW_BATCH_ROWS) -> Iterator[pa.Table | Any]:
    """Consecutive Arrow tables of one schema concatenated up to `rows` rows, in order; a table of another schema
    (a drifted day) starts a new batch, and anything else (a page of records) passes through in its place."""
    waiting: list[pa.Table] = []

    def flush() -> Iterator[pa.Table]:
        if waiting:
            yield pa.concat_tables(waiting) if len(waiting) > 1 else waiting[0]
            waiting.clear()

    for item in items:
        if not isinstance(item, pa.Table):
            yield from flush()
            yield item
            continue
        if waiting and item.schema != waiting[0].schema:
            yield from flush()
        waiting.append(item)
        if sum(table.num_rows for table in waiting) >= rows:
            yield from flush()
    yield from flush()


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic GC passes while a page's many short-lived objects exist: they are freed by refcount anyway,
    and each pass would walk all of them (measured: decoding with the collector on is far slower)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def accept_page(lake: LakeStore, raw_key: str, page: WirePage, contract: RecordContract) -> tuple[pa.Table, int]:
    """The page's rows that meet the contract, tagged with their lake file, and how many were dead-lettered."""
    columns, record_at = PAGE_DECODERS[page.format](page)
    reasons = contract_violations(columns, contract)
    table = columns.table()
    if reasons:
        write_dead_letters(lake, raw_key, [dead_letter(raw_key, record_at(i), reason)
                                           for i, reason in sorted(reasons.items())])
        keep = pa.array([i not in reasons for i in range(table.num_rows)])
        table = table.filter(keep)
    parsed = LakeKey.parse(raw_key)
    table = conform_to_loaded(table, _loaded_columns(parsed.resource))
    landing_id = parsed.landing_id
    table = table.append_column(LAKE_FILE_COLUMN, pa.array([raw_key] * table.num_rows, pa.string()))
    table = table.append_column(LANDING_ID_COLUMN, pa.array([landing_id] * table.num_rows, pa.string()))
    return table, len(reasons)


def conform_to_loaded(table: pa.Table, loaded: dict[str, Any]) -> pa.Table:
    """Text arriving for a column the raw table already holds as a number (a field retyped by the vendor).

    Values that read as the number go into the column; the rest into `<column>__v_text`, the variant
    column dlt's normaliser makes for dict rows. So the load never fails on them, and the schema drift
    check sees the variant column and fails, as it does for every other source.
    """
    for name in table.column_names:
        target = _NUMBER_TYPES.get((loaded.get(name) or {}).get("data_type", ""))
        column = table.column(name)
        if target is None or not pa.types.is_string(column.type):
            continue
        numbers, texts = [], []
        for value in column.to_pylist():
            try:
                numbers.append(None if value is None else target[1](value))
                texts.append(None)
            except ValueError:
                numbers.append(None)
                texts.append(value)
        table = table.set_column(table.column_names.index(name), name, pa.array(numbers, target[0]))
        if any(text is not None for text in texts):
            table = table.append_column(f"{name}__v_text", pa.array(texts, pa.string()))
    return table


_NUMBER_TYPES: dict[str, tuple[pa.DataType, Callable[[str], Any]]] = {
    "bigint": (pa.int64(), int), "double": (pa.float64(), float)}


def _loaded_columns(resource: str) -> dict[str, Any]:
    """The table's columns as dlt's schema holds them, inside a dlt extract; none outside one."""
    try:
        schema = dlt.current.source_schema()
    except CurrentSourceSchemaNotAvailable:
        return {}
    return dict(schema.tables[resource]["columns"]) if resource in schema.tables else {}


def _column(path: str) -> str:
    return path.replace(".", "__")
