"""The Dagster code location: assembles assets, checks, jobs, schedules, sensors and resources.

Cross-cutting policy is applied here once: freshness for every ingest asset and a cron deadline for
the finance marts; automation conditions for everything below the raw tables (`automation/conditions.py`).
"""

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
from brightcart_pipeline.automation import conditions
from brightcart_pipeline.automation.freshness import finance_freshness, ingest_freshness
from brightcart_pipeline.automation.jobs import ingest_job, transform_job
from brightcart_pipeline.automation.schedules import schedules
from brightcart_pipeline.automation.sensors import automation, build_finance_sla_sensor, deletion_sla, run_failure_alert
from brightcart_pipeline.settings import get_settings
from brightcart_pipeline.sources import available_sources

FINANCE_GROUP = "finance"

settings = get_settings()
ingest_assets = [build_ingest_assets(source) for source in available_sources()]
ingest_keys = [key for assets in ingest_assets for key in assets.keys]
finance_keys = [spec.key for spec in brightcart_dbt_models.specs if spec.group_name == FINANCE_GROUP]

FINANCE_MARTS = dg.AssetSelection.groups(FINANCE_GROUP)
MODELS_AFTER_INGEST = (dg.AssetSelection.assets(brightcart_dbt_models, deletion_requests_completed)
                       - FINANCE_MARTS)
DAILY_CHORES = dg.AssetSelection.assets(deletion_requests, extract_sla, lake_retention)


def _apply(defs: dg.Definitions, selection: dg.AssetSelection, **attributes: object) -> dg.Definitions:
    return defs.map_resolved_asset_specs(func=lambda spec: spec.replace_attributes(**attributes),
                                         selection=selection)


defs = dg.Definitions(
    assets=[*ingest_assets, brightcart_dbt_models, extract_sla, lake_retention, deletion_requests,
            deletion_requests_completed, audience_sync],
    asset_checks=[*quality_checks, audience_size_guard],
    jobs=[ingest_job, transform_job, activation_job],
    schedules=[*schedules, activation_schedule],
    sensors=[automation, run_failure_alert, build_finance_sla_sensor(ingest_keys, finance_keys), deletion_sla],
    resources={"dlt": DagsterDltResource(), "dbt": dbt_resource(settings)},
    # One DuckDB file takes one writer: locally every step runs in one process, one after another.
    executor=dg.in_process_executor if settings.target == "local" else dg.multiprocess_executor,
)
defs = _apply(defs, dg.AssetSelection.groups("ingest"), freshness_policy=ingest_freshness())
defs = _apply(defs, MODELS_AFTER_INGEST, automation_condition=conditions.after_checked_parents())
defs = _apply(defs, FINANCE_MARTS, automation_condition=conditions.on_finance_deadline(),
              freshness_policy=finance_freshness())
defs = _apply(defs, DAILY_CHORES, automation_condition=conditions.daily())
