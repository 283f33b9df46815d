"""Operational assets: the platform measuring itself against its service levels."""

import datetime as dt

import dagster as dg

from brightcart_pipeline.automation.schedules import NEAR_REAL_TIME
from brightcart_pipeline.automation.sla import RunFact, extract_sla_share
from brightcart_pipeline.lake.retention import apply_retention
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.settings import get_settings

SCHEDULED_AT_TAG = ".dagster/scheduled_execution_time"
RECENT_RUNS = 2_000  # about three weeks of 15-minute extracts


def scheduled_extract_facts(instance: dg.DagsterInstance) -> list[RunFact]:
    records = instance.get_run_records(
        filters=dg.RunsFilter(job_name="ingest_daily", tags={"dagster/schedule_name": NEAR_REAL_TIME}),
        limit=RECENT_RUNS,
    )
    facts = []
    for record in records:
        scheduled = record.dagster_run.tags.get(SCHEDULED_AT_TAG)
        facts.append(RunFact(
            scheduled_at=dt.datetime.fromisoformat(scheduled) if scheduled else None,
            finished_at=dt.datetime.fromtimestamp(record.end_time, dt.UTC) if record.end_time else None,
            succeeded=record.dagster_run.status == dg.DagsterRunStatus.SUCCESS,
        ))
    return facts


@dg.asset(
    group_name="operations",
    check_specs=[dg.AssetCheckSpec("extract_sla_met", asset="extract_sla",
                                   description="At least 99% of scheduled extracts finish within 20 minutes.")],
    description="Share of scheduled extracts that finished within the SLA of their scheduled time.",
)
def extract_sla(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = get_settings()
    facts = scheduled_extract_facts(context.instance)
    share = extract_sla_share(facts, dt.timedelta(minutes=settings.extract_sla_minutes))
    passed = share is None or share >= settings.extract_sla_target
    return dg.MaterializeResult(
        metadata={"share_on_time": share if share is not None else "no scheduled extracts yet",
                  "scheduled_extracts": len(facts), "target": settings.extract_sla_target,
                  "sla_minutes": settings.extract_sla_minutes},
        check_results=[dg.AssetCheckResult(
            check_name="extract_sla_met", passed=passed,
            description=None if passed else f"{share:.1%} of extracts on time, below {settings.extract_sla_target:.0%}",
        )],
    )


@dg.asset(group_name="operations",
          description="Removes lake partitions older than the retention window (180 days by default); on S3 the "
                      "bucket's lifecycle rule does the same.")
def lake_retention() -> dg.MaterializeResult:
    settings = get_settings()
    result = apply_retention(open_lake(settings), dt.datetime.now(dt.UTC).date(), settings.lake_retention_days)
    return dg.MaterializeResult(metadata={"cutoff": result.cutoff.isoformat(), "objects_deleted": len(result.deleted),
                                          "objects_kept": result.kept})
