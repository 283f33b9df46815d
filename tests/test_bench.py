"""The benchmark at a tiny scale: it must run end to end and report what it measured truthfully, not fast.

Its numbers are never asserted against a clock. What is checked is that every stage and ceiling ran on the
same records: the lake holds what the extracts counted, GA4 landed exactly the simulator's events and report
rows, and each goal's ratio is computed from rows that are in the report.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from brightcart_pipeline.bench import EXTRACT, GOALS, HTTP_CEILING, READ_CEILING, REPLAY, BenchReport, run_bench
from brightcart_pipeline.settings import SOURCES
from brightcart_pipeline.simulator.server import SimulatorServer, default_clock_us
from brightcart_pipeline.simulator.truth_web import ga4_event_counts
from brightcart_pipeline.simulator.world import World, WorldConfig
from brightcart_pipeline.sources import ga4
from brightcart_pipeline.sources.base import ExtractWindow
from tests.conftest import settings_for
from tests.support.browser import free_port

pytestmark = [pytest.mark.bench, pytest.mark.integration]

SCALE, DAYS, SEED = 0.0002, 1, 5


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[BenchReport, Path]:
    out_dir = tmp_path_factory.mktemp("bench")
    return run_bench(SCALE, DAYS, out_dir, seed=SEED, port=free_port()), out_dir


def rows(report: dict, stage: str) -> dict[str, dict]:
    return {row["source"]: row for row in [*report["stages"], *report["ceilings"]] if row["stage"] == stage}


def test_reports_are_written_as_json_and_markdown(bench_run):
    report, out_dir = bench_run
    name = f"bench-scale{SCALE}-days{DAYS}"
    written = json.loads((out_dir / f"{name}.json").read_text())
    assert written == json.loads(json.dumps(report.to_json()))
    markdown = (out_dir / f"{name}.md").read_text()
    for source in SOURCES:
        assert f"| {EXTRACT} | {source} |" in markdown
        assert f"| {REPLAY} | {source} |" in markdown
    assert written["machine"]["cpus"] >= 1
    assert written["simulator_cpu_seconds"] > 0


def test_every_stage_and_ceiling_is_measured_for_every_source(bench_run):
    written = bench_run[0].to_json()
    for stage in (EXTRACT, REPLAY, HTTP_CEILING, READ_CEILING):
        measured = rows(written, stage)
        assert set(measured) == set(SOURCES), stage
        for row in measured.values():
            assert row["records"] > 0 and row["seconds"] > 0 and row["peak_rss_mib"] > 0, row
    assert rows(written, "dbt build")["all"]["records"] > 0


def test_ceilings_ran_on_the_records_the_extracts_landed(bench_run):
    """The load ceiling counts what DuckDB read back from the lake: it must be exactly what was landed."""
    written = bench_run[0].to_json()
    extracted, read_back = rows(written, EXTRACT), rows(written, READ_CEILING)
    assert {s: r["records"] for s, r in read_back.items()} == {s: r["records"] for s, r in extracted.items()}


def test_ga4_records_are_the_simulators_events_and_report_rows(bench_run, tmp_path):
    """GA4 lands the export's events (counted from the simulator's truth) and the Data API report's rows (as the
    simulator serves them for the same export dates): exactly, nothing lost or doubled."""
    config = WorldConfig.extracted_from(dt.date(2026, 10, 1), seed=SEED, days=DAYS, scale=SCALE)
    window = ExtractWindow(config.first_utc_day, config.end)
    with SimulatorServer(config) as server:
        settings = settings_for(tmp_path, server)
        client = ga4.build_client(settings)
        dates = [table.date for table in ga4.tables_to_read(client, settings, window, None)]
        report_rows = sum(len(page) for date in dates for page in ga4.report_pages(client, settings, date))
    exported = {f"{date:%Y%m%d}" for date in dates}
    events = sum(n for (date, _), n in ga4_event_counts(World(config), default_clock_us(config)).items()
                 if date in exported)
    assert events > 0 and report_rows > 0
    assert rows(bench_run[0].to_json(), EXTRACT)["ga4"]["records"] == events + report_rows


def test_each_goal_is_a_ratio_of_rows_in_the_report(bench_run):
    report = bench_run[0]
    written = report.to_json()
    for stage, ceiling in GOALS:
        mine, best = rows(written, stage), rows(written, ceiling)
        for source in SOURCES:
            (ratio,) = [r for r in written["ratios"]
                        if (r["stage"], r["ceiling"], r["source"]) == (stage, ceiling, source)]
            expected = (mine[source]["records"] / mine[source]["cpu_seconds"]) / (
                best[source]["records"] / best[source]["cpu_seconds"])
            assert ratio["cpu"] == pytest.approx(expected)
        assert any(r["source"] == "all" for r in written["ratios"] if r["stage"] == stage)
