"""Run the daily pipeline in-process through Dagster (the CLI's demo and tests use this path).

Runs go into the persistent local instance, so `make dev` shows them afterwards.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import dagster as dg

from brightcart_pipeline.settings import PROJECT_ROOT, Settings


@dataclass
class PipelineOutcome:
    runs: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: int = 0
    failure_reasons: list[str] = field(default_factory=list)  # "<step>: <first line of its error>"

    @property
    def succeeded(self) -> bool:
        return not self.failed_steps and self.checks_failed == 0


def local_instance(settings: Settings) -> dg.DagsterInstance:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(home))


def days_to_ingest(settings: Settings) -> list[str]:
    """Every UTC day of the simulated world, through the day the simulator's clock stands on."""
    clock_day = settings.start_date + dt.timedelta(days=settings.simulator_days + 1)
    return [(settings.start_date + dt.timedelta(days=i)).isoformat()
            for i in range((clock_day - settings.start_date).days + 1)]


class RunWatcher(Protocol):
    """Who follows runs live (the CLI's progress bars): gives the run id and listens to its events."""

    def watch(self, instance: dg.DagsterInstance, job: dg.JobDefinition, title: str) -> Any: ...


class Unwatched:
    @contextmanager
    def watch(self, instance: dg.DagsterInstance, job: dg.JobDefinition, title: str) -> Iterator[str]:
        yield str(uuid.uuid4())


# Progress is shown by the CLI; Dagster's own per-event log stays in the instance (and the web UI).
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _record(outcome: PipelineOutcome, result: dg.ExecuteInProcessResult) -> None:
    outcome.runs.append(result.run_id)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            outcome.failed_steps.append(event.step_key or "?")
            error = event.event_specific_data.error  # type: ignore[union-attr]
            first_line = (error.message.strip().splitlines() or ["failed"])[0] if error else "failed"
            outcome.failure_reasons.append(f"{event.step_key}: {first_line}")
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            if event.event_specific_data.passed:  # type: ignore[union-attr]
                outcome.checks_passed += 1
            else:
                outcome.checks_failed += 1


def run_backfill(settings: Settings, days: list[str], sources: list[str], mode: str,
                 watcher: RunWatcher | None = None) -> PipelineOutcome:
    """Fill daily partitions for `sources`: from the API, or replayed from the lake where it has the days."""
    from brightcart_pipeline.definitions import defs

    watcher = watcher or Unwatched()
    outcome = PipelineOutcome()
    full_job = defs.resolve_job_def("ingest_daily")
    keys = {key for key in full_job.asset_layer.executable_asset_keys if key.path[0].removeprefix("raw_") in sources}
    # Only the chosen sources' assets; their checks reconcile whole days and run with the marts instead.
    job = full_job.get_subset(asset_selection=keys, asset_check_selection=set())
    run_config = {**QUIET_RUN_CONFIG, "ops": {f"{source}_ingest": {"config": {"mode": mode}} for source in sources}}
    with local_instance(settings) as instance:
        for day in days:
            with watcher.watch(instance, job, f"backfill {day} ({mode})") as run_id:
                result = job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False,
                                                run_config=run_config, run_id=run_id)
            _record(outcome, result)
    return outcome


def run_daily_pipeline(settings: Settings, watcher: RunWatcher | None = None) -> PipelineOutcome:
    from brightcart_pipeline.definitions import defs  # after the caller has pointed settings at the APIs

    watcher = watcher or Unwatched()
    outcome = PipelineOutcome()
    with local_instance(settings) as instance:
        ingest = defs.resolve_job_def("ingest_daily")
        for day in days_to_ingest(settings):
            with watcher.watch(instance, ingest, f"extract → land → load {day}") as run_id:
                result = ingest.execute_in_process(
                    partition_key=day, instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG,
                    run_id=run_id,
                )
            _record(outcome, result)
        build = defs.resolve_job_def("build_marts")
        with watcher.watch(instance, build, "dbt build and checks") as run_id:
            result = build.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG,
                                              run_id=run_id)
        _record(outcome, result)
    return outcome
