"""Schedules, SLA rules and sensors: called directly with built contexts, no daemon needed."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from brightcart_pipeline.automation import sensors
from brightcart_pipeline.automation.alerts import read_alerts
from brightcart_pipeline.automation.schedules import finance_final_ingest, near_real_time_ingest
from brightcart_pipeline.automation.sla import RunFact, extract_sla_share, finance_build_late
from brightcart_pipeline.settings import get_settings

DAY = dt.date(2026, 10, 5)
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
    monkeypatch.setattr(sensors, "latest_successful_build", lambda _instance: build_finished)
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = sensors.build_finance_sla_sensor(keys)(context)
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


def test_latest_successful_build_reads_the_instance():
    @dg.op
    def noop() -> None:
        pass

    @dg.job(name="build_marts")
    def build_marts() -> None:
        noop()

    with dg.instance_for_test() as instance:
        assert sensors.latest_successful_build(instance) is None
        build_marts.execute_in_process(instance=instance)
        finished = sensors.latest_successful_build(instance)
        assert finished is not None
        assert abs((dt.datetime.now(UTC) - finished).total_seconds()) < 120


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
