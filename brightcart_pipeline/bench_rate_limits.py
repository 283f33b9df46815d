"""`brightcart bench --rate-limits`: the five extracts at once, with the vendors' documented rate limits off and on.

Issue #11 asks that a day's wall time under the documented limits stay within 10% of the slowest source's
rate-limit floor: the vendor's budget, not the pipeline, should set the pace. Each run starts its own simulator
process and one process per source (as Dagster's executor runs the ingest assets, one per vendor pool), each
with its own lake and warehouse file (DuckDB takes one writer per file). The floor of a source is what its
answered requests need at the vendor's documented limit; the limits-off run beside it shows what the same
extracts cost when nothing is throttled, and must land the same records.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing
import re
import socket
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from brightcart_pipeline.bench import EXTRACT, measure, report_stem, simulator_process
from brightcart_pipeline.ingest import extract_job, run_extract_job
from brightcart_pipeline.settings import SOURCES, Source, load_settings
from brightcart_pipeline.simulator.server import RateLimit
from brightcart_pipeline.simulator.vendors.ga4 import GA4Vendor
from brightcart_pipeline.simulator.vendors.google_ads import GoogleAdsVendor
from brightcart_pipeline.simulator.vendors.hubspot import SEARCH_RATE_LIMIT, HubSpotVendor
from brightcart_pipeline.simulator.vendors.meta_ads import MetaAdsVendor
from brightcart_pipeline.simulator.vendors.shopify import ShopifyVendor
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.sources.http import SentRequest

# The documented limits the simulator imposes, read from the simulator so the floor and the throttle agree.
VENDOR_LIMITS: dict[str, RateLimit] = {
    vendor.NAME: vendor.RATE_LIMIT
    for vendor in (GoogleAdsVendor, MetaAdsVendor, GA4Vendor, HubSpotVendor, ShopifyVendor)
}
SECTION_TITLE = "## Rate limits off and on: the five extracts at once"
# Five cold first requests at once keep one simulator process busy building its world and indices for
# longer than a client's usual timeout on a shared machine; retrying them would only queue more of that work.
FIRST_PAGE_TIMEOUT_SECONDS = 600.0
# The whole run may take this much longer than the slowest source's floor (issue #11: within 10%).
GOAL_RATIO = 1.10


def floor_seconds(requests: int, limit: RateLimit) -> float:
    """The least time `requests` calls take under a sliding window of `limit.requests` per `limit.seconds`:
    each full window's worth beyond the first waits one more window."""
    if requests <= 0:
        return 0.0
    return (math.ceil(requests / limit.requests) - 1) * limit.seconds


def is_hubspot_search(sent: SentRequest) -> bool:
    """HubSpot's CRM search has its own, tighter limit beside the app's ten-second one."""
    return sent.method == "POST" and sent.url.split("?", 1)[0].endswith("/search")


@dataclass
class SourceRun:
    """One source's extract + land + load in its own process, and the requests it took."""

    source: Source
    landed: dict[str, int]
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    answered: int  # requests the vendor answered (what the floor is computed from)
    search_answered: int  # of which HubSpot CRM searches
    attempts: int  # every request sent, throttled and retried ones included
    throttled: int
    retried: int

    @property
    def records(self) -> int:
        return sum(self.landed.values())

    @property
    def floor_seconds(self) -> float:
        floors = [floor_seconds(self.answered, VENDOR_LIMITS[self.source])]
        if self.source == HubSpotVendor.NAME:
            floors.append(floor_seconds(self.search_answered, SEARCH_RATE_LIMIT))
        return max(floors)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"records": self.records, "floor_seconds": self.floor_seconds}


@dataclass
class ConcurrentRun:
    """The five extracts started together against one simulator process."""

    rate_limits: bool
    wall_seconds: float = 0.0
    simulator_cpu_seconds: float = 0.0
    simulator_requests: dict[str, int] = field(default_factory=dict)  # per vendor, as the simulator counted
    sources: list[SourceRun] = field(default_factory=list)

    @property
    def slowest_floor(self) -> SourceRun | None:
        return max(self.sources, key=lambda s: s.floor_seconds, default=None)

    @property
    def wall_over_floor(self) -> float | None:
        slowest = self.slowest_floor
        if slowest is None or not slowest.floor_seconds:
            return None
        return self.wall_seconds / slowest.floor_seconds

    def to_json(self) -> dict[str, Any]:
        slowest = self.slowest_floor
        return {"rate_limits": self.rate_limits, "wall_seconds": round(self.wall_seconds, 2),
                "simulator_cpu_seconds": round(self.simulator_cpu_seconds, 2),
                "simulator_requests": self.simulator_requests,
                "slowest_floor_source": slowest.source if slowest else None,
                "slowest_floor_seconds": slowest.floor_seconds if slowest else 0.0,
                "wall_over_slowest_floor": self.wall_over_floor,
                "sources": [s.to_json() for s in self.sources]}


@dataclass(frozen=True)
class ExtractTask:
    """What a source's process needs; plain values, so it crosses the process boundary."""

    source: Source
    home: Path
    keys: Path
    api_base_url: str
    first_day: dt.date
    end: dt.date
    simulator_days: int


def run_source(task: ExtractTask) -> SourceRun:
    """In the source's own process: extract, land and load the window; keep every answered request."""
    settings = load_settings(home=task.home, api_base_url=task.api_base_url, start_date=task.first_day,
                             simulator_days=task.simulator_days, key_file=task.keys / "lake.key",
                             warehouse_key_file=task.keys / "warehouse.key",
                             http_timeout_seconds=FIRST_PAGE_TIMEOUT_SECONDS)
    job = extract_job(settings, task.source, ExtractWindow(task.first_day, task.end))
    job.client.answered = []
    try:
        measured = measure(EXTRACT, task.source, lambda: sum(run_extract_job(job).landed.values()))
    except Exception as error:  # vendor errors carry constructor arguments that do not survive pickling
        raise RuntimeError(f"{task.source}: {error}") from None
    client, answered = job.client, job.client.answered
    return SourceRun(task.source, dict(job.landing.landed), measured.seconds, measured.cpu_seconds,
                     measured.peak_rss_mib, len(answered), sum(map(is_hubspot_search, answered)),
                     client.request_count, client.throttled_count, client.retried_count)


def run_concurrently(config: WorldConfig, root: Path, rate_limits: bool,
                     sources: Sequence[Source] = SOURCES) -> ConcurrentRun:
    """A simulator process (limits on or off) and one extract process per source, all started together."""
    port = free_port()
    run = ConcurrentRun(rate_limits)
    with simulator_process(config, port, root / "simulator", rate_limits=rate_limits) as simulator:
        base_url = f"http://127.0.0.1:{port}"
        tasks = [ExtractTask(source, root / source, root / "keys" / source, base_url, config.first_utc_day,
                             config.end, config.days) for source in sources]
        start = time.perf_counter()
        with ProcessPoolExecutor(len(tasks), mp_context=step_processes()) as pool:
            run.sources = list(pool.map(run_source, tasks))
        run.wall_seconds = time.perf_counter() - start
        run.simulator_cpu_seconds = simulator.cpu_seconds()
        run.simulator_requests = requests_per_vendor(base_url)
    return run


def step_processes() -> multiprocessing.context.BaseContext:
    """A fresh process per source forked from a server that has imported the pipeline once: Dagster's
    multiprocess executor with `start_method: forkserver` and preloaded modules. Five cold interpreter starts
    would otherwise be most of a small run's wall on a shared two-core machine."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def requests_per_vendor(base_url: str) -> dict[str, int]:
    """Every request the simulator received, per vendor (`/_simulator/stats`), throttled ones included."""
    with urllib.request.urlopen(f"{base_url}/_simulator/stats", timeout=10) as response:
        stats = json.load(response)
    counts: Counter[str] = Counter()
    for row in stats["requests"]:
        counts[row["vendor"]] += row["count"]
    return dict(counts)


def free_port() -> int:
    """A loopback port nobody listens on: benchmarks of several engineers run side by side."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RateLimitReport:
    scale: float
    days: int
    runs: list[ConcurrentRun]

    def to_json(self) -> dict[str, Any]:
        return {"limits": {name: asdict(limit) for name, limit in VENDOR_LIMITS.items()}
                | {"hubspot search": asdict(SEARCH_RATE_LIMIT)},
                "goal_wall_over_slowest_floor": GOAL_RATIO, "runs": [run.to_json() for run in self.runs]}

    def to_markdown(self) -> str:
        lines = [
            SECTION_TITLE, "",
            f"`brightcart bench --rate-limits --scale {self.scale} --days {self.days}`: one process per source "
            f"({', '.join(s.source for s in self.runs[0].sources)}), all started together against one simulator "
            "process, first with no limits, then with the vendors' "
            "documented limits (" + ", ".join(f"{name} {limit.requests} per {limit.seconds:g} s"
                                              for name, limit in VENDOR_LIMITS.items())
            + f", HubSpot search {SEARCH_RATE_LIMIT.requests} per {SEARCH_RATE_LIMIT.seconds:g} s). "
            "A source's floor is the least time its answered requests take under its limit "
            "((ceil(n / limit) - 1) × window; HubSpot also by its searches). Wall and CPU are the extract's own "
            "(extract + land + load, in its process); the run's wall also holds starting the processes. CPU / floor "
            "below 100% means the source's own work fits inside its floor, given a core of its own.", "",
            "| limits | source | records | wall s | CPU s | peak RSS MiB | answered | throttled | retried "
            "| floor s | wall / floor | CPU / floor |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for run in self.runs:
            for s in run.sources:
                lines.append(f"| {_on_off(run)} | {s.source} | {s.records:,} | {s.seconds:.1f} | {s.cpu_seconds:.1f} "
                             f"| {s.peak_rss_mib:.0f} | {s.answered:,} | {s.throttled:,} | {s.retried:,} "
                             f"| {s.floor_seconds:.1f} | {_share(s.seconds, s.floor_seconds)} "
                             f"| {_share(s.cpu_seconds, s.floor_seconds)} |")
        lines += ["", f"The whole run against the slowest source's floor (goal ≤ {GOAL_RATIO:.0%} with limits on):", "",
                  "| limits | run wall s | slowest floor | floor s | run wall / floor | simulator CPU s |",
                  "|---|---:|---|---:|---:|---:|"]
        for run in self.runs:
            slowest = run.slowest_floor
            floor = slowest.floor_seconds if slowest else 0.0
            lines.append(f"| {_on_off(run)} | {run.wall_seconds:.1f} | {slowest.source if slowest else '–'} "
                         f"| {floor:.1f} | {_share(run.wall_seconds, floor)} | {run.simulator_cpu_seconds:.1f} |")
        same = self.same_records()
        lines += ["", "Records landed per source and resource, limits on against off: "
                  + ("identical." if all(same.values()) else
                     "DIFFERENT for " + ", ".join(source for source, ok in same.items() if not ok) + ".")]
        return "\n".join(lines) + "\n"

    def same_records(self) -> dict[str, bool]:
        """Per source: did every run land the same records per resource (nothing lost or doubled)?"""
        landed = [{s.source: s.landed for s in run.sources} for run in self.runs]
        return {source: all(other.get(source) == landed[0][source] for other in landed[1:]) for source in landed[0]}


def _share(seconds: float, floor: float) -> str:
    return f"{seconds / floor:.0%}" if floor else "–"


def _on_off(run: ConcurrentRun) -> str:
    return "on" if run.rate_limits else "off"


def run_rate_limit_bench(scale: float, days: int, out_dir: Path | None, seed: int = 7,
                         sources: Sequence[Source] = SOURCES) -> RateLimitReport:
    """Both concurrent runs on the same world; the section is added to the bench report in `out_dir`."""
    config = WorldConfig.extracted_from(dt.date(2026, 10, 1), seed=seed, days=days, scale=scale)
    report = RateLimitReport(scale, days, [])
    with tempfile.TemporaryDirectory(prefix="brightcart-bench-limits-") as tmp:
        for rate_limits in (False, True):
            root = Path(tmp) / ("limits-on" if rate_limits else "limits-off")
            report.runs.append(run_concurrently(config, root, rate_limits, sources))
    if out_dir is not None:
        add_to_bench_report(report, out_dir)
    return report


def add_to_bench_report(report: RateLimitReport, out_dir: Path) -> None:
    """The bench report of this scale and days keeps what a plain run measured; this section is added to it,
    or replaces the one an earlier `--rate-limits` run wrote."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(report.scale, report.days)  # not Path.with_suffix: the scale's dot is no suffix
    json_path, markdown_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    existing = json.loads(json_path.read_text()) if json_path.exists() else {"scale": report.scale,
                                                                              "days": report.days}
    json_path.write_text(json.dumps(existing | {"rate_limits": report.to_json()}, indent=2) + "\n")
    markdown = markdown_path.read_text() if markdown_path.exists() else (
        f"# Benchmark: scale {report.scale}, {report.days} day(s)\n")
    markdown = re.sub(rf"\n{re.escape(SECTION_TITLE)}\n.*?(?=\n## |\Z)", "", markdown, flags=re.S)
    markdown_path.write_text(markdown.rstrip("\n") + "\n\n" + report.to_markdown())
