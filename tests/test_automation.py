"""Schedules, SLA rules, sensors and automation conditions: called directly with built contexts or evaluated
against an instance, no daemon needed."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from brightcart_pipeline.assets.operations import SCHEDULED_AT_TAG, extract_sla
from brightcart_pipeline.automation import sensors
from brightcart_pipeline.automation.alerts import read_alerts
from brightcart_pipeline.automation.schedules import (
    FINANCE_INGEST,
    NEAR_REAL_TIME,
    finance_final_ingest,
    near_real_time_ingest,
)
from brightcart_pipeline.automation.sla import RunFact, extract_sla_share, finance_build_late
from brightcart_pipeline.settings import get_settings

DAY = dt.date(2026, 10, 5)
FINANCE_MARTS = [dg.AssetKey(["finance", "finance_daily"]), dg.AssetKey(["finance", "reconciliation_daily"])]
DEADLINE = dt.time(7, 0)
UTC = dt.UTC


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIGHTCART_HOME", str(tmp_path))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_extract_sla_share_counts_only_successful_runs_within_the_window():
    scheduled = at(DAY, 10)
    runs = [RunFact(scheduled, scheduled + dt.timedelta(minutes=5), True) for _ in range(97)]
    runs += [RunFact(scheduled, scheduled + dt.timedelta(minutes=25), True),  # late
             RunFact(scheduled, scheduled + dt.timedelta(minutes=5), False),  # failed
             RunFact(scheduled, None, False)]  # never finished
    assert extract_sla_share(runs, dt.timedelta(minutes=20)) == pytest.approx(0.97)
    assert extract_sla_share([], dt.timedelta(minutes=20)) is None


@pytest.mark.parametrize(
    ("now", "finished", "ingested", "expected"),
    [
        (at(DAY + dt.timedelta(days=1), 6, 59), None, False, None),  # not due yet
        (at(DAY + dt.timedelta(days=1), 7, 5), at(DAY + dt.timedelta(days=1), 6, 40), True, None),  # on time
        (at(DAY + dt.timedelta(days=1), 7, 5), None, True, "no successful finance build"),
        (at(DAY + dt.timedelta(days=1), 7, 5), at(DAY, 6, 40), True, "no successful finance build"),  # stale
        (at(DAY + dt.timedelta(days=1), 9), at(DAY + dt.timedelta(days=1), 7, 30), True, "after 07:00"),
        (at(DAY + dt.timedelta(days=1), 7, 5), at(DAY + dt.timedelta(days=1), 6, 40), False, "not fully ingested"),
    ],
)
def test_finance_build_late_rule(now, finished, ingested, expected):
    late = finance_build_late(now, DAY, DEADLINE, finished, ingested)
    assert (late is None) if expected is None else (expected in late)


def test_near_real_time_schedule_targets_todays_partition_and_finance_ingest_yesterdays():
    context = dg.build_schedule_context(scheduled_execution_time=at(DAY, 13, 15))
    assert near_real_time_ingest(context).partition_key == "2026-10-05"
    context = dg.build_schedule_context(scheduled_execution_time=at(DAY, 5, 0))
    assert finance_final_ingest(context).partition_key == "2026-10-04"


def _finance_sensor_tick(instance, monkeypatch, now, build_finished, cursor=None):
    keys = [dg.AssetKey(["raw_shopify", "orders"])]
    monkeypatch.setattr(sensors, "utcnow", lambda: now)
    monkeypatch.setattr(sensors, "finance_marts_built_at", lambda _instance, _keys: build_finished)
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = sensors.build_finance_sla_sensor(keys, FINANCE_MARTS)(context)
    return result, context.cursor


def test_finance_sla_sensor_alerts_once_when_late_and_stays_quiet_on_time(isolated_home, monkeypatch):
    with dg.instance_for_test() as instance:
        late_now = at(DAY + dt.timedelta(days=1), 7, 10)
        result, cursor = _finance_sensor_tick(instance, monkeypatch, late_now, None)
        assert "alerted" in result.skip_message
        result, cursor = _finance_sensor_tick(instance, monkeypatch, late_now, None, cursor)
        assert "already alerted" in result.skip_message
        alerts = read_alerts(isolated_home)
        assert [a.kind for a in alerts] == ["finance_sla"]
        assert "2026-10-05" in alerts[0].title

        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=dg.AssetKey(["raw_shopify", "orders"]), partition="2026-10-06"))
        next_day = at(DAY + dt.timedelta(days=2), 7, 10)
        result, _ = _finance_sensor_tick(instance, monkeypatch, next_day, at(DAY + dt.timedelta(days=2), 6, 30))
        assert "on time" in result.skip_message
        assert len(read_alerts(isolated_home)) == 1


def test_finance_marts_count_as_built_when_the_last_of_them_was_rebuilt():
    first, second = FINANCE_MARTS
    with dg.instance_for_test() as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(first))
        assert sensors.finance_marts_built_at(instance, FINANCE_MARTS) is None  # the other was never built
        instance.report_runless_asset_event(dg.AssetMaterialization(second))
        older = instance.get_latest_materialization_event(first).timestamp
        assert sensors.finance_marts_built_at(instance, FINANCE_MARTS) == dt.datetime.fromtimestamp(older, UTC)
        instance.report_runless_asset_event(dg.AssetMaterialization(first))
        older = instance.get_latest_materialization_event(second).timestamp
        assert sensors.finance_marts_built_at(instance, FINANCE_MARTS) == dt.datetime.fromtimestamp(older, UTC)


def test_run_failure_sensor_records_an_alert_naming_the_job(isolated_home):
    @dg.op
    def call_vendor() -> None:
        raise RuntimeError("shopify: GET /admin/api/2024-10/orders.json failed after 7 attempt(s)")

    @dg.job(name="ingest_daily")
    def ingest_daily() -> None:
        call_vendor()

    with dg.instance_for_test() as instance:
        result = ingest_daily.execute_in_process(instance=instance, raise_on_error=False)
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE" or
                       e.event_type_value == "RUN_FAILURE")
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert", dagster_event=failure, dagster_instance=instance,
            dagster_run=result.dagster_run).for_run_failure()
        sensors.run_failure_alert(context)
    (alert,) = read_alerts(isolated_home)
    assert alert.kind == "run_failure" and "ingest_daily" in alert.title


# -- the extract SLA, from run records ----------------------------------------------------------------------
def _extract_run(instance, schedule: str, scheduled_at: dt.datetime, fails: bool = False) -> None:
    @dg.op
    def extract() -> None:
        if fails:
            raise RuntimeError("vendor down")

    @dg.job(name="ingest_daily")
    def ingest_daily() -> None:
        extract()

    ingest_daily.execute_in_process(instance=instance, raise_on_error=False, tags={
        "dagster/schedule_name": schedule, SCHEDULED_AT_TAG: scheduled_at.isoformat()})


def test_extract_sla_share_comes_from_the_scheduled_runs_and_fails_its_check_below_target():
    settings = get_settings()
    # Scheduled moments far from when the runs really end: on time (ends just after) or a day late.
    soon, long_ago = dt.datetime.now(UTC) + dt.timedelta(minutes=1), dt.datetime.now(UTC) - dt.timedelta(days=1)
    with dg.instance_for_test() as instance:
        for _ in range(2):
            _extract_run(instance, NEAR_REAL_TIME, soon)
        _extract_run(instance, NEAR_REAL_TIME, long_ago)  # finished, but a day after its schedule
        _extract_run(instance, NEAR_REAL_TIME, soon, fails=True)  # failed: never on time
        _extract_run(instance, FINANCE_INGEST, long_ago)  # another schedule: not an extract of the SLA
        result = dg.materialize([extract_sla], instance=instance, raise_on_error=False)
    (materialisation,) = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in materialisation.materialization.metadata.items()}
    assert metadata["share_on_time"] == pytest.approx(2 / 4)
    assert metadata["scheduled_extracts"] == 4
    assert metadata["target"] == settings.extract_sla_target and metadata["sla_minutes"] == settings.extract_sla_minutes
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.description == f"50.0% of extracts on time, below {settings.extract_sla_target:.0%}"


# -- declarative automation, evaluated against an instance --------------------------------------------------
ORDERS, CUSTOMERS = dg.AssetKey(["raw_shopify", "orders"]), dg.AssetKey(["raw_shopify", "customers"])
STG_ORDERS, STG_CUSTOMERS = (dg.AssetKey(["staging", "stg_shopify__orders"]),
                             dg.AssetKey(["staging", "stg_shopify__customers"]))
# An orders-only model below both (fct_orders also waits for the identity graph, which reads every source).
REFUND_LINES = dg.AssetKey(["staging", "stg_shopify__refund_lines"])
DELETIONS = dg.AssetKey(["privacy", "deletion_requests"])


class Ticks:
    """The automation sensor's ticks, one simulated minute apart, against one instance."""

    def __init__(self, instance: dg.DagsterInstance, start: dt.datetime) -> None:
        from brightcart_pipeline.definitions import defs

        self.defs, self.instance, self.now, self.cursor = defs, instance, start, None

    def tick(self) -> set[dg.AssetKey | dg.AssetCheckKey]:
        self.now += dt.timedelta(minutes=1)
        result = dg.evaluate_automation_conditions(defs=self.defs, instance=self.instance,
                                                   evaluation_time=self.now, cursor=self.cursor)
        self.cursor = result.cursor
        return {evaluation.key for evaluation in result.results if not evaluation.true_subset.is_empty}

    def checks_of(self, key: dg.AssetKey) -> set[dg.AssetCheckKey]:
        return {check for check in self.defs.resolve_asset_graph().asset_check_keys if check.asset_key == key}

    def report_checks(self, key: dg.AssetKey, failing: str | None = None) -> None:
        for check in self.checks_of(key):
            self.instance.report_runless_asset_event(dg.AssetCheckEvaluation(
                asset_key=key, check_name=check.name, passed=check.name != failing))


def test_models_follow_an_ingest_once_the_raw_checks_pass_and_not_while_one_fails():
    with dg.instance_for_test() as instance:
        ticks = Ticks(instance, at(DAY, 12))
        assert ticks.tick() == set()  # nothing has happened yet
        for key in (ORDERS, CUSTOMERS):
            instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=DAY.isoformat()))

        # The ingest's next tick: the raw checks and every model below, in one run where the checks block.
        requested = ticks.tick()
        assert ticks.checks_of(ORDERS) | ticks.checks_of(CUSTOMERS) <= requested
        assert {STG_ORDERS, STG_CUSTOMERS, REFUND_LINES} <= requested
        assert not {key for key in requested if isinstance(key, dg.AssetKey) and key.path[0] == "finance"}
        assert ticks.tick() == set()  # handled: nothing new

        # That run's checks: orders fail their reconciliation, customers pass. A later deletion sweep
        # rebuilds what sits on checked data only.
        ticks.report_checks(ORDERS, failing="shopify_orders_reconcile")
        ticks.report_checks(CUSTOMERS)
        instance.report_runless_asset_event(dg.AssetMaterialization(DELETIONS))
        requested = ticks.tick()
        assert STG_CUSTOMERS in requested
        assert STG_ORDERS not in requested and REFUND_LINES not in requested
        assert ticks.tick() == set()  # the orders models wait while their check fails

        # The reconciliation passes on its next run: the waiting models go, nothing else.
        ticks.report_checks(ORDERS)
        requested = ticks.tick()
        assert {STG_ORDERS, REFUND_LINES} <= requested
        assert STG_CUSTOMERS not in requested
