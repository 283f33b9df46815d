"""GA4: the BigQuery event export, read over BigQuery's REST API, and a daily Data API report.

Decisions written once here:
- The landed record is the export row, decoded from BigQuery's wire encoding: `tabledata.list` sends
  f/v cells (all scalars as strings); the source decodes each row by the table's own schema
  (`tables.get`) into the plain export-shaped dict BigQuery's client libraries return (INTEGER → int,
  FLOAT → float, BOOLEAN → bool, RECORD → dict, REPEATED → list). Decoding by the schema of each
  table is what lets a drifted table (added, renamed or retyped columns) load without code changes.
- GA4 has no event id. An event's key is the export's own fields: `user_pseudo_id`,
  `event_timestamp`, `event_name` and the batch fields real exports carry since 2024
  (`batch_page_id`, `batch_ordering_id`, `batch_event_index`), which separate events of one page load
  sent in the same microsecond.
- Late events (up to `ga4_late_arrival_days`) update tables already read, so every run re-reads the
  export tables from the last table it loaded minus that many days; the merge key makes the re-read
  idempotent. The state is a date per resource in dlt's resource state.
- Data API report rows are landed as `{header name: value}` (values kept as the API's strings),
  one request per export date, so the report and the export it reconciles against cover the same days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dlt
import orjson
import requests

from brightcart_pipeline.lake.landing import Landing, RecordContract
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.sources.base import ExtractWindow, Page, ResourceSpec, resource
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
    json_columns=("event_params", "user_properties", "items"),
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


# -- BigQuery wire decoding -------------------------------------------------------------------------
def decode_row(row: dict[str, Any], fields: list[dict[str, Any]]) -> dict[str, Any]:
    """One `{"f": [...]}` row as a plain dict, typed by the table schema."""
    return {field["name"]: _decode_cell(cell, field) for cell, field in zip(row["f"], fields, strict=True)}


def _decode_cell(cell: dict[str, Any], field: dict[str, Any]) -> Any:
    if field.get("mode") == "REPEATED":
        return [_decode_value(item["v"], field) for item in cell["v"] or []]
    return _decode_value(cell["v"], field)


def _decode_value(value: Any, field: dict[str, Any]) -> Any:
    if value is None:
        return None
    kind = field["type"]
    if kind in ("RECORD", "STRUCT"):
        return decode_row(value, field["fields"])
    if kind in ("INTEGER", "INT64"):
        # A value that is not an integer stays text, so the record contract dead-letters it with a reason.
        return int(value) if value.lstrip("-").isdigit() else value
    if kind in ("FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC"):
        try:
            return float(value)
        except ValueError:
            return value
    if kind in ("BOOLEAN", "BOOL"):
        return value == "true"
    return value


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


def dates_to_read(client: VendorClient, settings: Settings, window: ExtractWindow,
                  state: dict[str, Any] | None) -> list[dt.date]:
    """The window's export dates; incremental runs start `ga4_late_arrival_days` before the last loaded date."""
    start = window.start
    if state is not None and state.get("last_date"):
        reread = dt.date.fromisoformat(state["last_date"]) - dt.timedelta(days=settings.ga4_late_arrival_days)
        start = max(start, reread)
    return [d for d in export_dates(client, dataset_url(settings)) if start <= d < window.end]


def table_pages(client: VendorClient, settings: Settings, date: dt.date) -> Iterator[Page]:
    table = f"{dataset_url(settings)}/tables/events_{date:%Y%m%d}"
    fields = client.get_json(table)["schema"]["fields"]
    bodies = follow_cursor(
        lambda token: client.get_json(f"{table}/data", {"maxResults": PAGE_SIZE, **_token_param("pageToken", token)}),
        lambda body: body.get("pageToken"))
    for body in bodies:
        yield [decode_row(row, fields) for row in body.get("rows", [])]


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
    def by_export_date(spec: ResourceSpec, fetch: Any) -> Any:
        def pages() -> Iterator[Page]:
            # Partitioned runs read exactly their window and leave no state behind.
            state = None if window.partitioned else dlt.current.resource_state()
            dates = dates_to_read(client, settings, window, state)
            for date in dates:
                for page in fetch(client, settings, date):
                    yield landing.land(spec.name, date, page, spec.contract)
            if state is not None and dates:
                state["last_date"] = max(dates[-1], dt.date.fromisoformat(state.get("last_date") or
                                                                         dates[-1].isoformat())).isoformat()

        return resource(spec, pages)

    return [by_export_date(EVENTS, table_pages), by_export_date(REPORT_DAILY_SESSIONS, report_pages)]
