"""Service levels as pure functions over run facts, so sensors, assets and tests share one rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RunFact:
    scheduled_at: dt.datetime | None
    finished_at: dt.datetime | None
    succeeded: bool


def extract_sla_share(runs: list[RunFact], within: dt.timedelta) -> float | None:
    """Share of scheduled extracts that finished successfully within `within` of their schedule."""
    scheduled = [r for r in runs if r.scheduled_at is not None]
    if not scheduled:
        return None
    on_time = [r for r in scheduled
               if r.succeeded and r.finished_at is not None and r.finished_at - r.scheduled_at <= within]  # type: ignore[operator]
    return len(on_time) / len(scheduled)


def finance_deadline(day: dt.date, deadline: dt.time) -> dt.datetime:
    """The moment the finance marts for `day` must be complete: the deadline on the following day (UTC)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), deadline, tzinfo=dt.UTC)


def finance_build_late(now: dt.datetime, day: dt.date, deadline: dt.time, build_finished_at: dt.datetime | None,
                       ingested: bool) -> str | None:
    """Why `day`'s finance build is late at `now`, or None when it is on time (or not due yet)."""
    due = finance_deadline(day, deadline)
    if now < due:
        return None
    if not ingested:
        return f"{day} is not fully ingested and the finance deadline {due:%H:%M} UTC has passed"
    if build_finished_at is None or build_finished_at < dt.datetime.combine(day + dt.timedelta(days=1), dt.time(),
                                                                            tzinfo=dt.UTC):
        return f"no successful finance build for {day} by {due:%Y-%m-%d %H:%M} UTC"
    if build_finished_at > due:
        return f"the finance build for {day} finished at {build_finished_at:%H:%M} UTC, after {due:%H:%M} UTC"
    return None
