"""Extract → land → load for one source, and replay of landed days: the one entry point both use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import dlt
from dlt.extract.source import DltSource
from dlt.pipeline.exceptions import PipelineStepFailed

from brightcart_pipeline.lake.landing import Landing
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.progress import current_collector
from brightcart_pipeline.settings import Settings, Source
from brightcart_pipeline.sources import source_module
from brightcart_pipeline.sources.base import ExtractWindow, ReplayStats, replay_source
from brightcart_pipeline.sources.http import ExtractError, VendorClient
from brightcart_pipeline.warehouse import dlt_destination, dlt_staging

# Parquet, not insert-values: measured ~20x faster into DuckDB and far lighter on memory.
LOADER_FILE_FORMAT = "parquet"


@dataclass
class IngestResult:
    source: str
    mode: str
    window: ExtractWindow
    landing_id: str | None = None
    landed: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    throttled: int = 0
    retried: int = 0

    @property
    def loaded_total(self) -> int:
        return sum(v for k, v in self.loaded.items() if not k.startswith("_dlt"))


# No plain copies beside the encrypted warehouse: dlt deletes each package's parquet files once loaded, and
# empties the merge's staging tables (`raw_<source>_staging`) after the merge.
NO_PLAIN_COPIES = {"load.delete_completed_jobs": True, "load.truncate_staging_dataset": True}


def make_pipeline(settings: Settings, source: Source) -> dlt.Pipeline:
    pipeline_name = f"brightcart_{source}"
    for key, value in NO_PLAIN_COPIES.items():
        dlt.config[f"{pipeline_name}.{key}"] = value  # scoped to this pipeline's name, not process-wide
    # Arrow tables (the columnar hot path) get the same row id and load id columns dict rows get: the raw
    # tables keep one shape, and the quality checks read `_dlt_load_id`.
    for column_setting in ("add_dlt_id", "add_dlt_load_id"):
        dlt.config[f"normalize.parquet_normalizer.{column_setting}"] = True
    return dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=dlt_destination(settings),
        staging=dlt_staging(settings),
        dataset_name=f"raw_{source}",
        pipelines_dir=str(settings.dlt_pipelines_dir),
        progress=current_collector(),  # the CLI's progress bars while it shows them
    )


def _row_counts(pipeline: dlt.Pipeline) -> dict[str, int]:
    trace = pipeline.last_trace
    if trace is None or trace.last_normalize_info is None:
        return {}
    return dict(trace.last_normalize_info.row_counts)


@dataclass
class ExtractJob:
    """Everything one extract run needs, built once so the CLI and Dagster run the same thing."""

    source: Source
    window: ExtractWindow
    pipeline: dlt.Pipeline
    dlt_source: DltSource
    landing: Landing
    client: VendorClient

    def result(self) -> IngestResult:
        return IngestResult(
            source=self.source, mode="extract", window=self.window, landing_id=self.landing.landing_id,
            landed=self.landing.landed, rejected=self.landing.rejected, loaded=_row_counts(self.pipeline),
            requests=self.client.request_count, throttled=self.client.throttled_count,
            retried=self.client.retried_count,
        )


def extract_job(settings: Settings, source: Source, window: ExtractWindow) -> ExtractJob:
    module = source_module(source)
    landing = Landing(open_lake(settings), source)
    client = module.build_client(settings)
    dlt_source = getattr(module, f"{source}_source")(client, landing, window, settings)
    return ExtractJob(source, window, make_pipeline(settings, source), dlt_source, landing, client)


def vendor_failure(error: BaseException) -> ExtractError | None:
    """The ExtractError inside dlt's wrapping, if that is what stopped the run."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ExtractError):
            return seen
        seen = getattr(seen, "exception", None) or seen.__cause__ or seen.__context__
    return None


def run_ingest(settings: Settings, source: Source, window: ExtractWindow) -> IngestResult:
    """Call the vendor API for `window`, land every page, load the raw tables (merge)."""
    return run_extract_job(extract_job(settings, source, window))


def run_extract_job(job: ExtractJob) -> IngestResult:
    try:
        job.pipeline.run(job.dlt_source, loader_file_format=LOADER_FILE_FORMAT)
    except PipelineStepFailed as error:
        # Surface the vendor's own failure (source, endpoint, last response), not dlt's step wrapper.
        failure = vendor_failure(error)
        if failure is None:
            raise
        raise failure from error
    return job.result()


def replay_job(
    settings: Settings, source: Source, start: dt.date, end: dt.date
) -> tuple[dlt.Pipeline, DltSource, ReplayStats]:
    stats = ReplayStats()
    replayed = replay_source(open_lake(settings), source, source_module(source).RESOURCES, start, end, stats)
    return make_pipeline(settings, source), replayed, stats


def run_replay(settings: Settings, source: Source, start: dt.date, end: dt.date) -> IngestResult:
    """Rebuild raw tables for [start, end) from the lake alone; no API is called."""
    pipeline, replayed, stats = replay_job(settings, source, start, end)
    pipeline.run(replayed, loader_file_format=LOADER_FILE_FORMAT)
    return IngestResult(source=source, mode="replay", window=ExtractWindow(start, end, partitioned=True),
                        landed=stats.by_resource, loaded=_row_counts(pipeline))
