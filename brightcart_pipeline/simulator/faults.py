"""The fault plan: data (a JSON/YAML file or a dict), never code edits.

Request faults (throttle, server_error, slow, drop_connection) fire on the simulator clock's day for
the first `count` matching requests. Data faults (schema_drift, duplicate_records,
malformed_records, deleted_records) change how records of the data day `on` are rendered; every
vendor applies them through `FaultInjector.faulted` and `render_faults`, so one plan means the same
thing for all five.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

RequestFaultKind = Literal["throttle", "server_error", "slow", "drop_connection"]
DataFaultKind = Literal["schema_drift", "duplicate_records", "malformed_records", "deleted_records"]
REQUEST_FAULTS: tuple[str, ...] = ("throttle", "server_error", "slow", "drop_connection")
# Also the order a day's data faults choose their records in (see `FaultInjector.faulted`).
DATA_FAULTS: tuple[str, ...] = ("schema_drift", "malformed_records", "duplicate_records", "deleted_records")
DRIFT_VALUE = "drift"

T = TypeVar("T")
Record = dict[str, Any]


class SchemaDrift(BaseModel):
    """Field paths are dotted (`metrics.costMicros`, `properties.email`) and name fields of the rendered record."""

    add: str | None = Field(default=None, description="a new field path, filled with the string 'drift'")
    rename: dict[str, str] = Field(default_factory=dict, description="old field path -> new field name")
    retype: list[str] = Field(default_factory=list,
                              description="field paths whose numbers become strings (numeric strings numbers)")


class Fault(BaseModel):
    vendor: Literal["google_ads", "meta_ads", "ga4", "hubspot", "shopify"]
    kind: Literal[
        "throttle", "server_error", "slow", "drop_connection",
        "schema_drift", "duplicate_records", "malformed_records", "deleted_records",
    ]
    on: dt.date = Field(description="clock day for request faults, data day for data faults")
    endpoint: str | None = Field(default=None, description="only requests whose path contains this")
    resource: str | None = Field(default=None, description="data faults: only this resource")
    count: int = Field(default=3, ge=1, description="requests affected, or records for data faults")
    status: int = Field(default=503, description="server_error: the HTTP status")
    delay_seconds: float = Field(default=2.0, ge=0, description="slow: added latency")
    drift: SchemaDrift = Field(default_factory=SchemaDrift)

    @property
    def is_request_fault(self) -> bool:
        return self.kind in REQUEST_FAULTS


class FaultPlan(BaseModel):
    faults: list[Fault] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> FaultPlan:
        text = path.read_text()
        if path.suffix in (".yml", ".yaml"):
            import yaml

            return cls.model_validate(yaml.safe_load(text))
        return cls.model_validate(json.loads(text))


class FaultInjector:
    """Decides, thread-safely, whether a request or a record meets a fault, and counts what fired."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self.plan = plan or FaultPlan()
        self._lock = threading.Lock()
        self._used: Counter[int] = Counter()
        self.fired: Counter[tuple[str, str, str]] = Counter()

    def replace(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._used.clear()
            self.fired.clear()

    def request_fault(self, vendor: str, path: str, clock_day: dt.date) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self.plan.faults):
                if (
                    fault.is_request_fault
                    and fault.vendor == vendor
                    and fault.on == clock_day
                    and (fault.endpoint is None or fault.endpoint in path)
                    and self._used[index] < fault.count
                ):
                    self._used[index] += 1
                    self.fired[(vendor, fault.kind, fault.on.isoformat())] += 1
                    return fault
        return None

    def data_faults(self, vendor: str, resource: str, data_day: dt.date) -> list[Fault]:
        return [
            f for f in self.plan.faults
            if not f.is_request_fault and f.vendor == vendor and f.on == data_day
            and (f.resource is None or f.resource == resource)
        ]

    def record_data_fault(self, fault: Fault, n: int = 1) -> None:
        with self._lock:
            self.fired[(fault.vendor, fault.kind, fault.on.isoformat())] += n

    def faulted(self, vendor: str, resource: str, items: Sequence[T], day_of: Callable[[T], dt.date | None], *,
                kinds: Collection[str] = DATA_FAULTS,
                deletion_unit: Callable[[T], Hashable] | None = None) -> list[Faulted[T]]:
        """A whole result (before paging) with the plan's data faults of each item's data day, deterministically.

        Schema drift marks every item of the day. The other kinds take disjoint runs of the day's items,
        in order: the first `count` are malformed, the next `count` are duplicated (re-sent at the end
        of the result, so on a later page than their originals, and never a malformed copy), the next
        `count` are deleted (with `deletion_unit`, every item of the next `count` units, as a user
        deletion request removes all of a user's events). `kinds` leaves out kinds a vendor models
        elsewhere. Returns each surviving item with the faults its rendering must apply.
        """
        out = [Faulted(item) for item in items]
        by_day: dict[dt.date, list[int]] = {}
        for index, item in enumerate(items):
            day = day_of(item)
            if day is not None:
                by_day.setdefault(day, []).append(index)
        again: list[Faulted[T]] = []
        deleted: set[int] = set()
        for day, positions in sorted(by_day.items()):
            faults = sorted((f for f in self.data_faults(vendor, resource, day) if f.kind in kinds),
                            key=lambda f: DATA_FAULTS.index(f.kind))
            free = list(positions)
            for fault in faults:
                if fault.kind == "schema_drift":
                    chosen = positions
                elif fault.kind == "deleted_records" and deletion_unit is not None:
                    units = list(dict.fromkeys(deletion_unit(items[i]) for i in free))[:fault.count]
                    chosen = [i for i in free if deletion_unit(items[i]) in units]
                else:
                    chosen = free[:fault.count]
                if fault.kind != "schema_drift":
                    taken = set(chosen)
                    free = [i for i in free if i not in taken]
                if not chosen:
                    continue
                self.record_data_fault(fault, len(chosen))
                if fault.kind == "duplicate_records":
                    again.extend(out[i] for i in chosen)
                elif fault.kind == "deleted_records":
                    deleted.update(chosen)
                else:
                    for i in chosen:
                        out[i] = Faulted(out[i].item, (*out[i].faults, fault))
        return [f for i, f in enumerate(out) if i not in deleted] + again


@dataclass(frozen=True)
class Faulted(Generic[T]):
    """An item of a result and the render faults (schema drift, malformed) its record meets."""

    item: T
    faults: tuple[Fault, ...] = ()

    def render(self, record: Record, malform: Callable[[Record], Record]) -> Record:
        return render_faults(record, self.faults, malform)


def render_faults(record: Record, faults: Sequence[Fault], malform: Callable[[Record], Record]) -> Record:
    """A rendered record with its faults applied; `malform` is the vendor's own way of breaking one."""
    for fault in faults:
        if fault.kind == "schema_drift":
            record = drift_record(record, fault.drift)
        elif fault.kind == "malformed_records":
            record = malform(record)
    return record


def drift_record(record: Record, drift: SchemaDrift) -> Record:
    """A copy of `record` with a field added, renamed or retyped at dotted paths (missing paths are skipped)."""
    drifted = copy.deepcopy(record)
    if drift.add:
        parent, leaf = _parent(drifted, drift.add)
        if parent is not None:
            parent[leaf] = DRIFT_VALUE
    for old, new in drift.rename.items():
        parent, leaf = _parent(drifted, old)
        if parent is not None and leaf in parent:
            parent[new.split(".")[-1]] = parent.pop(leaf)
    for path in drift.retype:
        parent, leaf = _parent(drifted, path)
        value = parent.get(leaf) if parent is not None else None
        if parent is None or value is None or isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            parent[leaf] = str(value)
        elif isinstance(value, str):
            try:
                parent[leaf] = float(value)
            except ValueError:
                continue
    return drifted


def _parent(record: Record, path: str) -> tuple[Record | None, str]:
    *parents, leaf = path.split(".")
    node: Any = record
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), leaf
