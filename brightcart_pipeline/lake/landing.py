"""Landing: every page of records, exactly as the API returned it, in the lake; rejects dead-lettered.

Layout (relative to the lake root):
    raw/<source>/<resource>/dt=YYYY-MM-DD/<landing_id>-<seq>.jsonl.gz
    dead_letter/<source>/<resource>/dt=YYYY-MM-DD/<landing_id>-<seq>.jsonl.gz

`landing_id` sorts in time order, so replaying files in key order applies restatements and updates
in the order they arrived. A dead-letter file is named after the raw file it came from, which makes
re-checking a file (a replay) idempotent.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from brightcart_pipeline.lake.store import LakeStore

RAW = "raw"
DEAD_LETTER = "dead_letter"
MANIFESTS = "manifests"
LAKE_FILE_COLUMN = "_lake_file"
LANDING_ID_COLUMN = "_landing_id"
_KEY_PATTERN = re.compile(
    r"^(?P<zone>raw|dead_letter)/(?P<source>[a-z0-9_]+)/(?P<resource>[a-z0-9_]+)/dt=(?P<day>\d{4}-\d{2}-\d{2})/"
    r"(?P<landing_id>[0-9TZ]+)-(?P<seq>\d{6})\.jsonl\.gz$"
)


def new_landing_id(now: dt.datetime | None = None) -> str:
    moment = now or dt.datetime.now(dt.UTC)
    return moment.strftime("%Y%m%dT%H%M%S%fZ")


def lake_key(zone: str, source: str, resource: str, day: dt.date, landing_id: str, seq: int) -> str:
    return f"{zone}/{source}/{resource}/dt={day.isoformat()}/{landing_id}-{seq:06d}.jsonl.gz"


@dataclass(frozen=True)
class LakeKey:
    zone: str
    source: str
    resource: str
    day: dt.date
    landing_id: str
    seq: int

    @classmethod
    def parse(cls, key: str) -> LakeKey:
        match = _KEY_PATTERN.match(key)
        if not match:
            raise ValueError(f"not a lake key: {key}")
        parts = match.groupdict()
        return cls(parts["zone"], parts["source"], parts["resource"], dt.date.fromisoformat(parts["day"]),
                   parts["landing_id"], int(parts["seq"]))


def encode_records(records: Iterable[dict[str, Any]]) -> bytes:
    # gzip level 1: landing must stay far cheaper than parsing (measured ~225K records/s).
    return gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in records), compresslevel=1)


def decode_records(data: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in gzip.decompress(data).splitlines() if line]


def _lookup(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class RecordContract:
    """What a record must carry to be loadable; anything else is kept, never required."""

    required: tuple[str, ...]
    integer_strings: tuple[str, ...] = ()  # int64 sent as JSON strings (Google, GA4)
    decimal_strings: tuple[str, ...] = ()  # money sent as strings (Shopify, Meta)

    def violation(self, record: Any) -> str | None:
        if not isinstance(record, dict):
            return f"record is a {type(record).__name__}, not an object"
        for path in self.required:
            if _lookup(record, path) in (None, ""):
                return f"required field {path!r} is missing"
        for path in self.integer_strings:
            value = _lookup(record, path)
            is_integer = isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit())
            if value is not None and not is_integer:
                return f"field {path!r} should be an integer, got {value!r}"
        for path in self.decimal_strings:
            value = _lookup(record, path)
            if value is None:
                continue
            try:
                Decimal(str(value))
            except InvalidOperation:
                return f"field {path!r} should be a decimal amount, got {value!r}"
        return None


@dataclass
class Landing:
    """Lands pages for one source in one extract run and keeps the run's counts."""

    lake: LakeStore
    source: str
    landing_id: str = field(default_factory=new_landing_id)
    landed: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    _seq: int = 0

    def land(self, resource: str, day: dt.date, records: list[dict[str, Any]],
             contract: RecordContract) -> list[dict[str, Any]]:
        """Write the page as received, dead-letter what breaks the contract, return what loads."""
        if not records:
            return []
        self._seq += 1
        key = lake_key(RAW, self.source, resource, day, self.landing_id, self._seq)
        self.lake.write(key, encode_records(records))
        self.landed[resource] = self.landed.get(resource, 0) + len(records)
        accepted = accept(self.lake, key, records, contract)
        self.rejected[resource] = self.rejected.get(resource, 0) + len(records) - len(accepted)
        return accepted


def accept(lake: LakeStore, raw_key: str, records: list[dict[str, Any]],
           contract: RecordContract) -> list[dict[str, Any]]:
    """Records that meet the contract, each tagged with the lake file it came from."""
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    parsed = LakeKey.parse(raw_key)
    for record in records:
        reason = contract.violation(record)
        if reason is None:
            good.append(record)
        else:
            bad.append({"reason": reason, "source": parsed.source, "resource": parsed.resource,
                        "raw_file": raw_key, "record": record})
    if bad:
        lake.write(raw_key.replace(f"{RAW}/", f"{DEAD_LETTER}/", 1), encode_records(bad))
    return [{**r, LAKE_FILE_COLUMN: raw_key, LANDING_ID_COLUMN: parsed.landing_id} for r in good]


def landed_keys(lake: LakeStore, source: str, resource: str, start: dt.date, end: dt.date,
                zone: str = RAW) -> list[str]:
    """Files for days in [start, end), in arrival order (landing id, then page)."""
    keys = []
    for key in lake.list(f"{zone}/{source}/{resource}/"):
        try:
            parsed = LakeKey.parse(key)
        except ValueError:
            continue
        if start <= parsed.day < end:
            keys.append((parsed.landing_id, parsed.seq, key))
    return [key for _, _, key in sorted(keys)]


def iter_landed(lake: LakeStore, keys: Iterable[str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for key in keys:
        yield key, decode_records(lake.read(key))


def write_manifests(landing: Landing, days: Iterable[dt.date]) -> None:
    """Mark each day of a completed partitioned extract as held by the lake (even a day with no records).

    Replay trusts only days with a manifest: a day's files without one may be a run that died mid-way.
    """
    body = orjson.dumps({"landing_id": landing.landing_id, "landed": landing.landed, "rejected": landing.rejected})
    for day in days:
        landing.lake.write(f"{MANIFESTS}/{landing.source}/dt={day.isoformat()}/{landing.landing_id}.json", body)


def manifested_days(lake: LakeStore, source: str) -> set[dt.date]:
    days = set()
    for key in lake.list(f"{MANIFESTS}/{source}/"):
        part = key.split("/dt=", 1)[1][:10]
        days.add(dt.date.fromisoformat(part))
    return days
