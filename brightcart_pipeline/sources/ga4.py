"""GA4: the BigQuery event export, read over BigQuery's REST API, and a daily Data API report.

Decisions written once here:
- Export pages are the volume (most of a day's records), so they take the columnar hot path: each
  `tabledata.list` body is landed as received with the table's own schema (`tables.get`) beside it,
  and decoded by that schema straight into Arrow columns (`bigquery_wire.py`, `columnar.py`) that
  dlt loads without its row normaliser. Lake readers see the plain export-shaped dicts BigQuery's
  client libraries return. Decoding by the schema of each table is what lets a drifted table
  (added, renamed or retyped columns) load without code changes.
- GA4 has no event id. An event's key is the export's own fields: `user_pseudo_id`,
  `event_timestamp`, `event_name` and the batch fields real exports carry since 2024
  (`batch_page_id`, `batch_ordering_id`, `batch_event_index`), which separate events of one page load
  sent in the same microsecond.
- Late events (up to `ga4_late_arrival_days`) update tables already read, so every run checks the
  export tables from the last table it loaded minus that many days, and reads one only if it is new
  or its `lastModifiedTime` (`tables.get`) changed since it was read: an hourly run re-reads the
  tables late events reached, not four whole days. The merge key makes a re-read idempotent. The
  state, in dlt's resource state, is the last date read and each checked table's lastModifiedTime
  as it was before its rows were read (a change during the read shows up as a change next time).
- Data API report rows are landed as `{header name: value}` (values kept as the API's strings),
  one request per export date, so the report and the export it reconciles against cover the same days;
  a date's report is asked again when its export table changed (the report counts the same events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import dlt
import orjson
import pyarrow as pa
import requests

from brightcart_pipeline.lake.landing import Landing, RecordContract, WirePage
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.sources import bigquery_wire
from brightcart_pipeline.sources.base import ExtractWindow, Page, ResourceSpec, resource
from brightcart_pipeline.sources.columnar import batched, land_wire_page
from brightcart_pipeline.sources.http import VendorClient, bearer, follow_cursor, retry_after_seconds

PAGE_SIZE = 1000  # rows per tabledata.list page: small pages parse faster (STACK.md)
REPORT_PAGE_SIZE = 10_000
THROTTLE_PAUSE_SECONDS = 1.0  # Google sends no Retry-After; the client's backoff grows from this floor
QUOTA_PAUSE_SECONDS = 30.0
QUOTA_LOW_SHARE = 0.02
REPORT_DIMENSIONS = ("date", "sessionDefaultChannelGroup", "sessionSource", "sessionMedium", "sessionCampaignName")
REPORT_METRICS = ("sessions", "totalUsers", "eventCount", "keyEvents", "purchaseRevenue")

EVENTS = ResourceSpec(
    name="events",
    primary_key=("user_pseudo_id", "event_timestamp", "event_name", "batch_page_id", "batch_ordering_id",
                 "batch_event_index"),
    contract=RecordContract(
        required=("event_date", "event_timestamp", "event_name", "user_pseudo_id"),
        integer_strings=("event_timestamp", "batch_event_index"),
    ),
    # The REPEATED fields, and `device.web_info`: a RECORD two levels down stays JSON (see FLATTEN_DEPTH).
    json_columns=("event_params", "user_properties", "items", "device__web_info"),
)
REPORT_DAILY_SESSIONS = ResourceSpec(
    name="report_daily_sessions",
    primary_key=("date", "session_default_channel_group", "session_source", "session_medium",
                 "session_campaign_name"),
    contract=RecordContract(
        required=("date", "sessions"),
        integer_strings=("sessions", "totalUsers", "eventCount", "keyEvents"),
        decimal_strings=("purchaseRevenue",),
    ),
)
RESOURCES = (EVENTS, REPORT_DAILY_SESSIONS)


def google_dialect(response: requests.Response) -> float | None:
    """429 RESOURCE_EXHAUSTED, or BigQuery's 403 `rateLimitExceeded` (its per-user request limit)."""
    if response.status_code == 429:
        return retry_after_seconds(response) or THROTTLE_PAUSE_SECONDS
    if response.status_code == 403:
        try:
            errors = response.json().get("error", {}).get("errors", [])
        except ValueError:
            return None
        if any(e.get("reason") == "rateLimitExceeded" for e in errors):
            return THROTTLE_PAUSE_SECONDS
    return None


def property_quota_pressure(response: requests.Response) -> float:
    """Pause before the Data API's token buckets run dry (reported in `propertyQuota`)."""
    if ":runReport" not in response.url:
        return 0.0
    quota = orjson.loads(response.content).get("propertyQuota") or {}
    for bucket in quota.values():
        total = bucket.get("consumed", 0) + bucket.get("remaining", 0)
        if total and bucket.get("remaining", 0) <= QUOTA_LOW_SHARE * total:
            return QUOTA_PAUSE_SECONDS
    return 0.0


def build_client(settings: Settings) -> VendorClient:
    """One client for both Google hosts: the Data API is its base URL, BigQuery calls go by full URL."""
    return VendorClient.from_settings(
        settings, "ga4",
        headers=bearer(settings.secret("ga4_access_token")),
        dialect=google_dialect,
        pressure=property_quota_pressure,
    )


def dataset_url(settings: Settings) -> str:
    """The export dataset `analytics_<property>` in BigQuery's REST API."""
    return (f"{settings.bigquery_url}/bigquery/v2/projects/{settings.ga4_export_project}"
            f"/datasets/analytics_{settings.ga4_property_id}")


# -- requests ---------------------------------------------------------------------------------------
def _token_param(name: str, token: str | None) -> dict[str, str]:
    return {name: token} if token else {}


def export_dates(client: VendorClient, dataset: str) -> list[dt.date]:
    """Dates with a daily export table (`events_YYYYMMDD`; intraday tables are not read)."""
    bodies = follow_cursor(
        lambda token: client.get_json(f"{dataset}/tables", {"maxResults": 1000, **_token_param("pageToken", token)}),
        lambda body: body.get("nextPageToken"))
    names = [table["tableReference"]["tableId"] for body in bodies for table in body.get("tables", [])]
    return sorted(dt.datetime.strptime(name[7:], "%Y%m%d").date() for name in names
                  if name.startswith("events_") and name[7:].isdigit())


@dataclass(frozen=True)
class TableToRead:
    """An export table a run reads, with the `lastModifiedTime` it had before the read (None: not looked up)."""

    date: dt.date
    last_modified: str | None = None


def table_last_modified(client: VendorClient, settings: Settings, date: dt.date) -> str:
    """`tables.get`'s lastModifiedTime (epoch milliseconds, as BigQuery's string): moves whenever rows arrive."""
    return str(client.get_json(f"{dataset_url(settings)}/tables/events_{date:%Y%m%d}")["lastModifiedTime"])


def tables_to_read(client: VendorClient, settings: Settings, window: ExtractWindow,
                   state: dict[str, Any] | None) -> list[TableToRead]:
    """The window's export tables to read. Partitioned runs (no state) read them all; incremental runs check
    those from `ga4_late_arrival_days` before the last loaded date on, and read the new or changed ones."""
    start = window.start
    if state is not None and state.get("last_date"):
        reread = dt.date.fromisoformat(state["last_date"]) - dt.timedelta(days=settings.ga4_late_arrival_days)
        start = max(start, reread)
    dates = [d for d in export_dates(client, dataset_url(settings)) if start <= d < window.end]
    if state is None:
        return [TableToRead(d) for d in dates]
    read = state.get("last_modified", {})
    checked = [TableToRead(d, table_last_modified(client, settings, d)) for d in dates]
    return [t for t in checked if read.get(t.date.isoformat()) != t.last_modified]


def remember_read(state: dict[str, Any], table: TableToRead, settings: Settings) -> None:
    """Record a table as read; tables older than any later run checks are forgotten, so the state stays small."""
    last_date = max(table.date, dt.date.fromisoformat(state.get("last_date") or table.date.isoformat()))
    state["last_date"] = last_date.isoformat()
    oldest_checked = (last_date - dt.timedelta(days=settings.ga4_late_arrival_days)).isoformat()
    read = {d: m for d, m in state.get("last_modified", {}).items() if d >= oldest_checked}
    if table.last_modified is not None:
        read[table.date.isoformat()] = table.last_modified
    state["last_modified"] = read


def table_pages(client: VendorClient, settings: Settings, date: dt.date) -> Iterator[WirePage]:
    """The day's export table, page by page as BigQuery sent it, each with the table schema that decodes it."""
    table = f"{dataset_url(settings)}/tables/events_{date:%Y%m%d}"
    context = {"fields": client.get_json(table)["schema"]["fields"]}
    yield from follow_cursor(
        lambda token: WirePage(bigquery_wire.FORMAT, context, client.request(
            "GET", f"{table}/data", params={"maxResults": PAGE_SIZE, **_token_param("pageToken", token)}).content),
        lambda page: bigquery_wire.page_token(page.body))


def report_pages(client: VendorClient, settings: Settings, date: dt.date) -> Iterator[Page]:
    """The day's sessions report, limit/offset paged, rows keyed by header name."""
    path = f"/v1beta/properties/{settings.ga4_property_id}:runReport"

    def fetch(offset: int | None) -> tuple[int, Any]:
        offset = offset or 0
        return offset, client.post_json(path, {
            "dateRanges": [{"startDate": date.isoformat(), "endDate": date.isoformat()}],
            "dimensions": [{"name": d} for d in REPORT_DIMENSIONS],
            "metrics": [{"name": m} for m in REPORT_METRICS],
            "limit": REPORT_PAGE_SIZE, "offset": offset, "returnPropertyQuota": True,
        })

    def next_offset(page: tuple[int, Any]) -> int | None:
        offset, body = page
        return offset + REPORT_PAGE_SIZE if offset + REPORT_PAGE_SIZE < int(body.get("rowCount", 0)) else None

    for _, body in follow_cursor(fetch, next_offset):
        dims = [h["name"] for h in body.get("dimensionHeaders", [])]
        metrics = [h["name"] for h in body.get("metricHeaders", [])]
        yield [
            {**{n: v["value"] for n, v in zip(dims, row["dimensionValues"], strict=True)},
             **{n: v["value"] for n, v in zip(metrics, row["metricValues"], strict=True)}}
            for row in body.get("rows", [])
        ]


@dlt.source(name="ga4")
def ga4_source(client: VendorClient, landing: Landing, window: ExtractWindow, settings: Settings) -> list[Any]:
    def land_events(date: dt.date) -> Iterator[pa.Table]:
        # The volume: export pages land as sent and reach dlt as Arrow tables, several pages each (columnar.py).
        yield from batched(land_wire_page(landing, EVENTS.name, date, page, EVENTS.contract)
                           for page in table_pages(client, settings, date))

    def land_report(date: dt.date) -> Iterator[Page]:
        for page in report_pages(client, settings, date):
            yield landing.land(REPORT_DAILY_SESSIONS.name, date, page, REPORT_DAILY_SESSIONS.contract)

    def by_export_date(spec: ResourceSpec, land: Callable[[dt.date], Iterator[Page | pa.Table]]) -> Any:
        def pages() -> Iterator[Page | pa.Table]:
            # Partitioned runs read exactly their window and leave no state behind.
            state = None if window.partitioned else dlt.current.resource_state()
            for table in tables_to_read(client, settings, window, state):
                yield from land(table.date)
                if state is not None:
                    remember_read(state, table, settings)

        return resource(spec, pages)

    return [by_export_date(EVENTS, land_events), by_export_date(REPORT_DAILY_SESSIONS, land_report)]
