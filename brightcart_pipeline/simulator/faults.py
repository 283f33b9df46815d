"""The fault plan: data (a JSON/YAML file or a dict), never code edits.

Request faults (throttle, server_error, slow, drop_connection) fire on the simulator clock's day for
the first `count` matching requests. Data faults (schema_drift, duplicate_records,
malformed_records, deleted_records) change how records of the data day `on` are rendered.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

RequestFaultKind = Literal["throttle", "server_error", "slow", "drop_connection"]
DataFaultKind = Literal["schema_drift", "duplicate_records", "malformed_records", "deleted_records"]
REQUEST_FAULTS: tuple[str, ...] = ("throttle", "server_error", "slow", "drop_connection")


class SchemaDrift(BaseModel):
    add: str | None = Field(default=None, description="a new field name, filled with a constant string")
    rename: dict[str, str] = Field(default_factory=dict, description="old field name -> new name")
    retype: list[str] = Field(default_factory=list, description="fields whose numbers become strings")


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
