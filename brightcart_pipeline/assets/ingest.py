"""Ingest assets: one dlt multi-asset per vendor, keyed `raw_<source>/<resource>` like dbt's sources."""

import datetime as dt
from typing import Literal

import dagster as dg
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from brightcart_pipeline.ingest import LOADER_FILE_FORMAT, extract_job, replay_job
from brightcart_pipeline.lake.landing import manifested_days, write_manifests
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.partitions import daily_partitions, partition_window
from brightcart_pipeline.settings import Source, get_settings
from brightcart_pipeline.sources.base import ExtractWindow


class IngestConfig(dg.Config):
    """How a partition is filled: from the API, or replayed from the lake without any API call."""

    mode: Literal["api", "replay", "lake_if_landed"] = "api"


class RawTableTranslator(DagsterDltTranslator):
    """Asset keys `raw_<source>/<resource>` so dbt's `source('raw_<source>', …)` lines up by itself."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=dg.AssetKey([f"raw_{self.source}", data.resource.name]),
            deps=[],
            group_name="ingest",
            kinds={"dlt", "duckdb" if get_settings().target == "local" else "snowflake"},
        ).merge_attributes(metadata={"source": self.source, "lake_prefix": f"raw/{self.source}/{data.resource.name}/"})


def lake_has(source: Source, start: dt.date, end: dt.date) -> bool:
    """A completed extract of every day of the range is in the lake (its manifests say so)."""
    wanted = {start + dt.timedelta(days=i) for i in range((end - start).days)}
    return wanted <= manifested_days(open_lake(get_settings()), source)


def build_ingest_assets(source: Source) -> dg.AssetsDefinition:
    settings = get_settings()
    first_day = settings.start_date
    template = extract_job(settings, source, ExtractWindow(first_day, first_day + dt.timedelta(days=1)))

    @dlt_assets(
        dlt_source=template.dlt_source,
        dlt_pipeline=template.pipeline,
        name=f"{source}_ingest",
        dagster_dlt_translator=RawTableTranslator(source),
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=f"{source}_api",
    )
    def _ingest(context: dg.AssetExecutionContext, dlt: DagsterDltResource, config: IngestConfig):
        start, end = partition_window(context)
        if config.mode == "replay" or (config.mode == "lake_if_landed" and lake_has(source, start, end)):
            pipeline, replayed, _ = replay_job(settings, source, start, end)
            context.log.info(f"replaying {source} {start}..{end} from the lake")
            yield from dlt.run(context, dlt_source=replayed, dlt_pipeline=pipeline,
                               loader_file_format=LOADER_FILE_FORMAT)
            return
        job = extract_job(settings, source, ExtractWindow(start, end, partitioned=True))
        yield from dlt.run(context, dlt_source=job.dlt_source, dlt_pipeline=job.pipeline,
                           loader_file_format=LOADER_FILE_FORMAT)
        write_manifests(job.landing, job.window.days)
        result = job.result()
        context.log.info(
            f"{source}: landed {result.landed}, dead-lettered {result.rejected}, "
            f"{result.requests} requests, {result.throttled} throttled"
        )

    return _ingest
