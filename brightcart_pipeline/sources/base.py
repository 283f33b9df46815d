"""What every vendor source shares: resource specs, the extract window, cursors and the replay source.

A vendor module declares its resources as `ResourceSpec`s and writes page generators; `resource()`
turns a page generator into a dlt resource with the same hints whether pages come from the API or,
on replay, from the lake. That is what makes a replayed day load exactly like the original.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource

from brightcart_pipeline.lake.landing import (
    LAKE_FILE_COLUMN,
    LANDING_ID_COLUMN,
    RecordContract,
    accept,
    decode_records,
    decode_wire_page,
    landed_keys,
)
from brightcart_pipeline.lake.store import LakeStore
from brightcart_pipeline.sources.columnar import accept_page, batched, paused_gc

Page = list[dict[str, Any]]


@dataclass(frozen=True)
class ResourceSpec:
    """One raw table: its name, merge key, contract, and list fields kept as JSON."""

    name: str
    primary_key: tuple[str, ...]
    contract: RecordContract
    json_columns: tuple[str, ...] = ()
    write_disposition: str = "merge"
    # Documented text fields the vendor sends as null until a record has one: declared, so their column exists
    # from the first load and the first value to arrive is not mistaken for schema drift.
    optional_text_columns: tuple[str, ...] = ()

    def hints(self) -> dict[str, Any]:
        columns: dict[str, dict[str, Any]] = {c: {"data_type": "json"} for c in self.json_columns}
        columns |= {c: {"data_type": "text", "nullable": True} for c in self.optional_text_columns}
        # Several versions of one key in a load (updates, restatements): the last landed wins.
        columns[LANDING_ID_COLUMN] = {"data_type": "text", "dedup_sort": "desc"}
        columns[LAKE_FILE_COLUMN] = {"data_type": "text"}
        return {
            "name": self.name,
            "primary_key": list(self.primary_key),
            "write_disposition": self.write_disposition,
            "columns": columns,
            # Objects are flattened one level (customer__email); deeper structure stays JSON.
            "max_table_nesting": 1,
        }


@dataclass(frozen=True)
class ExtractWindow:
    """The days an extract covers: [start, end). `partitioned` runs carry no cursor state forward."""

    start: dt.date
    end: dt.date
    partitioned: bool = False

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"empty extract window {self.start}..{self.end}")

    @property
    def days(self) -> list[dt.date]:
        return days_between(self.start, self.end)

    def start_utc(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    def end_utc(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), tzinfo=dt.UTC)


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The days of [start, end)."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def parse_timestamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def latest_timestamp(values: Sequence[str]) -> str:
    """`last_value_func` for ISO timestamps with mixed UTC offsets (DST), where max() on text is wrong."""
    return max(values, key=parse_timestamp)


def resource(spec: ResourceSpec, pages: Callable[..., Iterator[Page]] | Iterable[Page]) -> DltResource:
    """A dlt resource with `spec`'s hints over a page generator (a function may take an incremental)."""
    return dlt.resource(pages, **spec.hints())


def transformer(spec: ResourceSpec, pages: Callable[[Page], Iterator[Page]], data_from: DltResource) -> DltResource:
    """A dlt transformer with `spec`'s hints: `pages` turns each page of `data_from` into pages of its own.

    On replay the spec is an ordinary resource fed from its own landed files, like every other one.
    """
    return dlt.transformer(pages, data_from=data_from, **spec.hints())


@dataclass
class ReplayStats:
    files: int = 0
    records: int = 0
    by_resource: dict[str, int] = field(default_factory=dict)


def replay_source(lake: LakeStore, source: str, specs: Sequence[ResourceSpec], start: dt.date,
                  end: dt.date, stats: ReplayStats | None = None) -> DltSource:
    """The vendor's source (same name, same resources), fed from the landed files of [start, end)."""
    stats = stats or ReplayStats()

    def pages(spec: ResourceSpec) -> Iterator[Page | pa.Table]:
        for key in landed_keys(lake, source, spec.name, start, end):
            good = _replayed(lake, key, spec.contract)
            stats.files += 1
            stats.records += len(good)
            stats.by_resource[spec.name] = stats.by_resource.get(spec.name, 0) + len(good)
            yield good

    resources = [resource(spec, batched(pages(spec))) for spec in specs]
    return dlt.source(name=source)(lambda: resources)()


def _replayed(lake: LakeStore, key: str, contract: RecordContract) -> Page | pa.Table:
    """A landed file checked again: a wire page through the same decoder as its extract, records as records."""
    data = lake.read(key)
    with paused_gc():
        try:
            page = decode_wire_page(data)
        except ValueError:
            return accept(lake, key, decode_records(data), contract)
        return accept_page(lake, key, page, contract)[0]
