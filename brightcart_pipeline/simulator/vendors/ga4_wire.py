"""tabledata.list rows straight to JSON bytes: `ga4.encode_row` compiled for one schema.

Building the f/v dicts of a page (a few hundred small dicts per row) and serialising them took most of
a page's time. Here each schema field becomes a small function writing the bytes orjson writes for
`encode_row`'s result, and a RECORD value met again within one page (a session's device, geo and
traffic source, shared by its events) is written once. `tests/test_simulator_scale.py` checks the bytes
against `orjson.dumps(encode_row(...))`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import orjson

# A RECORD's bytes by its writer and the id of its dict; valid while the rows being written (which hold the
# dicts) live.
Memo = dict[int, bytes]
Writer = Callable[[Any, Memo], bytes]
_ID_BITS = 64  # ids are addresses: a writer's number above them keeps two writers' keys apart
_record_writers = itertools.count(1)


def _scalar_writer(field: dict[str, Any]) -> Writer:
    """Bytes of `ga4._scalar(value, field)`: null, a nested record, or a string."""
    kind = field["type"]
    if kind == "RECORD":
        cells = [(sub["name"], _cell_writer(sub)) for sub in field["fields"]]
        writer_key = next(_record_writers) << _ID_BITS

        def record(value: Any, memo: Memo) -> bytes:
            if value is None:
                return b"null"
            key = writer_key | id(value)
            written = memo.get(key)
            if written is None:
                written = b'{"f":[' + b",".join([cell(value.get(name), memo) for name, cell in cells]) + b"]}"
                memo[key] = written
            return written

        return record

    def scalar(value: Any, memo: Memo) -> bytes:
        if value is None:
            return b"null"
        if isinstance(value, str):  # strings stay as they are, including malformed numbers (a fault)
            return orjson.dumps(value)
        if kind == "BOOLEAN":
            return b'"true"' if value else b'"false"'
        if kind == "FLOAT":
            return b'"%b"' % repr(float(value)).encode()
        if type(value) is int:  # not bool: str(True) is "True"
            return b'"%d"' % value
        return orjson.dumps(str(value))

    return scalar


def _cell_writer(field: dict[str, Any]) -> Writer:
    """Bytes of `ga4._cell(value, field)`: `{"v": ...}`, a list of them for a REPEATED field."""
    scalar = _scalar_writer(field)
    if field["mode"] == "REPEATED":
        def repeated(value: Any, memo: Memo) -> bytes:
            if not value:
                return b'{"v":[]}'
            return b'{"v":[' + b",".join([b'{"v":' + scalar(item, memo) + b"}" for item in value]) + b"]}"

        return repeated
    if field["type"] in ("RECORD", "BOOLEAN", "FLOAT"):
        def single(value: Any, memo: Memo) -> bytes:
            return b'{"v":' + scalar(value, memo) + b"}"

        return single

    def plain(value: Any, memo: Memo) -> bytes:  # STRING and INTEGER, their common values inline: most cells
        if value is None:
            return b'{"v":null}'
        if isinstance(value, str):
            return b'{"v":' + orjson.dumps(value) + b"}"
        if type(value) is int:
            return b'{"v":"%d"}' % value
        return b'{"v":' + scalar(value, memo) + b"}"

    return plain


class RowWriter:
    """Writes export rows for one table schema as tabledata.list's `rows` JSON array."""

    def __init__(self, schema: list[dict[str, Any]]) -> None:
        self._cells = [(field["name"], _cell_writer(field)) for field in schema]

    def rows_json(self, rows: Sequence[dict[str, Any]]) -> bytes:
        """`orjson.dumps([encode_row(row, schema) for row in rows])`, byte for byte."""
        memo: Memo = {}
        cells = self._cells
        return b"[" + b",".join([
            b'{"f":[' + b",".join([cell(row.get(name), memo) for name, cell in cells]) + b"]}" for row in rows
        ]) + b"]"
