"""When things run: near-real-time extracts all day, and the daily finance build before 07:00 UTC."""

import datetime as dt

import dagster as dg

from brightcart_pipeline.automation.jobs import ingest_job, transform_job
from brightcart_pipeline.settings import get_settings

NEAR_REAL_TIME = "near_real_time_ingest"
FINANCE_INGEST = "finance_final_ingest"
FINANCE_BUILD = "finance_build"


@dg.schedule(name=NEAR_REAL_TIME, cron_schedule=get_settings().ingest_cron, job=ingest_job,
             execution_timezone="UTC", description="Extract and load today's partition of every source.")
def near_real_time_ingest(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    today = context.scheduled_execution_time.astimezone(dt.UTC).date().isoformat()
    return dg.RunRequest(partition_key=today, run_key=f"{NEAR_REAL_TIME}:{context.scheduled_execution_time}")


def _hours_before_deadline(hours: int) -> str:
    deadline = get_settings().finance_deadline_utc
    return f"{deadline.minute} {(deadline.hour - hours) % 24} * * *"


@dg.schedule(name=FINANCE_INGEST, cron_schedule=_hours_before_deadline(2), job=ingest_job,
             execution_timezone="UTC",
             description="Re-pull yesterday from every API (restatements, late events) before the finance build.")
def finance_final_ingest(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    yesterday = (context.scheduled_execution_time.astimezone(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
    return dg.RunRequest(partition_key=yesterday, run_key=f"{FINANCE_INGEST}:{yesterday}")


finance_build = dg.ScheduleDefinition(
    name=FINANCE_BUILD, cron_schedule=_hours_before_deadline(1), job=transform_job, execution_timezone="UTC",
    description="dbt build of every mart and all checks; the finance SLA sensor watches that it ends by 07:00 UTC.",
)

schedules = [near_real_time_ingest, finance_final_ingest, finance_build]
