"""Jobs the schedules, the CLI and the UI launch: ingest a day, then build and check the marts."""

import dagster as dg

from brightcart_pipeline.partitions import daily_partitions

ingest_job = dg.define_asset_job(
    "ingest_daily",
    # Reconciliation needs the whole day in: it runs with the marts, not after each source.
    selection=dg.AssetSelection.groups("ingest").without_checks(),
    partitions_def=daily_partitions,
    description="Extract, land and load one day of every source.",
    # On top of the HTTP layer's own retries: a whole step retried after a vendor outage outlasts them.
    op_retry_policy=dg.RetryPolicy(max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL,
                                   jitter=dg.Jitter.PLUS_MINUS),
)

transform_job = dg.define_asset_job(
    "build_marts",
    # Activation calls HubSpot and Meta: it runs in its own job (assets/activation.py), not in every build.
    selection=(dg.AssetSelection.all() - dg.AssetSelection.groups("ingest", "activation"))
    | (dg.AssetSelection.groups("ingest") - dg.AssetSelection.groups("ingest").without_checks()),
    description="dbt build (models and tests) and the warehouse checks.",
    # Production's run queue allows one build at a time by this tag (deploy/dagster/dagster.production.yaml).
    tags={"brightcart/job": "build_marts"},
)
