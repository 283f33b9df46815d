"""Live progress for long CLI work, as rich progress bars.

Two feeds drive the bars: dlt's collector (rows extracted per source and table, files normalised, load
jobs) and the Dagster events of a run (steps, assets materialised — one per dbt model —, checks
evaluated). dlt pipelines are built deep inside Dagster assets, so the collector in use is held here
for the process (`collecting`) and `brightcart_pipeline.ingest` picks it up when it builds a pipeline.
Without a CLI watching, both feeds are silent.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dlt.common.runtime.collector import NullCollector
from dlt.common.runtime.collector_base import Collector
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

_active_collector: Collector | None = None


def current_collector() -> Collector:
    """The collector dlt pipelines report to: the CLI's while it shows progress, else a silent one."""
    return _active_collector or NullCollector()


@contextmanager
def collecting(collector: Collector) -> Iterator[Collector]:
    global _active_collector
    previous, _active_collector = _active_collector, collector
    try:
        yield collector
    finally:
        _active_collector = previous


def bars(console: Console) -> Progress:
    """The one progress display every command uses: spinner, what, bar, n/total, elapsed time."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


@dataclass
class Tally:
    """Counts for the final summary: rows per source and table at each dlt stage, checks by outcome."""

    extracted: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    loaded_jobs: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    materialised: int = 0
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)


class RichCollector(Collector):
    """dlt's counters as bars: one per extract (resources done of total, rows per table in the text),
    normalise (files) and load (jobs) step of each source."""

    def __init__(self, progress: Progress, tally: Tally) -> None:
        self.step = ""
        self._progress = progress
        self._tally = tally
        self._task: TaskID | None = None
        self._total = 0
        self._rows: dict[str, int] = {}

    @property
    def _source(self) -> str:
        # dlt names steps "Extract <source>", "Normalize <schema> in <load id>", "Load <schema> in <load id>".
        parts = self.step.split()
        return parts[1] if len(parts) > 1 else "?"

    @property
    def _stage(self) -> str:
        return self.step.split()[0].lower() if self.step else ""

    def _start(self, step: str) -> None:
        self._rows, self._total = {}, 0
        self._task = self._progress.add_task(self._describe(), total=None)

    def update(self, name: str, inc: int = 1, total: int | None = None, inc_total: int | None = None,
               message: str | None = None, label: str | None = None) -> None:
        if self._task is None or label:  # labelled sub-counters (completed, failed) repeat the main ones
            return
        if name in {"Resources", "Files", "Jobs"}:
            self._total = total if total is not None else self._total + (inc_total or 0)
            self._progress.update(self._task, advance=inc, total=self._total or None)
            if name == "Jobs":
                self._tally.loaded_jobs[self._source] += inc
            return
        if name == "Items":
            return
        self._rows[name] = self._rows.get(name, 0) + inc
        if self._stage == "extract":
            self._tally.extracted[self._source][name] += inc
        self._progress.update(self._task, description=self._describe())

    def _describe(self) -> str:
        verb = {"extract": "extract", "normalize": "normalise", "load": "load"}.get(self._stage, self._stage)
        rows = "  ".join(f"{table} [bold]{count:,}[/]" for table, count in sorted(self._rows.items())
                         if not table.startswith("_dlt"))
        return f"{verb} [cyan]{self._source}[/]" + (f"  {rows}" if rows else "")

    def _stop(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None


def planned_outputs(job: Any) -> int:
    """Assets a run of `job` materialises plus the checks it evaluates: the length of its bar."""
    layer = job.asset_layer
    checks = sum(len(data.assets_def.check_keys) for data in layer.data)
    return len(layer.selected_asset_keys) + checks


class RunProgress:
    """Shows Dagster runs (and the dlt work inside them) live, and keeps what the summary reports."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.tally = Tally()
        self.failures: list[str] = []  # one line per failed step: "<step>: <first line of the error>"
        self._progress = bars(console)
        self._run_task: TaskID | None = None
        self._run_title = ""

    @contextmanager
    def showing(self) -> Iterator[RunProgress]:
        with self._progress, collecting(RichCollector(self._progress, self.tally)):
            yield self

    @contextmanager
    def watch(self, instance: Any, job: Any, title: str) -> Iterator[str]:
        """Yields the run id to execute `job` under; its events advance a bar titled `title`."""
        run_id = str(uuid.uuid4())
        self._run_title = f"[bold]{title}[/]"
        self._run_task = self._progress.add_task(self._run_title, total=planned_outputs(job))
        instance.add_event_listener(run_id, self.on_event)
        started = time.monotonic()
        failures_before = len(self.failures)
        try:
            yield run_id
        finally:
            self._progress.remove_task(self._run_task)
            self._run_task = None
            failed = self.failures[failures_before:]
            mark = "[red]failed[/]" if failed else "[green]ok[/]"
            self.console.print(f"  {title}: {mark} in {time.monotonic() - started:.0f}s")
            for line in failed:
                self.console.print(f"    [red]{line}[/]")

    def on_event(self, entry: Any) -> None:
        event = entry.dagster_event
        if event is None or self._run_task is None:
            return
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION":
            self.tally.materialised += 1
            name = "/".join(event.asset_key.path) if event.asset_key else "?"
            self._progress.update(self._run_task, advance=1, description=f"{self._run_title}  · {name}")
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if data.passed:
                self.tally.checks_passed += 1
            else:
                self.tally.checks_failed.append(f"{'/'.join(data.asset_key.path)}: {data.check_name}")
            self._progress.update(self._run_task, advance=1)
        elif kind == "STEP_FAILURE":
            error = event.event_specific_data.error
            message = error.message.strip().splitlines()[0] if error and error.message.strip() else "failed"
            self.failures.append(f"{event.step_key}: {message[:240]}")
