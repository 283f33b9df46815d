"""Null spikes: the daily null share of fields attribution depends on, against the trailing week."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from brightcart_pipeline.quality.baselines import DayShare, trailing_share_breaches
from brightcart_pipeline.quality.outcome import CheckOutcome
from brightcart_pipeline.quality.tables import columns_of, table_exists

LANDING_EVENTS = "event_name in ('page_view', 'session_start') and batch_page_id = 1"
GA4_DAY = "strptime(event_date, '%Y%m%d')::date"


@dataclass(frozen=True)
class NullWatch:
    """One field watched on one raw table: the day it belongs to and which rows count."""

    name: str
    source: str
    table: str
    column: str
    day: str
    where: str = "true"

    @property
    def qualified(self) -> str:
        return f"raw_{self.source}.{self.table}"


NULL_WATCHES = (
    NullWatch("google_ads_campaign_id", "google_ads", "ad_metrics_daily", "campaign__id", "segments__date::date"),
    NullWatch("meta_ads_campaign_id", "meta_ads", "ad_insights_daily", "campaign_id", "date_start::date"),
    NullWatch("shopify_order_email", "shopify", "orders", "email", "(created_at at time zone 'UTC')::date"),
    # collected_traffic_source is filled on a session's landing events only: later pages are always empty.
    *(NullWatch(f"ga4_landing_{field}", "ga4", "events", f"collected_traffic_source__manual_{field}", GA4_DAY,
                LANDING_EVENTS) for field in ("source", "medium")),
    NullWatch("ga4_paid_gclid", "ga4", "events", "collected_traffic_source__gclid", GA4_DAY,
              f"{LANDING_EVENTS} and collected_traffic_source__manual_medium = 'cpc'"),
)


def daily_null_shares(con: duckdb.DuckDBPyConnection, watch: NullWatch) -> list[DayShare]:
    # A column dlt never materialised (no value ever arrived) is null on every row.
    column = watch.column if watch.column in columns_of(con, f"raw_{watch.source}", watch.table) else "null"
    rows = con.execute(
        f"select {watch.day} as day, count(*), avg(({column} is null)::int) from {watch.qualified} "
        f"where {watch.where} group by 1 order by 1").fetchall()
    return [DayShare(day, n, share) for day, n, share in rows if day is not None]


def null_spikes(con: duckdb.DuckDBPyConnection, watch: NullWatch, min_rows: int = 10) -> CheckOutcome:
    if not table_exists(con, f"raw_{watch.source}", watch.table):
        return CheckOutcome.ok(f"{watch.qualified} has not been loaded yet")
    days = daily_null_shares(con, watch)
    breaches = trailing_share_breaches(days, min_rows=min_rows)
    latest = days[-1] if days else None
    metadata = {"table": watch.qualified, "column": watch.column, "days": len(days),
                "latest_day": str(latest.day) if latest else None,
                "latest_null_share": round(latest.share, 4) if latest else None}
    if not breaches:
        return CheckOutcome.ok(f"{watch.qualified}.{watch.column}: null share within its trailing 7-day baseline",
                               **metadata)
    problems = [f"{b.day}: {b.value:.1%} null (baseline {b.baseline:.1%}, limit {b.limit:.1%})" for b in breaches]
    return CheckOutcome.failed(problems, f"null spike in {watch.qualified}.{watch.column} where {watch.where}",
                               breach_days=[str(b.day) for b in breaches], **metadata)
