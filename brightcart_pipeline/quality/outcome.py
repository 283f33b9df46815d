"""The result every check returns, independent of Dagster so checks stay callable from anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["ERROR", "WARN"]


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    description: str
    severity: Severity = "ERROR"
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def ok(cls, description: str, **metadata: Any) -> CheckOutcome:
        return cls(True, description, "ERROR", metadata)

    @classmethod
    def failed(cls, problems: list[str], subject: str, **metadata: Any) -> CheckOutcome:
        """Fail naming the first few problems; the full count goes into metadata."""
        shown = "; ".join(problems[:5]) + (f"; … {len(problems) - 5} more" if len(problems) > 5 else "")
        return cls(False, f"{subject}: {shown}", "ERROR", {"problems": len(problems), **metadata})
