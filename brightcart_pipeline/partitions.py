"""Daily partitions shared by every ingest asset: one UTC day of source data per partition."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from brightcart_pipeline.settings import get_settings

# end_offset=1 makes today a partition too: near-real-time runs fill the day as it happens.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=get_settings().start_date.isoformat(), timezone="UTC", end_offset=1
)


def partition_window(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """[first day, day after last) of the run's partition range (one day, or a backfill range)."""
    keys = context.partition_key_range
    start = dt.date.fromisoformat(keys.start)
    return start, dt.date.fromisoformat(keys.end) + dt.timedelta(days=1)
