"""Sensors: the one that builds the warehouse (declarative automation), and those that speak up before anyone
asks: failed runs, a late finance build, overdue deletion requests."""

import datetime as dt
from collections.abc import Sequence

import dagster as dg
import duckdb

from brightcart_pipeline.automation.alerts import Alert, send_alert
from brightcart_pipeline.automation.jobs import BUILD_RUN_TAGS
from brightcart_pipeline.automation.sla import finance_build_late
from brightcart_pipeline.privacy.deletion import overdue_requests
from brightcart_pipeline.settings import get_settings


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dg.run_failure_sensor(name="run_failure_alert", monitor_all_code_locations=False,
                       default_status=dg.DefaultSensorStatus.RUNNING,
                       description="Every failed run becomes an alert naming the job and the failing step.")
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    partition = run.tags.get("dagster/partition", "")
    send_alert(get_settings(), Alert(
        kind="run_failure",
        title=f"Run failed: {run.job_name}{f' [{partition}]' if partition else ''}",
        detail=context.failure_event.message or "no message",
    ))


automation = dg.AutomationConditionSensorDefinition(
    "automation", target=dg.AssetSelection.all(), default_status=dg.DefaultSensorStatus.RUNNING,
    run_tags=BUILD_RUN_TAGS, minimum_interval_seconds=60,
    description="Builds checks and marts when their automation conditions say so (automation/conditions.py).",
)


def finance_marts_built_at(instance: dg.DagsterInstance, finance_keys: Sequence[dg.AssetKey]) -> dt.datetime | None:
    """When the finance marts were last all rebuilt: the oldest of their latest materialisations."""
    events = [instance.get_latest_materialization_event(key) for key in finance_keys]
    if not events or any(event is None for event in events):
        return None
    return dt.datetime.fromtimestamp(min(event.timestamp for event in events), dt.UTC)  # type: ignore[union-attr]


def day_ingested(instance: dg.DagsterInstance, keys: Sequence[dg.AssetKey], day: dt.date) -> bool:
    return all(day.isoformat() in instance.get_materialized_partitions(key) for key in keys)


def build_finance_sla_sensor(ingest_keys: Sequence[dg.AssetKey],
                             finance_keys: Sequence[dg.AssetKey]) -> dg.SensorDefinition:
    @dg.sensor(name="finance_sla", minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Alerts once a day when yesterday's finance marts are not complete and checked by "
                           "the deadline (07:00 UTC by default).")
    def finance_sla(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        settings = get_settings()
        now = utcnow()
        day = (now - dt.timedelta(days=1)).date()
        late = finance_build_late(now, day, settings.finance_deadline_utc,
                                  finance_marts_built_at(context.instance, finance_keys),
                                  day_ingested(context.instance, ingest_keys, day))
        if late is None:
            return dg.SkipReason(f"finance marts for {day} on time (or not yet due)")
        if context.cursor == day.isoformat():
            return dg.SkipReason(f"already alerted: {late}")
        send_alert(settings, Alert(kind="finance_sla", title=f"Finance SLA missed for {day}", detail=late))
        context.update_cursor(day.isoformat())
        return dg.SkipReason(f"alerted: {late}")

    return finance_sla


@dg.sensor(name="deletion_sla", minimum_interval_seconds=1800, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Alerts on every deletion request older than 72 hours and not yet complete.")
def deletion_sla(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    settings = get_settings()
    if not settings.warehouse_path.exists():
        return dg.SkipReason("no warehouse yet")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        overdue = overdue_requests(con, utcnow())
    alerted = set(filter(None, (context.cursor or "").split(",")))
    fresh = [(request_id, received) for request_id, received in overdue if request_id not in alerted]
    for request_id, received in fresh:
        detail = f"request {request_id} received {received:%Y-%m-%d %H:%M} UTC is not complete"
        send_alert(settings, Alert(kind="deletion_sla", title="Deletion request overdue (72 h)", detail=detail))
    context.update_cursor(",".join(sorted(alerted | {r for r, _ in fresh})))
    return dg.SkipReason(f"{len(overdue)} overdue request(s), {len(fresh)} newly alerted")
