"""The Dagster code location: assembles assets, checks, jobs, schedules, sensors and resources.

Cross-cutting policy is applied here once: freshness for every ingest asset and a cron deadline for
the finance marts.
"""

import datetime as dt

import dagster as dg
from dagster_dlt import DagsterDltResource

from brightcart_pipeline.assets.activation import (
    activation_job,
    activation_schedule,
    audience_size_guard,
    audience_sync,
)
from brightcart_pipeline.assets.ingest import build_ingest_assets
from brightcart_pipeline.assets.operations import extract_sla, lake_retention
from brightcart_pipeline.assets.privacy import deletion_requests, deletion_requests_completed
from brightcart_pipeline.assets.quality import quality_checks
from brightcart_pipeline.assets.transform import brightcart_dbt_models, dbt_resource
from brightcart_pipeline.automation.jobs import ingest_job, transform_job
from brightcart_pipeline.automation.schedules import schedules
from brightcart_pipeline.automation.sensors import build_finance_sla_sensor, deletion_sla, run_failure_alert
from brightcart_pipeline.settings import get_settings
from brightcart_pipeline.sources import available_sources

settings = get_settings()
ingest_assets = [build_ingest_assets(source) for source in available_sources()]
ingest_keys = [key for assets in ingest_assets for key in assets.keys]

# API data is due in the warehouse within 30 minutes; the finance marts by the daily deadline.
INGEST_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(minutes=30),
                                                  warn_window=dt.timedelta(minutes=20))
deadline = settings.finance_deadline_utc
FINANCE_FRESHNESS = dg.FreshnessPolicy.cron(deadline_cron=f"{deadline.minute} {deadline.hour} * * *",
                                            lower_bound_delta=dt.timedelta(hours=2), timezone="UTC")

defs = dg.Definitions(
    assets=[*ingest_assets, brightcart_dbt_models, extract_sla, lake_retention, deletion_requests,
            deletion_requests_completed, audience_sync],
    asset_checks=[*quality_checks, audience_size_guard],
    jobs=[ingest_job, transform_job, activation_job],
    schedules=[*schedules, activation_schedule],
    sensors=[run_failure_alert, build_finance_sla_sensor(ingest_keys), deletion_sla],
    resources={"dlt": DagsterDltResource(), "dbt": dbt_resource(settings)},
    # One DuckDB file takes one writer: locally every step runs in one process, one after another.
    executor=dg.in_process_executor if settings.target == "local" else dg.multiprocess_executor,
).map_resolved_asset_specs(
    func=lambda spec: spec.replace_attributes(freshness_policy=INGEST_FRESHNESS),
    selection=dg.AssetSelection.groups("ingest"),
).map_resolved_asset_specs(
    func=lambda spec: spec.replace_attributes(freshness_policy=FINANCE_FRESHNESS),
    selection=dg.AssetSelection.groups("finance"),
)
