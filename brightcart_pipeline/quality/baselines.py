"""Baseline rules shared by the checks: a day's share against its trailing days, spend against its weekdays."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

MAD_TO_SIGMA = 1.4826  # MAD × this estimates a normal standard deviation


@dataclass(frozen=True)
class DayShare:
    day: dt.date
    rows: int
    share: float


@dataclass(frozen=True)
class Breach:
    day: dt.date
    value: float
    baseline: float
    limit: float


def trailing_share_breaches(days: list[DayShare], window: int = 7, floor: float = 0.05, sigmas: float = 3.0,
                            min_rows: int = 10, min_baseline_days: int = 3) -> list[Breach]:
    """Days whose share exceeds the mean of the previous `window` days + max(floor, sigmas × std).

    Days with fewer than `min_rows` rows are neither judged nor used as baseline: one null in five
    rows is noise, not a spike.
    """
    by_day = {d.day: d for d in days if d.rows >= min_rows}
    breaches = []
    for day in sorted(by_day):
        history = [by_day[p].share for i in range(1, window + 1) if (p := day - dt.timedelta(days=i)) in by_day]
        if len(history) < min_baseline_days:
            continue
        mean = statistics.fmean(history)
        limit = mean + max(floor, sigmas * statistics.pstdev(history))
        if by_day[day].share > limit:
            breaches.append(Breach(day, by_day[day].share, mean, limit))
    return breaches


def weekday_breaches(series: Mapping[dt.date, float], last_judged: dt.date, weeks: int = 4, min_history: int = 3,
                     mads: float = 5.0, relative: float = 0.5, floor: float = 0.0) -> list[Breach]:
    """Days up to `last_judged` off the median of the previous `weeks` same weekdays by more than
    max(mads × MAD × 1.4826, relative × median, floor): median and MAD shrug off one odd week."""
    breaches = []
    for day in sorted(d for d in series if d <= last_judged):
        history = [series[p] for i in range(1, weeks + 1) if (p := day - dt.timedelta(weeks=i)) in series]
        if len(history) < min_history:
            continue
        median = statistics.median(history)
        mad = statistics.median(abs(v - median) for v in history)
        limit = max(mads * mad * MAD_TO_SIGMA, relative * median, floor)
        if abs(series[day] - median) > limit:
            breaches.append(Breach(day, series[day], median, limit))
    return breaches
