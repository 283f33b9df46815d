"""The Dagster code location: assembles assets, checks and resources; nothing else lives here."""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from brightcart_pipeline.assets.ingest import build_ingest_assets
from brightcart_pipeline.assets.quality import shopify_orders_reconcile
from brightcart_pipeline.assets.transform import brightcart_dbt_models, dbt_resource
from brightcart_pipeline.automation.jobs import ingest_job, transform_job
from brightcart_pipeline.settings import get_settings
from brightcart_pipeline.sources import available_sources

settings = get_settings()
ingest_assets = [build_ingest_assets(source) for source in available_sources()]

defs = dg.Definitions(
    assets=[*ingest_assets, brightcart_dbt_models],
    asset_checks=[shopify_orders_reconcile],
    jobs=[ingest_job, transform_job],
    resources={"dlt": DagsterDltResource(), "dbt": dbt_resource(settings)},
    # One DuckDB file takes one writer: locally every step runs in one process, one after another.
    executor=dg.in_process_executor if settings.target == "local" else dg.multiprocess_executor,
)
