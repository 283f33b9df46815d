"""The five extracts at once with the vendors' rate limits off and on (issue #11): nothing lost or doubled while
throttled, every request counted, and the rate-limit floor the benchmark reports is the simulator's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from brightcart_pipeline import bench_rate_limits
from brightcart_pipeline.bench_rate_limits import (
    SECTION_TITLE,
    RateLimitReport,
    SourceRun,
    add_to_bench_report,
    floor_seconds,
    run_rate_limit_bench,
)
from brightcart_pipeline.settings import SOURCES
from brightcart_pipeline.simulator import server
from brightcart_pipeline.simulator.server import RateLimit, SimulatorServer, SlidingWindow
from brightcart_pipeline.simulator.vendors.hubspot import SEARCH_RATE_LIMIT, HubSpotVendor
from brightcart_pipeline.sources import hubspot, shopify
from brightcart_pipeline.sources.http import VendorClient
from tests.conftest import TEST_WORLD, settings_for

TICKS_PER_WINDOW = 1000
LIMITS = (RateLimit(2, 1.0), RateLimit(4, 1.0), RateLimit(100, 10.0), RateLimit(190, 10.0), RateLimit(600, 300.0))


def fastest_schedule(requests: int, limit: RateLimit, monkeypatch: pytest.MonkeyPatch) -> float:
    """When the last of `requests` calls gets through the simulator's own sliding window, sending each as soon
    as the window lets it (on a simulated clock in steps of a thousandth of the window)."""
    ticks = [0]
    step = limit.seconds / TICKS_PER_WINDOW
    monkeypatch.setattr(server, "time", SimpleNamespace(monotonic=lambda: ticks[0] * step))
    window, sent, last = SlidingWindow(limit), 0, 0.0
    while sent < requests:
        if window.allow():
            sent, last = sent + 1, ticks[0] * step
        else:
            ticks[0] += 1
    return last


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: f"{limit.requests}per{limit.seconds:g}s")
def test_floor_is_when_the_simulators_window_lets_the_last_request_through(
        limit: RateLimit, monkeypatch: pytest.MonkeyPatch) -> None:
    for requests in sorted({0, 1, limit.requests, limit.requests + 1, 2 * limit.requests, 3 * limit.requests + 1}):
        assert floor_seconds(requests, limit) == pytest.approx(
            fastest_schedule(requests, limit, monkeypatch), abs=2 * limit.seconds / TICKS_PER_WINDOW), requests


def test_hubspot_floor_is_the_tighter_of_its_app_and_search_limits() -> None:
    def hubspot(answered: int, searches: int) -> SourceRun:
        return SourceRun("hubspot", {}, 0.0, 0.0, 0.0, answered, searches, answered, 0, 0)

    # 40 searches at 4/s need 9 s; the 190-per-10-s app limit lets 40 requests through at once.
    assert hubspot(40, 40).floor_seconds == floor_seconds(40, SEARCH_RATE_LIMIT) == 9.0
    # 400 requests, few of them searches: the app limit is the floor (two more windows of 10 s).
    assert hubspot(400, 4).floor_seconds == floor_seconds(400, HubSpotVendor.RATE_LIMIT) == 20.0


@pytest.fixture(scope="module")
def limited_simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(TEST_WORLD, rate_limits=True) as simulator:
        yield simulator


def send(client: VendorClient, calls: int, method: str, path: str, body: object = None) -> None:
    for _ in range(calls):
        client.request(method, path, json=body)


def test_shopify_is_throttled_once_then_kept_to_its_leak_rate(limited_simulator: SimulatorServer,
                                                             tmp_path: Path) -> None:
    client = shopify.build_client(settings_for(tmp_path, limited_simulator))
    before = sum(limited_simulator.context.requests.values())
    # Two calls a second: the third call of the first second is the only one the simulator refuses.
    send(client, 3 * shopify.REST_BUDGET.requests + 1, "GET", f"/admin/api/{shopify.API_VERSION}/orders/count.json")
    assert (client.throttled_count, client.request_count) == (1, 3 * shopify.REST_BUDGET.requests + 2)
    assert sum(limited_simulator.context.requests.values()) - before == client.request_count


def test_hubspot_search_is_throttled_once_then_kept_to_its_own_limit(limited_simulator: SimulatorServer,
                                                                    tmp_path: Path) -> None:
    client = hubspot.build_client(settings_for(tmp_path, limited_simulator))
    send(client, 3 * hubspot.SEARCH_BUDGET.requests + 1, "POST", "/crm/v3/objects/contacts/search", {"limit": 1})
    assert (client.throttled_count, client.request_count) == (1, 3 * hubspot.SEARCH_BUDGET.requests + 2)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> RateLimitReport:
    """One day of the test world's scale, both runs (limits off, then on), the section written to a report."""
    return run_rate_limit_bench(TEST_WORLD.scale, 1, tmp_path_factory.mktemp("bench"))


@pytest.mark.bench
def test_every_source_lands_the_same_records_with_limits_on(report: RateLimitReport) -> None:
    off, on = report.runs
    assert (off.rate_limits, on.rate_limits) == (False, True)
    landed_off = {s.source: s.landed for s in off.sources}
    landed_on = {s.source: s.landed for s in on.sources}
    assert set(landed_off) == set(SOURCES)
    assert all(sum(resources.values()) > 0 for resources in landed_off.values()), landed_off
    assert landed_on == landed_off
    assert all(report.same_records().values())


@pytest.mark.bench
def test_every_request_is_counted_and_only_the_limited_run_is_throttled(report: RateLimitReport) -> None:
    off, on = report.runs
    for run in (off, on):
        # The simulator saw exactly the attempts each source's client counted; without faults, every attempt
        # the vendor did not answer was a throttle.
        assert run.simulator_requests == {s.source: s.attempts for s in run.sources}
        assert all(s.attempts == s.answered + s.throttled for s in run.sources), run.sources
    assert sum(s.throttled for s in off.sources) == 0
    assert any(s.throttled for s in on.sources) or on.slowest_floor.floor_seconds > 0
    assert [s.answered for s in on.sources] == [s.answered for s in off.sources]


@pytest.mark.bench
def test_the_section_is_added_to_the_bench_report_once(report: RateLimitReport, tmp_path: Path) -> None:
    stem = bench_rate_limits.report_stem(report.scale, report.days)
    (tmp_path / f"{stem}.md").write_text("# Benchmark\n\n| stage |\n|---|\n\n## Notes\n\nkept\n")
    (tmp_path / f"{stem}.json").write_text(json.dumps({"stages": [1]}))
    add_to_bench_report(report, tmp_path)
    add_to_bench_report(report, tmp_path)
    markdown = (tmp_path / f"{stem}.md").read_text()
    assert markdown.count(SECTION_TITLE) == 1 and "| stage |" in markdown and "kept" in markdown
    written = json.loads((tmp_path / f"{stem}.json").read_text())
    assert written["stages"] == [1]
    assert [run["rate_limits"] for run in written["rate_limits"]["runs"]] == [False, True]
