"""When the vendors are called: near-real-time extracts all day, and a re-pull of yesterday before the finance
build. Everything downstream of the raw tables builds itself (`conditions.py`)."""

import datetime as dt

import dagster as dg

from brightcart_pipeline.automation.jobs import ingest_job
from brightcart_pipeline.settings import get_settings

NEAR_REAL_TIME = "near_real_time_ingest"
FINANCE_INGEST = "finance_final_ingest"


@dg.schedule(name=NEAR_REAL_TIME, cron_schedule=get_settings().ingest_cron, job=ingest_job,
             execution_timezone="UTC", description="Extract and load today's partition of every source.")
def near_real_time_ingest(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    today = context.scheduled_execution_time.astimezone(dt.UTC).date().isoformat()
    return dg.RunRequest(partition_key=today, run_key=f"{NEAR_REAL_TIME}:{context.scheduled_execution_time}")


def hours_before_deadline(hours: int) -> str:
    """A daily cron `hours` before the finance deadline (UTC)."""
    deadline = get_settings().finance_deadline_utc
    return f"{deadline.minute} {(deadline.hour - hours) % 24} * * *"


@dg.schedule(name=FINANCE_INGEST, cron_schedule=hours_before_deadline(2), job=ingest_job,
             execution_timezone="UTC",
             description="Re-pull yesterday from every API (restatements, late events) before the finance build.")
def finance_final_ingest(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    yesterday = (context.scheduled_execution_time.astimezone(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
    return dg.RunRequest(partition_key=yesterday, run_key=f"{FINANCE_INGEST}:{yesterday}")


schedules = [near_real_time_ingest, finance_final_ingest]
