"""`brightcart bench --increment`: one hour's increment end to end, and incremental dbt against a full rebuild.

Issue #11 asks that one hour of new data (1/24 of a day) go through extract → land → load → dbt in at most
two minutes, and that the incremental dbt build take at most 10% of a full rebuild. So that the hour holds
real new activity, the increment world has one day more than the days measured: the bench builds the
measured days and "today" up to `BUILD_HOUR` UTC (midday in the shop's New York timezone), then a second
simulator process serving the same seeded world with the clock one hour later stands in for the next hour.
Every source runs its incremental extract (cursors, lookbacks and GA4's changed tables, from the dlt state
the build left), then `dbt build` runs incrementally, each timed; last, `dbt build --full-refresh` rebuilds
the same warehouse, timed, and the report states incremental dbt as a share of it.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brightcart_pipeline.bench import BenchReport, StageMeasure, measure, simulator_process
from brightcart_pipeline.ingest import extract_job, run_extract_job
from brightcart_pipeline.settings import SOURCES, Settings
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources.base import ExtractWindow

BUILD_HOUR = dt.time(16)  # UTC: noon in New York, so the hour after it is a busy one
INCREMENT = dt.timedelta(hours=1)
EXTRACT = "increment: extract+land+load"
DBT_INCREMENTAL = "increment: dbt build (incremental)"
DBT_FULL_REFRESH = "dbt build --full-refresh"
END_TO_END = "increment: end to end"
GOAL_END_TO_END_SECONDS = 120.0
GOAL_DBT_SHARE = 0.10

Keep = Callable[[list[StageMeasure], StageMeasure], StageMeasure]


def increment_world(first_extracted_day: dt.date, *, seed: int, days: int, scale: float) -> WorldConfig:
    """The measured days and one more, the day in progress whose next hour is the increment."""
    return WorldConfig.extracted_from(first_extracted_day, seed=seed, days=days + 1, scale=scale)


def build_clock(config: WorldConfig) -> dt.datetime:
    """When the full build extracts: `BUILD_HOUR` on the world's last day, the day in progress."""
    return dt.datetime.combine(config.end - dt.timedelta(days=1), BUILD_HOUR, tzinfo=dt.UTC)


def set_clock(base_url: str, as_of: dt.datetime) -> None:
    request = urllib.request.Request(f"{base_url}/_simulator/clock", method="POST",
                                     data=json.dumps({"as_of": as_of.isoformat()}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30):
        pass


def run_increment(report: BenchReport, settings: Settings, config: WorldConfig, port: int, home: Path,
                  dbt_build: Callable[..., int], keep: Keep) -> None:
    """The hour after `build_clock` through every source and dbt, then a full rebuild; rows added to `report`."""
    window = ExtractWindow(config.first_utc_day, config.end)
    with simulator_process(config, port, home) as simulator:
        set_clock(f"http://127.0.0.1:{port}", build_clock(config) + INCREMENT)
        extracts = [keep(report.stages, measure(EXTRACT, source, lambda s=source: sum(
            run_extract_job(extract_job(settings, s, window)).landed.values()))) for source in SOURCES]
        simulator_cpu = simulator.cpu_seconds()
    incremental = keep(report.stages, measure(DBT_INCREMENTAL, "all", lambda: dbt_build(settings)))
    full = keep(report.stages, measure(DBT_FULL_REFRESH, "all", lambda: dbt_build(settings, "--full-refresh")))
    end_to_end = sum(e.seconds for e in extracts) + incremental.seconds
    summary: dict[str, Any] = {
        "build_clock": build_clock(config).isoformat(), "increment_hours": INCREMENT / dt.timedelta(hours=1),
        "records_by_source": {e.source: e.records for e in extracts},
        "end_to_end_seconds": round(end_to_end, 2), "goal_end_to_end_seconds": GOAL_END_TO_END_SECONDS,
        "dbt_incremental_seconds": round(incremental.seconds, 2), "dbt_full_refresh_seconds": round(full.seconds, 2),
        "dbt_incremental_share": round(incremental.seconds / full.seconds, 4) if full.seconds else None,
        "goal_dbt_share": GOAL_DBT_SHARE, "simulator_cpu_seconds": round(simulator_cpu, 2),
    }
    report.extra_json["increment"] = summary
    report.extra_markdown += increment_markdown(summary)


def increment_markdown(summary: dict[str, Any]) -> list[str]:
    share = summary["dbt_incremental_share"]
    records = ", ".join(f"{source} {n:,}" for source, n in summary["records_by_source"].items())
    return [
        "", f"## One hour's increment (built at {summary['build_clock']}, then the clock moved "
        f"{summary['increment_hours']:g} h)",
        "", f"Records in the hour: {records}. Simulator CPU for the hour (its own process): "
        f"{summary['simulator_cpu_seconds']:.1f} s.", "",
        "| measure | value | goal |", "|---|---:|---:|",
        f"| {END_TO_END} (extracts + incremental dbt), s | {summary['end_to_end_seconds']:.1f} "
        f"| ≤ {summary['goal_end_to_end_seconds']:.0f} |",
        f"| incremental dbt build, s | {summary['dbt_incremental_seconds']:.1f} | |",
        f"| full rebuild (`dbt build --full-refresh`), s | {summary['dbt_full_refresh_seconds']:.1f} | |",
        f"| incremental dbt / full rebuild | {share:.1%} | ≤ {summary['goal_dbt_share']:.0%} |"
        if share is not None else "| incremental dbt / full rebuild | n/a | |",
    ]
