"""GA4, as BrightCart reads it: the BigQuery event export over BigQuery's REST API, and the Data API.

Export: `tables.list`, `tables.get` (schema) and `tabledata.list` on dataset `analytics_<property>`,
tables `events_YYYYMMDD` in the property timezone (America/New_York), rows in BigQuery's f/v wire
encoding (every scalar a string, RECORD `{"f": [...]}`, REPEATED `[{"v": ...}]`). A day's table
exists once the day has ended and keeps receiving late events (up to three days) afterwards; an
event is in its table once the clock has passed the event time plus its session's arrival delay.

Modelling choices, written once here:
- `ecommerce.transaction_id` is the Shopify `order_number` as a string ("1001"); Shopify's order
  `name` is "#1001". `purchase_revenue` is the order's `total_price` (shop currency, USD).
- Events of a session that crosses midnight go to each event's own date table.
- Events carry the real export's batch fields: `batch_page_id`/`batch_ordering_id` number the
  session's page loads, `batch_event_index` orders events within one page's batch.
- Internal sessions carry `traffic_type=internal`; the Data API applies the internal-traffic filter
  (those sessions are not in reports), the export keeps them, as GA4 does.
Rate limit assumption: BigQuery's 100 API requests per second per user; the Data API's own quota
(tokens, 10 concurrent requests) is reported in `propertyQuota`, not enforced.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import orjson

from brightcart_pipeline.simulator.catalog import PRODUCTS, SHOP_CURRENCY, SHOP_DOMAIN, Product
from brightcart_pipeline.simulator.commerce import order_money
from brightcart_pipeline.simulator.faults import Faulted, SchemaDrift
from brightcart_pipeline.simulator.people import mix, person
from brightcart_pipeline.simulator.server import RateLimit, Request, Response, Route, SimulatorContext
from brightcart_pipeline.simulator.truth_web import (
    GA4_TZ,
    PAGE_SECONDS,
    SOURCE_MEDIUM,
    SessionTraffic,
    first_channel,
    ga4_date,
    ga_session_number,
    session_traffic,
)
from brightcart_pipeline.simulator.vendors.common import has_bearer
from brightcart_pipeline.simulator.vendors.ga4_index import DayEvents, ExportTable, day_events
from brightcart_pipeline.simulator.world import US_PER_SECOND, Day

PROPERTY_ID = "314159265"
STREAM_ID = "4567890123"
DEFAULT_MAX_RESULTS = 100_000
REPORT_DEFAULT_LIMIT = 10_000
REPORT_MAX_LIMIT = 250_000
# tables.get's numBytes, from the row count: BigQuery reports its storage size, not the JSON's, so counting
# bytes never needs the rows rendered.
EXPORT_ROW_BYTES = 1_200
COUNTRY_NAMES = {"US": ("United States", "Americas", "Northern America", "New York"),
                 "IE": ("Ireland", "Europe", "Northern Europe", "County Dublin"),
                 "DE": ("Germany", "Europe", "Western Europe", "Berlin"),
                 "GB": ("United Kingdom", "Europe", "Northern Europe", "England")}
DIMENSIONS = ("date", "sessionDefaultChannelGroup", "sessionSource", "sessionMedium", "sessionCampaignName")
METRIC_TYPES = {"sessions": "TYPE_INTEGER", "totalUsers": "TYPE_INTEGER", "eventCount": "TYPE_INTEGER",
                "keyEvents": "TYPE_INTEGER", "conversions": "TYPE_INTEGER", "purchaseRevenue": "TYPE_CURRENCY"}
KEY_EVENTS = ("purchase", "generate_lead")
UNAUTHENTICATED = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                   "or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")


# -- the export schema (a subset of the real one, same names, types and nesting) --------------------
def _field(name: str, kind: str = "STRING", mode: str = "NULLABLE", fields: list[dict[str, Any]] | None = None,
           ) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "type": kind, "mode": mode}
    if fields is not None:
        out["fields"] = fields
    return out


_PARAM_VALUE = [_field("string_value"), _field("int_value", "INTEGER"), _field("float_value", "FLOAT"),
                _field("double_value", "FLOAT")]
EXPORT_SCHEMA: list[dict[str, Any]] = [
    _field("event_date"),
    _field("event_timestamp", "INTEGER"),
    _field("event_name"),
    _field("event_params", "RECORD", "REPEATED", [_field("key"), _field("value", "RECORD", fields=_PARAM_VALUE)]),
    _field("event_previous_timestamp", "INTEGER"),
    _field("event_value_in_usd", "FLOAT"),
    _field("event_bundle_sequence_id", "INTEGER"),
    _field("event_server_timestamp_offset", "INTEGER"),
    _field("user_id"),
    _field("user_pseudo_id"),
    _field("privacy_info", "RECORD", fields=[_field("analytics_storage"), _field("ads_storage"),
                                             _field("uses_transient_token")]),
    _field("user_properties", "RECORD", "REPEATED", [
        _field("key"), _field("value", "RECORD", fields=[*_PARAM_VALUE, _field("set_timestamp_micros", "INTEGER")])]),
    _field("user_first_touch_timestamp", "INTEGER"),
    _field("device", "RECORD", fields=[
        _field("category"), _field("mobile_brand_name"), _field("mobile_model_name"), _field("operating_system"),
        _field("operating_system_version"), _field("language"), _field("is_limited_ad_tracking"),
        _field("web_info", "RECORD", fields=[_field("browser"), _field("browser_version"), _field("hostname")])]),
    _field("geo", "RECORD", fields=[_field("city"), _field("country"), _field("continent"), _field("region"),
                                    _field("sub_continent"), _field("metro")]),
    _field("traffic_source", "RECORD", fields=[_field("name"), _field("medium"), _field("source")]),
    _field("stream_id"),
    _field("platform"),
    _field("ecommerce", "RECORD", fields=[
        _field("total_item_quantity", "INTEGER"), _field("purchase_revenue_in_usd", "FLOAT"),
        _field("purchase_revenue", "FLOAT"), _field("refund_value_in_usd", "FLOAT"), _field("refund_value", "FLOAT"),
        _field("shipping_value_in_usd", "FLOAT"), _field("shipping_value", "FLOAT"),
        _field("tax_value_in_usd", "FLOAT"), _field("tax_value", "FLOAT"), _field("unique_items", "INTEGER"),
        _field("transaction_id")]),
    _field("items", "RECORD", "REPEATED", [
        _field("item_id"), _field("item_name"), _field("item_brand"), _field("item_variant"),
        _field("item_category"), _field("price_in_usd", "FLOAT"), _field("price", "FLOAT"),
        _field("quantity", "INTEGER"), _field("item_revenue_in_usd", "FLOAT"), _field("item_revenue", "FLOAT"),
        _field("coupon"), _field("affiliation"), _field("item_list_name")]),
    _field("collected_traffic_source", "RECORD", fields=[
        _field("manual_campaign_id"), _field("manual_campaign_name"), _field("manual_source"),
        _field("manual_medium"), _field("manual_term"), _field("manual_content"), _field("gclid"),
        _field("dclid"), _field("srsltid")]),
    _field("is_active_user", "BOOLEAN"),
    _field("batch_event_index", "INTEGER"),
    _field("batch_page_id", "INTEGER"),
    _field("batch_ordering_id", "INTEGER"),
]


def _scalar(value: Any, field: dict[str, Any]) -> Any:
    if value is None:
        return None
    kind = field["type"]
    if kind == "RECORD":
        return {"f": [_cell(value.get(sub["name"]), sub) for sub in field["fields"]]}
    if isinstance(value, str):
        return value  # strings stay as they are, including malformed numbers (a fault)
    if kind == "BOOLEAN":
        return "true" if value else "false"
    if kind == "FLOAT":
        return repr(float(value))
    return str(value)


def _cell(value: Any, field: dict[str, Any]) -> dict[str, Any]:
    if field["mode"] == "REPEATED":
        return {"v": [{"v": _scalar(item, field)} for item in value or []]}
    return {"v": _scalar(value, field)}


def encode_row(row: dict[str, Any], schema: list[dict[str, Any]]) -> dict[str, Any]:
    """One export row in tabledata.list's f/v encoding."""
    return {"f": [_cell(row.get(field["name"]), field) for field in schema]}


def _param(key: str, value: str | int | float) -> dict[str, Any]:
    slot = "string_value" if isinstance(value, str) else "int_value" if isinstance(value, int) else "double_value"
    return {"key": key, "value": {"string_value": None, "int_value": None, "float_value": None,
                                  "double_value": None} | {slot: value}}


def _dollars(cents: int) -> float:
    return round(cents / 100, 2)


@dataclass(frozen=True)
class ExportEvent:
    """A rendered export row with what the Data API aggregates about it."""

    row: dict[str, Any]
    arrived_us: int
    session: tuple[str, int]  # (user_pseudo_id, ga_session_id)
    dims: tuple[str, str, str, str]  # channel group, source, medium, campaign
    internal: bool
    revenue: float


# A faulted table: its export order (table indices) and the positions in it that survive the faults, with theirs.
FaultedPositions = tuple[np.ndarray, list[Faulted[int]]]


@dataclass(frozen=True)
class _Session:
    """What all events of one session share, and its plan: (page, time, name, batch_event_index) per event."""

    day: Day
    row: int
    plan: tuple[tuple[int, int, str, int], ...]
    common: dict[str, Any]
    client: str
    session_id: int
    session_number: int
    traffic: SessionTraffic
    product: Product
    order: int | None


class TableRows:
    """A table's rows as served now (clock, fault plan), rendered only for the positions asked for."""

    def __init__(self, vendor: GA4Vendor, date: dt.date, table: tuple[list[dt.date], ExportTable],
                 schema: list[dict[str, Any]], faulted: FaultedPositions | None) -> None:
        self.vendor = vendor
        self.date = date
        self.sources, self.table = table
        self.schema = schema
        self.faulted = faulted  # None when the date has no data faults

    def __len__(self) -> int:
        return len(self.table) if self.faulted is None else len(self.faulted[1])

    @property
    def last_arrival_us(self) -> int:
        if self.faulted is None:
            return self.table.last_arrival_us
        order, faulted = self.faulted
        return max((int(self.table.arrived[order[f.item]]) for f in faulted), default=0)

    def events(self, start: int, stop: int) -> list[ExportEvent]:
        if self.faulted is None:
            return [self._render(int(i)) for i in self.table.order(start, stop)]
        order, faulted = self.faulted
        return [_replace_row(event, f.render(event.row, _malform))
                for f in faulted[start:stop] for event in [self._render(int(order[f.item]))]]

    def _render(self, index: int) -> ExportEvent:
        table = self.table
        session = self.vendor.session(self.sources[int(table.source[index])], int(table.row[index]))
        return self.vendor.event(session, int(table.plan_position[index]))


class GA4Vendor:
    NAME = "ga4"
    RATE_LIMIT = RateLimit(requests=100, seconds=1.0)

    def __init__(self, context: SimulatorContext) -> None:
        self.context = context
        # A full-scale table's index is ~1 GB and a day's events as much: keep a few, not every clock's.
        self._table = lru_cache(maxsize=8)(self._build_table)
        self._day_events = lru_cache(maxsize=4)(self._day_events_of)
        self._faulted = lru_cache(maxsize=8)(self._faulted_positions)
        self._order_rows = lru_cache(maxsize=8)(self._order_rows_of)
        # Sessions whose events are spread over the pages being read (a session lasts minutes).
        self.session = lru_cache(maxsize=1 << 16)(self._session)
        self._build_lock = threading.Lock()

    def routes(self) -> list[Route]:
        dataset = r"/bigquery/v2/projects/(?P<project>[^/]+)/datasets/(?P<dataset>[^/]+)"
        return [
            Route.of("GET", f"{dataset}/tables", self.list_tables),
            Route.of("GET", f"{dataset}/tables/(?P<table>[^/]+)", self.get_table),
            Route.of("GET", f"{dataset}/tables/(?P<table>[^/]+)/data", self.list_rows),
            Route.of("POST", r"/v1beta/properties/(?P<property_id>\d+):runReport", self.run_report),
        ]

    # -- auth, throttling, errors ---------------------------------------------------------------------
    def unauthorized(self, request: Request) -> Response | None:
        if has_bearer(request, "ga4_access_token"):
            return None
        return self._error(request, 401, "UNAUTHENTICATED", UNAUTHENTICATED, "authError", "Invalid Credentials")

    def throttled(self, request: Request) -> Response:
        if self._is_bigquery(request):
            message = ("Exceeded rate limits: too many api requests per user per method for this user_method. "
                       "For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas")
        else:
            message = "Exhausted concurrent requests quota."
        return self._error(request, 429, "RESOURCE_EXHAUSTED", message, "rateLimitExceeded")

    def server_error(self, request: Request, status: int) -> Response:
        if status == 503:
            return self._error(request, status, "UNAVAILABLE", "The service is currently unavailable.",
                               "backendError")
        return self._error(request, status, "INTERNAL", "Internal error encountered.", "backendError")

    @staticmethod
    def _is_bigquery(request: Request) -> bool:
        return request.path.startswith("/bigquery/")

    def _error(self, request: Request, code: int, status: str, message: str, reason: str,
               detail: str | None = None) -> Response:
        """Google's JSON error envelope; BigQuery adds its `errors` list with domain and reason."""
        error: dict[str, Any] = {"code": code, "message": message}
        if self._is_bigquery(request):
            domain = "usageLimits" if code == 429 else "global"
            error["errors"] = [{"message": detail or message, "domain": domain, "reason": reason}]
        error["status"] = status
        return Response.json({"error": error}, code)

    def _not_found(self, request: Request, what: str) -> Response:
        return self._error(request, 404, "NOT_FOUND", f"Not found: {what}", "notFound")

    # -- tables -------------------------------------------------------------------------------------
    def _dataset_ok(self, dataset: str) -> bool:
        return dataset == f"analytics_{PROPERTY_ID}"

    def _exported_dates(self) -> list[dt.date]:
        """Days whose daily table exists: the export runs once the property's day is over."""
        as_of = self.context.as_of_us
        dates = []
        config = self.context.world.config
        # The day before `start` too: its evening already holds visits from Meta clicks on Dublin's first day.
        for date in [config.first_utc_day, *config.dates]:
            day_end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=GA4_TZ)
            if int(day_end.timestamp()) * US_PER_SECOND <= as_of:
                dates.append(date)
        return dates

    def _table_date(self, table: str) -> dt.date | None:
        if not table.startswith("events_") or not table[7:].isdigit() or len(table) != 15:
            return None
        try:
            date = dt.datetime.strptime(table[7:], "%Y%m%d").date()
        except ValueError:
            return None
        return date if date in self._exported_dates() else None

    def list_tables(self, request: Request, project: str, dataset: str) -> Response:
        if not self._dataset_ok(dataset):
            return self._not_found(request, f"Dataset {project}:{dataset}")
        tables = [{
            "kind": "bigquery#table",
            "id": f"{project}:{dataset}.events_{d:%Y%m%d}",
            "tableReference": {"projectId": project, "datasetId": dataset, "tableId": f"events_{d:%Y%m%d}"},
            "type": "TABLE",
            "creationTime": str(_ms(dt.datetime.combine(d + dt.timedelta(days=1), dt.time(4), tzinfo=GA4_TZ))),
        } for d in self._exported_dates()]
        offset = _decode_token(request.param("pageToken"))
        limit = int(request.param("maxResults") or 1000)
        body: dict[str, Any] = {"kind": "bigquery#tableList", "etag": _etag(tables[offset:offset + limit]),
                                "tables": tables[offset:offset + limit], "totalItems": len(tables)}
        if offset + limit < len(tables):
            body["nextPageToken"] = _encode_token(offset + limit)
        return Response.json(body)

    def get_table(self, request: Request, project: str, dataset: str, table: str) -> Response:
        date = self._table_date(table) if self._dataset_ok(dataset) else None
        if date is None:
            return self._not_found(request, f"Table {project}:{dataset}.{table}")
        rows = self._rows(date)
        modified = rows.last_arrival_us // 1000
        return Response.json({
            "kind": "bigquery#table", "etag": _etag([rows.schema, len(rows), modified]),
            "id": f"{project}:{dataset}.{table}",
            "selfLink": f"{request.base_url}/bigquery/v2/projects/{project}/datasets/{dataset}/tables/{table}",
            "tableReference": {"projectId": project, "datasetId": dataset, "tableId": table},
            "schema": {"fields": rows.schema}, "numRows": str(len(rows)),
            "numBytes": str(len(rows) * EXPORT_ROW_BYTES),
            "creationTime": str(_ms(dt.datetime.combine(date + dt.timedelta(days=1), dt.time(4), tzinfo=GA4_TZ))),
            "lastModifiedTime": str(modified), "type": "TABLE", "location": "US",
        })

    def list_rows(self, request: Request, project: str, dataset: str, table: str) -> Response:
        date = self._table_date(table) if self._dataset_ok(dataset) else None
        if date is None:
            return self._not_found(request, f"Table {project}:{dataset}.{table}")
        table_rows = self._rows(date)
        token = request.param("pageToken")
        offset = _decode_token(token) if token else int(request.param("startIndex") or 0)
        limit = min(int(request.param("maxResults") or DEFAULT_MAX_RESULTS), DEFAULT_MAX_RESULTS)
        rows = [encode_row(e.row, table_rows.schema) for e in table_rows.events(offset, offset + limit)]
        body: dict[str, Any] = {"kind": "bigquery#tableDataList", "etag": _etag(rows),
                                "totalRows": str(len(table_rows))}
        if offset + limit < len(table_rows):
            body["pageToken"] = _encode_token(offset + limit)
        body["rows"] = rows
        return Response.json(body)

    # -- events -------------------------------------------------------------------------------------
    def _rows(self, date: dt.date) -> TableRows:
        """The table as the clock and the fault plan have it now."""
        schema = copy.deepcopy(EXPORT_SCHEMA)
        for fault in self.context.faults.data_faults(self.NAME, "events", date):
            if fault.kind == "schema_drift":
                _drift_schema(schema, fault.drift)
        as_of = self.context.as_of_us
        return TableRows(self, date, self._table(date, as_of), schema,
                         self._faulted(date, as_of, id(self.context.faults.plan)))

    def _build_table(self, date: dt.date, as_of_us: int) -> tuple[list[dt.date], ExportTable]:
        """Which events the table holds as of the clock, and their order; nothing rendered."""
        world = self.context.world
        # Neighbouring world days too: midnight-crossing sessions, and Meta clicks follow Dublin's day.
        sources = [d for d in (date - dt.timedelta(days=1), date, date + dt.timedelta(days=1))
                   if world.config.start <= d < world.config.end]
        low = int(dt.datetime.combine(date, dt.time(), tzinfo=GA4_TZ).timestamp()) * US_PER_SECOND
        high = int(dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=GA4_TZ).timestamp()) \
            * US_PER_SECOND
        with self._build_lock:  # one build at a time: a retrying client must not start a second one
            return sources, ExportTable([self._day_events(d) for d in sources], low, high, as_of_us)

    def _day_events_of(self, date: dt.date) -> DayEvents:
        return day_events(self.context.world.day(date))

    def _faulted_positions(self, date: dt.date, as_of_us: int, plan_id: int) -> FaultedPositions | None:
        """With data faults on the date, the table's positions after them (`faults.faulted` on the whole
        result, as every vendor applies them); None without, so paging stays lazy. `plan_id` keys the
        cache: a new plan gets its own result."""
        if not self.context.faults.data_faults(self.NAME, "events", date):
            return None
        _, table = self._table(date, as_of_us)
        order = table.order(0, len(table))
        clients = table.client_order[order]
        return order, self.context.faults.faulted(self.NAME, "events", range(len(table)), day_of=lambda _: date,
                                                  deletion_unit=lambda position: int(clients[position]))

    def _session(self, date: dt.date, row: int) -> _Session:
        """What every event of one session shares, and its event plan."""
        day = self.context.world.day(date)
        s = day.sessions
        assert s is not None
        world = self.context.world
        p = person(int(s.person_id[row]))
        device = int(s.device[row])
        client = p.client_id(device)
        start = int(s.start_ts[row])
        pages = int(s.pageviews[row])
        end = start + pages * PAGE_SECONDS * US_PER_SECOND
        traffic = session_traffic(day, row)
        logged_in = bool(s.logged_in[row]) and p.has_account

        # (page, time, name): the page load whose batch carries the event.
        plan: list[tuple[int, int, str]] = [(0, start, "session_start"), (0, start, "page_view")]
        if logged_in:
            plan.append((0, start + US_PER_SECOND, "login"))
        for k in range(1, pages):
            plan.append((k, start + k * PAGE_SECONDS * US_PER_SECOND, "page_view"))
        if pages >= 2:
            plan.append((1, start + PAGE_SECONDS * US_PER_SECOND, "view_item"))
        if s.is_cart[row]:
            plan.append((2, start + 2 * PAGE_SECONDS * US_PER_SECOND, "add_to_cart"))
        if s.is_order[row]:
            plan.append((pages - 1, end - 30 * US_PER_SECOND, "begin_checkout"))
            plan.append((pages, end, "purchase"))
        if s.is_lead[row]:
            plan.append((pages, end, "generate_lead"))
        plan.sort(key=lambda item: item[0])  # stable: keeps the order within a page
        index_in_page: dict[int, int] = defaultdict(int)
        batched = []
        for page, ts, name in plan:
            batched.append((page, ts, name, index_in_page[page]))
            index_in_page[page] += 1

        first_channel_name, first_campaign = first_channel(world, p.pid, start)
        first = _first_touch(first_channel_name, first_campaign)
        country, continent, sub_continent, region = COUNTRY_NAMES[p.country]
        mobile = device == 1
        common: dict[str, Any] = {
            "event_previous_timestamp": None, "user_id": str(p.shopify_customer_id) if logged_in else None,
            "user_pseudo_id": client,
            "privacy_info": {"analytics_storage": "Yes", "ads_storage": "Yes", "uses_transient_token": "No"},
            "user_properties": [],
            "user_first_touch_timestamp": int(client.split(".")[1]) * US_PER_SECOND,
            "device": {"category": "mobile" if mobile else "desktop",
                       "mobile_brand_name": "Apple" if mobile else None,
                       "mobile_model_name": "iPhone" if mobile else None,
                       "operating_system": "iOS" if mobile else "Windows",
                       "operating_system_version": "iOS 18.0" if mobile else "Windows 11",
                       "language": "en-us", "is_limited_ad_tracking": "No",
                       "web_info": {"browser": "Safari" if mobile else "Chrome",
                                    "browser_version": "18.0" if mobile else "129.0.0.0", "hostname": SHOP_DOMAIN}},
            "geo": {"city": p.city, "country": country, "continent": continent, "region": region,
                    "sub_continent": sub_continent, "metro": "(not set)"},
            "traffic_source": first, "stream_id": STREAM_ID, "platform": "WEB", "is_active_user": True,
        }
        return _Session(
            day=day, row=row, plan=tuple(batched), common=common, client=client, session_id=start // US_PER_SECOND,
            session_number=ga_session_number(world, p.pid, device, start), traffic=traffic,
            product=PRODUCTS[int(mix(int(s.session_key[row]), 31) % np.uint64(len(PRODUCTS)))],
            order=self._order_rows(date).get(row) if s.is_order[row] else None)

    def _order_rows_of(self, date: dt.date) -> dict[int, int]:
        """Session row → order row, for the day's orders placed in a session."""
        orders = self.context.world.day(date).orders
        assert orders is not None
        return {int(session): i for i, session in enumerate(orders.session_row.tolist()) if session >= 0}

    def event(self, session: _Session, index: int) -> ExportEvent:
        """The session's `index`-th planned event, rendered."""
        day, row = session.day, session.row
        s = day.sessions
        assert s is not None
        page, ts, name, batch_index = session.plan[index]
        pages = int(s.pageviews[row])
        traffic, product, session_id = session.traffic, session.product, session.session_id
        location = _page_location(traffic, page, pages, name, product.sku, bool(s.is_cart[row]))
        params = [_param("ga_session_id", session_id), _param("ga_session_number", session.session_number),
                  _param("page_location", location), _param("page_title", _page_title(location, product.title)),
                  _param("engaged_session_event", 1)]
        if page == 0 and traffic.referrer:
            params.append(_param("page_referrer", traffic.referrer))
        if s.internal[row]:
            params.append(_param("traffic_type", "internal"))
        ecommerce, items, revenue = None, [], 0.0
        if name in ("view_item", "add_to_cart"):
            items = [_item(product.sku, product.title, product.price_cents, 1)]
            params += [_param("currency", SHOP_CURRENCY), _param("value", _dollars(product.price_cents))]
        if name in ("begin_checkout", "purchase") and session.order is not None:
            orders = day.orders
            assert orders is not None
            m = order_money(orders, session.order)
            items = [_item(PRODUCTS[li.product_index].sku, PRODUCTS[li.product_index].title, li.price_cents,
                           li.quantity) for li in m.lines]
            params += [_param("currency", SHOP_CURRENCY), _param("value", _dollars(m.total_cents))]
            if name == "purchase":
                revenue = _dollars(m.total_cents)
                transaction_id = str(int(orders.order_number[session.order]))
                params.append(_param("transaction_id", transaction_id))
                ecommerce = {
                    "total_item_quantity": sum(li.quantity for li in m.lines),
                    "purchase_revenue_in_usd": revenue, "purchase_revenue": revenue,
                    "refund_value_in_usd": None, "refund_value": None,
                    "shipping_value_in_usd": _dollars(m.shipping_cents),
                    "shipping_value": _dollars(m.shipping_cents),
                    "tax_value_in_usd": _dollars(m.tax_cents), "tax_value": _dollars(m.tax_cents),
                    "unique_items": len(m.lines), "transaction_id": transaction_id}
        batch = page + 1
        row_out = {
            "event_date": ga4_date(ts), "event_timestamp": ts, "event_name": name, "event_params": params,
            "event_value_in_usd": revenue or None, "event_bundle_sequence_id": session_id * 100 + batch,
            "event_server_timestamp_offset": ts % 900 + 100,
            **session.common, "ecommerce": ecommerce, "items": items,
            "collected_traffic_source": _collected(traffic) if page == 0 else None,
            "batch_event_index": batch_index, "batch_page_id": batch, "batch_ordering_id": batch,
        }
        dims = (traffic.channel_group, traffic.source, traffic.medium, traffic.campaign)
        return ExportEvent(row_out, ts + int(s.arrival_delay[row]), (session.client, session_id), dims,
                           bool(s.internal[row]), revenue)

    # -- Data API -----------------------------------------------------------------------------------
    def run_report(self, request: Request, property_id: str) -> Response:
        if property_id != PROPERTY_ID:
            return self._error(request, 403, "PERMISSION_DENIED",
                               "User does not have sufficient permissions for this property.", "forbidden")
        body = request.json()
        dimensions = [d["name"] for d in body.get("dimensions", [])]
        metrics = [m["name"] for m in body.get("metrics", [])]
        for name in dimensions:
            if name not in DIMENSIONS:
                return self._invalid(request, f"Field {name} is not a valid dimension.")
        for name in metrics:
            if name not in METRIC_TYPES:
                return self._invalid(request, f"Field {name} is not a valid metric.")
        ranges = body.get("dateRanges") or []
        if not ranges:
            return self._invalid(request, "dateRanges must be specified.")
        limit = int(body.get("limit") or REPORT_DEFAULT_LIMIT)
        offset = int(body.get("offset") or 0)
        if not 0 < limit <= REPORT_MAX_LIMIT:
            return self._invalid(request, f"limit must be positive and at most {REPORT_MAX_LIMIT}.")
        groups: dict[tuple[str, ...], dict[str, Any]] = {}
        for date in _dates_in(ranges):
            # Reports never see export faults.
            table = TableRows(self, date, self._table(date, self.context.as_of_us), EXPORT_SCHEMA, None)
            for event in table.events(0, len(table)):
                if event.internal:
                    continue
                values = {"date": f"{date:%Y%m%d}", "sessionDefaultChannelGroup": event.dims[0],
                          "sessionSource": event.dims[1], "sessionMedium": event.dims[2],
                          "sessionCampaignName": event.dims[3]}
                key = tuple(values[d] for d in dimensions)
                group = groups.setdefault(key, {"sessions": set(), "users": set(), "events": 0, "key": 0,
                                                "revenue": 0.0})
                group["sessions"].add(event.session)
                group["users"].add(event.session[0])
                group["events"] += 1
                group["key"] += event.row["event_name"] in KEY_EVENTS
                group["revenue"] += event.revenue
        rows = []
        for key in sorted(groups):
            g = groups[key]
            value = {"sessions": len(g["sessions"]), "totalUsers": len(g["users"]), "eventCount": g["events"],
                     "keyEvents": g["key"], "conversions": g["key"], "purchaseRevenue": round(g["revenue"], 2)}
            rows.append({"dimensionValues": [{"value": v} for v in key],
                         "metricValues": [{"value": _metric_text(value[m])} for m in metrics]})
        out: dict[str, Any] = {
            "dimensionHeaders": [{"name": d} for d in dimensions],
            "metricHeaders": [{"name": m, "type": METRIC_TYPES[m]} for m in metrics],
        }
        if rows[offset:offset + limit]:
            out["rows"] = rows[offset:offset + limit]
        out.update({"rowCount": len(rows), "metadata": {"currencyCode": SHOP_CURRENCY,
                                                        "timeZone": str(GA4_TZ)},
                    "kind": "analyticsData#runReport"})
        if body.get("returnPropertyQuota"):
            cost = 1 + len(rows) // 100  # a token cost that grows with the report, the same every time
            out["propertyQuota"] = {
                "tokensPerDay": {"consumed": cost, "remaining": 200_000 - cost},
                "tokensPerHour": {"consumed": cost, "remaining": 40_000 - cost},
                "concurrentRequests": {"consumed": 0, "remaining": 10},
                "serverErrorsPerProjectPerHour": {"consumed": 0, "remaining": 10},
                "potentiallyThresholdedRequestsPerHour": {"consumed": 0, "remaining": 120},
                "tokensPerProjectPerHour": {"consumed": cost, "remaining": 14_000 - cost},
            }
        return Response.json(out)

    def _invalid(self, request: Request, message: str) -> Response:
        return self._error(request, 400, "INVALID_ARGUMENT", message, "invalid")


def _malform(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"event_timestamp": "N/A"}


def _drift_schema(schema: list[dict[str, Any]], drift: SchemaDrift) -> None:
    """The table schema after `drift` (the rows are drifted by `faults.drift_record`): dotted paths into RECORDs."""
    def parent_fields(path: str) -> tuple[list[dict[str, Any]] | None, str]:
        *parents, leaf = path.split(".")
        fields: list[dict[str, Any]] | None = schema
        for part in parents:
            found = next((f for f in fields or [] if f["name"] == part and "fields" in f), None)
            fields = found["fields"] if found else None
        return fields, leaf

    for old, new in drift.rename.items():
        fields, leaf = parent_fields(old)
        for field in fields or []:
            if field["name"] == leaf:
                field["name"] = new.split(".")[-1]
    for path in drift.retype:
        fields, leaf = parent_fields(path)
        for field in fields or []:
            if field["name"] == leaf and field["type"] in ("INTEGER", "FLOAT"):
                field["type"] = "STRING"
    if drift.add:
        fields, leaf = parent_fields(drift.add)
        if fields is not None:
            fields.append(_field(leaf))


def _replace_row(event: ExportEvent, row: dict[str, Any]) -> ExportEvent:
    return ExportEvent(row, event.arrived_us, event.session, event.dims, event.internal, event.revenue)


def _first_touch(channel: str, campaign: str | None) -> dict[str, str]:
    """The user-scoped `traffic_source` record (first acquisition), as the export names it."""
    source, medium = SOURCE_MEDIUM[channel]
    default = {"organic_search": "(organic)", "direct": "(direct)"}.get(channel, "(referral)")
    return {"name": campaign if campaign and channel not in ("organic_search", "direct") else default,
            "medium": medium, "source": source}


def _collected(traffic: SessionTraffic) -> dict[str, Any] | None:
    if not traffic.tagged:
        return None
    return {"manual_campaign_id": None, "manual_campaign_name": traffic.campaign, "manual_source": traffic.source,
            "manual_medium": traffic.medium, "manual_term": None, "manual_content": traffic.content,
            "gclid": traffic.click_id if traffic.click_param == "gclid" else None, "dclid": None, "srsltid": None}


def _page_location(traffic: SessionTraffic, page: int, pages: int, name: str, sku: str, cart: bool) -> str:
    base = f"https://{SHOP_DOMAIN}"
    if page == 0:
        return traffic.landing_url()
    if name == "generate_lead":
        return f"{base}/pages/newsletter-thanks"
    if page >= pages:
        return f"{base}/checkouts/thank-you"
    if name == "begin_checkout" or (page == pages - 1 and name == "page_view" and cart and pages > 3):
        return f"{base}/checkouts"
    if cart and page == 2:
        return f"{base}/cart"
    return f"{base}/products/{sku.lower()}"


def _page_title(location: str, product_title: str) -> str:
    path = location.split(SHOP_DOMAIN, 1)[1].split("?", 1)[0].strip("/")
    if not path:
        return "BrightCart"
    name = product_title if path.startswith("products/") else path.split("/")[-1].replace("-", " ").title()
    return f"{name} | BrightCart"


def _item(sku: str, title: str, price_cents: int, quantity: int) -> dict[str, Any]:
    price = _dollars(price_cents)
    return {"item_id": sku, "item_name": title, "item_brand": "BrightCart", "item_variant": None,
            "item_category": "Home & Living", "price_in_usd": price, "price": price, "quantity": quantity,
            "item_revenue_in_usd": None, "item_revenue": None, "coupon": None, "affiliation": None,
            "item_list_name": None}


def _metric_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def _dates_in(ranges: list[dict[str, str]]) -> list[dt.date]:
    dates: set[dt.date] = set()
    for r in ranges:
        start, end = dt.date.fromisoformat(r["startDate"]), dt.date.fromisoformat(r["endDate"])
        dates.update(start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return sorted(dates)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    return int(base64.urlsafe_b64decode(token.encode()).decode().split(":", 1)[1])


def _etag(payload: Any) -> str:
    return base64.b64encode(hashlib.md5(orjson.dumps(payload)).digest()).decode()


def build(context: SimulatorContext) -> GA4Vendor:
    return GA4Vendor(context)

