"""The chaos suite: thirty simulated days with faults on chosen days and sources; nothing lost, nothing doubled.

One module-scoped run (tests/support/chaos.py) drives the pipeline day by day through throttles in each
vendor's dialect, 5xx bursts, timeouts, dropped connections, SIGKILLs mid-extract and mid-load, duplicated
pages, schema drift, malformed and withdrawn records, the ad platforms' own late restatements, and a
deletion request on day 15. The tests then hold the warehouse to the simulator's ground truth and every
fault to what it should have caused; the run writes docs/chaos.md from its own observations.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from brightcart_pipeline import cli
from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.privacy.forget import complete_rebuilt_requests, process_deletion_requests
from brightcart_pipeline.settings import Settings, SettingsError, get_settings
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_ads import true_spend_by_ad_day, true_spend_by_campaign_day
from brightcart_pipeline.simulator.truth_commerce import TrueOrder, true_orders
from brightcart_pipeline.simulator.world import US_PER_SECOND, World
from brightcart_pipeline.sources.base import ExtractWindow
from tests.conftest import dbt_build, settings_for
from tests.support.built import final_clock
from tests.support.chaos import (
    ALL,
    CHAOS_WORLD,
    FORGET_DAY,
    HTTP_TIMEOUT_SECONDS,
    INJECTIONS,
    RUN_DAYS,
    ChaosRun,
    dead_letters,
    expected_signals,
    fired_key,
    injections_on,
    letters_of,
    query,
    quiet_customer,
    report_path,
    subprocess_env,
    write_report,
)

pytestmark = pytest.mark.chaos
FINAL_RUN = CHAOS_WORLD.days + 1  # the morning the last days' ad metrics are final
# dbt builds only what is read here, with everything upstream: the models a deletion resolves a person through,
# and the marts held to the truth at the end.
IDENTITY_MODELS = ("+int_identity_graph", "+int_crm__deals")
MARTS_CHECKED = ("+fct_orders", "+fct_campaign_performance_daily")


@dataclass(frozen=True)
class Chaos:
    run: ChaosRun
    settings: Settings
    world: World
    as_of_us: int
    forgotten: int  # the person id
    forgotten_at_us: int


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Chaos:
    home = tmp_path_factory.mktemp("chaos")
    with SimulatorServer(CHAOS_WORLD) as server:
        settings = settings_for(home, server, http_timeout_seconds=HTTP_TIMEOUT_SECONDS, requests_per_second=200)
        run = ChaosRun(server, settings)
        forgotten = forgotten_at = 0
        for day, sources in RUN_DAYS:
            run.run_day(day, sources)
            if day == FORGET_DAY:
                forgotten, forgotten_at = forget_someone(settings, server)
        run.run_day(FINAL_RUN, ALL, clock=final_clock(server.world))
        as_of_us = server.context.as_of_us
    dbt_build(settings, "--select", *MARTS_CHECKED)  # the daily build: marts rebuilt from scrubbed raw
    assert complete_rebuilt_requests(settings) == 1
    write_report(run, report_path())
    return Chaos(run, settings, server.world, as_of_us, forgotten, forgotten_at)


def forget_someone(settings: Settings, server: SimulatorServer) -> tuple[int, int]:
    """`brightcart forget --queue` for a customer with a CRM contact; the daily build (here its deletion step)
    carries it out after the identity graph is built."""
    dbt_build(settings, "--select", *IDENTITY_MODELS, "--exclude-resource-type", "test")
    request_us = server.context.as_of_us
    pid, email = quiet_customer(server.world, request_us, final_clock_us(server))
    # The command in this process: the CLI reads the process settings, so they are read afresh around it.
    get_settings.cache_clear()
    result = CliRunner().invoke(cli.main, ["forget", "--email", email, "--queue"],
                                env=subprocess_env(settings, server))
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    outcome = process_deletion_requests(settings, rebuild=False)
    assert outcome.requests == 1 and outcome.raw_rows_deleted > 0
    return pid, request_us


def final_clock_us(server: SimulatorServer) -> int:
    return int(final_clock(server.world).timestamp()) * US_PER_SECOND


def expected_orders(chaos: Chaos) -> list[TrueOrder]:
    return [o for o in true_orders(chaos.world, chaos.as_of_us) if o.person_id != chaos.forgotten]


# -- every fault met, and what it caused --------------------------------------------------------------------
def test_every_injected_fault_fired_and_was_ridden_out(chaos):
    observed = {o.day: o for o in chaos.run.days}
    for injection in INJECTIONS:
        day = observed[injection.day]
        assert injection.source in day.sources, "the day's run covered the faulted source"
        for fault in injection.faults:
            assert day.faults_fired.get(fired_key(fault), 0) > 0, (injection.kind, injection.source)
        if injection.retries:
            run = day.sources[injection.source]
            assert run.throttled + run.retried > 0, f"{injection.kind} at {injection.source} was not retried"
        if injection.crash:
            assert f"mid-{injection.crash}" in day.crashes[injection.source]


def test_faulted_runs_raise_exactly_the_checks_their_faults_should(chaos):
    letters = dead_letters(chaos.settings)
    for observation in chaos.run.days:
        for source in observation.sources:
            expected = set().union(*(expected_signals(i, letters, chaos.world)
                                     for i in injections_on(observation.day, source)))
            assert observation.signals_of(source) == expected, (observation.day, source, observation.new_signals)


def test_runs_without_a_fault_raise_no_check(chaos):
    clean = {(o.day, s) for o in chaos.run.days for s in o.clean_sources()}
    # Every source runs clean after its faults: the last run re-pulls what was faulted.
    assert clean >= {(FINAL_RUN, s) for s in ALL}
    noisy = {(o.day, s): o.signals_of(s) for o in chaos.run.days for s in o.clean_sources() if o.signals_of(s)}
    assert noisy == {}
    # What the faults raised has cleared by the end: nothing fails, at most history warns.
    last = chaos.run.days[-1]
    assert not [k for k, v in last.failing.items() if "reconcile" in k or "expectations" in k], last.failing


def test_dead_letters_are_exactly_the_records_the_plan_broke_with_their_reason(chaos):
    letters = dead_letters(chaos.settings)
    observed = {o.day: o for o in chaos.run.days}
    expected = 0
    for injection in (i for i in INJECTIONS if i.dead_letters):
        for fault in injection.faults:
            # Each broken record was landed once, by the run the plan was on; later re-pulls got it whole.
            fired = observed[injection.day].faults_fired[fired_key(fault)]
            assert len(letters_of(letters, fault)) == fired, (injection.kind, fault.vendor)
            expected += fired
    assert len(letters) == expected, "dead letters only where the plan broke records"
    for entry in letters:
        assert "should be" in entry["reason"], entry["reason"]
        assert entry["raw_file"].startswith(f"raw/{entry['source']}/{entry['resource']}/")


# -- the warehouse equals the truth ---------------------------------------------------------------------------
def test_raw_orders_equal_truth_less_the_forgotten_person(chaos):
    ids = [i for (i,) in query(chaos.settings, "select id from raw_shopify.orders")]
    assert len(ids) == len(set(ids)), "no order twice"
    assert set(ids) == {o.order_id for o in expected_orders(chaos)}, "no order lost, none of the forgotten"


def test_raw_ad_spend_equals_final_truth_to_the_micro(chaos):
    google = {(c, d): int(m) for c, d, m in query(
        chaos.settings, "select campaign__id, segments__date, metrics__cost_micros "
                        "from raw_google_ads.campaign_metrics_daily")}
    assert google == {k: v for k, v in true_spend_by_campaign_day(chaos.world, "google_ads").items()}
    meta = {(a, d): int(Decimal(s) * 1_000_000) for a, d, s in query(
        chaos.settings, "select ad_id, date_start, spend from raw_meta_ads.ad_insights_daily")}
    assert meta == true_spend_by_ad_day(chaos.world, "meta_ads")


def test_late_restatements_were_loaded_over_the_preliminary_numbers(chaos):
    restated = [o for o in chaos.run.days if o.restated_days]
    assert restated, "the ad platforms restate recent days; some later run must have changed loaded spend"


def test_marts_equal_truth_spend_to_the_micro_and_revenue_to_the_cent(chaos):
    spend = {(c, d.isoformat()): m for c, d, m in query(
        chaos.settings, "select campaign_id, date_day, spend_micros from core.fct_campaign_performance_daily")}
    assert spend == {**true_spend_by_campaign_day(chaos.world, "google_ads"),
                     **true_spend_by_campaign_day(chaos.world, "meta_ads")}
    orders = query(chaos.settings, "select order_id, net_sales from core.fct_orders")
    revenue = {str(i): int(n * 100) for i, n in orders}
    assert revenue == {str(o.order_id): o.net_sales_cents for o in expected_orders(chaos)}


def test_the_forgotten_person_stays_forgotten(chaos):
    theirs = [o for o in true_orders(chaos.world, chaos.as_of_us) if o.person_id == chaos.forgotten]
    assert theirs, "the person had orders before the request"
    ids = {str(o.order_id) for o in theirs}
    for table, column in (("raw_shopify.orders", "id"), ("core.fct_orders", "order_id")):
        found = {str(i) for (i,) in query(chaos.settings, f"select {column} from {table}")}
        assert not ids & found, f"{table} holds the forgotten person's orders again"
    status = query(chaos.settings, "select status from privacy.deletion_requests")
    assert status == [("completed",)]


def test_the_report_is_written_from_the_run(chaos):
    text = report_path().read_text()
    for injection in INJECTIONS:
        assert f"| {injection.kind} |" in text
    assert "deletion request" in text and "late restatement" in text


# -- bad configuration: fails fast, names the setting, writes nothing ---------------------------------------
def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_missing_production_credential_is_named_and_nothing_is_written(tmp_path, monkeypatch):
    for name in [k for k in os.environ if k.startswith("BRIGHTCART_")]:
        monkeypatch.delenv(name)
    production = {"TARGET": "production", "SNOWFLAKE_ACCOUNT": "xy12345", "SNOWFLAKE_USER": "loader",
                  "SNOWFLAKE_PASSWORD": "secret", "LAKE_URL": "s3://brightcart-lake/raw",
                  "SHOPIFY_ACCESS_TOKEN": "t", "GOOGLE_ADS_DEVELOPER_TOKEN": "t", "GOOGLE_ADS_ACCESS_TOKEN": "t",
                  "META_ADS_ACCESS_TOKEN": "t", "GA4_ACCESS_TOKEN": "t", "HOME": str(tmp_path / "home"),
                  "KEY_FILE": str(tmp_path / "keys" / "lake.key")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIGHTCART_", "DAGSTER_", "DBT_"))}
    env |= {f"BRIGHTCART_{k}": v for k, v in production.items()}  # no BRIGHTCART_HUBSPOT_ACCESS_TOKEN
    result = subprocess.run([str(Path(sys.executable).parent / "brightcart"), "backfill", "--from-api",
                             "--from", "2026-10-01", "--to", "2026-10-01"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 1
    assert "BRIGHTCART_HUBSPOT_ACCESS_TOKEN" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert files_under(tmp_path) == [], "nothing may be written before the configuration is valid"


def test_unreachable_warehouse_is_named_before_any_api_call_or_lake_write(simulator, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the warehouse folder should be")
    settings = settings_for(tmp_path / "home", simulator, duckdb_path=blocker / "warehouse.duckdb")
    calls = sum(simulator.context.requests.values())
    with pytest.raises(SettingsError, match="BRIGHTCART_DUCKDB_PATH"):
        run_ingest(settings, "shopify", ExtractWindow(CHAOS_WORLD.start, CHAOS_WORLD.start + dt.timedelta(days=1)))
    assert sum(simulator.context.requests.values()) == calls, "no API was called"
    assert files_under(tmp_path) == [blocker]


def test_unwritable_lake_is_named_before_any_api_call_or_warehouse_write(simulator, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lake folder should be")
    settings = settings_for(tmp_path / "home", simulator, lake_url=str(blocker / "lake"))
    calls = sum(simulator.context.requests.values())
    with pytest.raises(SettingsError, match="BRIGHTCART_LAKE_URL"):
        run_ingest(settings, "shopify", ExtractWindow(CHAOS_WORLD.start, CHAOS_WORLD.start + dt.timedelta(days=1)))
    assert sum(simulator.context.requests.values()) == calls, "no API was called"
    assert files_under(tmp_path) == [blocker]
