"""Google Ads API (REST, v18): `googleAds:search` and `googleAds:searchStream` with a small GAQL engine.

Rows are built as flat maps of GAQL field names (`campaign.id`, `metrics.cost_micros`), filtered by
the WHERE clause and projected into the REST shape: camelCase, nested per resource, a `resourceName`
on every object, int64 values as JSON strings. Pages hold 10,000 rows (the API's fixed size since
v17); page tokens pin the query. Metrics come from `truth_ads.reported_metrics`, so recent days are
preliminary until restated; Performance Max spend exists only at campaign level.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from brightcart_pipeline.simulator.catalog import (
    AD_GROUPS,
    ADS,
    CAMPAIGN_BY_ID,
    CAMPAIGNS,
    GOOGLE_ACCOUNT,
    SHOP_DOMAIN,
    Ad,
    AdGroup,
    Campaign,
)
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.server import RateLimit, Request, Response, Route, SimulatorContext
from brightcart_pipeline.simulator.truth_ads import AdMetricsRow, reported_metrics
from brightcart_pipeline.simulator.truth_web import utm_query
from brightcart_pipeline.simulator.vendors.common import has_bearer

PAGE_SIZE = 10_000
CUSTOMER_ID = GOOGLE_ACCOUNT.account_id
CLICK_VIEW_MAX_AGE_DAYS = 90
RETRY_DELAY = "1s"  # short on purpose: the shared client waits at least this long
INT64_FIELDS = frozenset({"metrics.impressions", "metrics.clicks", "metrics.cost_micros", "click_view.page_number"})
METRIC_FIELDS = ("metrics.impressions", "metrics.clicks", "metrics.cost_micros", "metrics.conversions",
                 "metrics.conversions_value")
AD_TYPE = {"SEARCH": ("RESPONSIVE_SEARCH_AD", "responsive_search_ad"),
           "SHOPPING": ("SHOPPING_PRODUCT_AD", None),
           "VIDEO": ("VIDEO_RESPONSIVE_AD", "video_responsive_ad")}
AD_GROUP_TYPE = {"SEARCH": "SEARCH_STANDARD", "SHOPPING": "SHOPPING_PRODUCT_ADS", "VIDEO": "VIDEO_RESPONSIVE"}
NETWORK = {"SEARCH": "SEARCH", "SHOPPING": "SEARCH", "VIDEO": "YOUTUBE", "PERFORMANCE_MAX": "MIXED"}
DEVICES = ("MOBILE", "DESKTOP", "TABLET")

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+(?P<resource>[a-z_]+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?(?:\s+PARAMETERS\s+(?P<parameters>.+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"\s*(?P<field>[a-z_]+(?:\.[a-z_]+)+)\s+(?:"
    r"(?P<between>BETWEEN)\s+(?P<low>'[^']*'|\"[^\"]*\")\s+AND\s+(?P<high>'[^']*'|\"[^\"]*\")"
    r"|(?P<op>!=|>=|<=|=|>|<|NOT\s+IN|IN)\s*(?P<value>\([^)]*\)|'[^']*'|\"[^\"]*\"|[\w.-]+))"
    r"\s*(?:AND\s+|$)",
    re.IGNORECASE,
)
_FIELD = re.compile(r"^[a-z_]+(?:\.[a-z_]+)+$")


class GaqlError(Exception):
    """A query the API rejects: becomes a GoogleAdsFailure with this error code."""

    def __init__(self, code_type: str, code: str, message: str) -> None:
        super().__init__(message)
        self.code_type, self.code, self.message = code_type, code, message


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # "=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN", "BETWEEN"
    values: tuple[str, ...]

    def holds(self, value: Any) -> bool:
        text = "" if value is None else str(value)
        if self.op == "BETWEEN":
            return self.values[0] <= text <= self.values[1]
        if self.op in ("IN", "NOT IN"):
            return (text in self.values) == (self.op == "IN")
        wanted = self.values[0]
        return {"=": text == wanted, "!=": text != wanted, ">": text > wanted, ">=": text >= wanted,
                "<": text < wanted, "<=": text <= wanted}[self.op]


@dataclass(frozen=True)
class Query:
    text: str
    fields: tuple[str, ...]
    resource: str
    conditions: tuple[Condition, ...]
    limit: int | None

    @property
    def selects_metrics(self) -> bool:
        return any(f.startswith(("metrics.", "segments.")) for f in self.fields)

    def date_range(self) -> tuple[str | None, str | None]:
        """The tightest [low, high] the WHERE clause puts on segments.date."""
        low: str | None = None
        high: str | None = None
        for c in self.conditions:
            if c.field != "segments.date":
                continue
            if c.op in ("=", "BETWEEN"):
                low = max(low or c.values[0], c.values[0])
                high = min(high or c.values[-1], c.values[-1])
            elif c.op in (">", ">="):
                low = max(low or c.values[0], c.values[0])
            elif c.op in ("<", "<="):
                high = min(high or c.values[0], c.values[0])
        return low, high


def _unquote(token: str) -> str:
    token = token.strip()
    return token[1:-1] if token[:1] in ("'", '"') and token[-1:] == token[:1] else token


def parse_gaql(text: str) -> Query:
    match = _QUERY.match(text)
    if not match:
        raise GaqlError("queryError", "UNEXPECTED_INPUT", f"Error in query: unexpected input {text[:60]!r}.")
    fields = tuple(f.strip() for f in match["select"].split(","))
    for name in fields:
        if not _FIELD.match(name):
            raise GaqlError("queryError", "UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.")
    conditions: list[Condition] = []
    where = match["where"] or ""
    position = 0
    while position < len(where):
        part = _CONDITION.match(where, position)
        if not part or part.end() == position:
            raise GaqlError("queryError", "UNEXPECTED_INPUT",
                            f"Error in query: unexpected input {where[position:position + 40]!r}.")
        position = part.end()
        if part["between"]:
            conditions.append(Condition(part["field"], "BETWEEN", (_unquote(part["low"]), _unquote(part["high"]))))
        else:
            op = " ".join(part["op"].upper().split())
            raw = part["value"]
            values = (tuple(_unquote(v) for v in raw.strip("()").split(",")) if raw.startswith("(")
                      else (_unquote(raw),))
            conditions.append(Condition(part["field"], op, values))
    return Query(text, fields, match["resource"], tuple(conditions),
                 int(match["limit"]) if match["limit"] else None)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def project(row: dict[str, Any], fields: Iterable[str], resource: str) -> dict[str, Any]:
    """A flat GAQL row → the REST result: nested camelCase objects, resourceName on each object."""
    out: dict[str, Any] = {}
    objects = {resource} | {f.split(".")[0] for f in fields if not f.startswith(("metrics.", "segments."))}
    for name in (*(f"{o}.resource_name" for o in sorted(objects)), *fields):
        value = row.get(name)
        if value is None:
            continue
        if name in INT64_FIELDS:
            value = str(value)
        *parents, leaf = (camel(part) for part in name.split("."))
        node = out
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return out


# -- the account, as GAQL fields --------------------------------------------------------------------
def _rn(kind: str, *ids: str) -> str:
    return f"customers/{CUSTOMER_ID}/{kind}/{'~'.join(ids)}"


def customer_fields() -> dict[str, Any]:
    return {"customer.resource_name": f"customers/{CUSTOMER_ID}", "customer.id": CUSTOMER_ID,
            "customer.descriptive_name": GOOGLE_ACCOUNT.name, "customer.currency_code": GOOGLE_ACCOUNT.currency,
            "customer.time_zone": GOOGLE_ACCOUNT.timezone}


def campaign_fields(c: Campaign) -> dict[str, Any]:
    return {"campaign.resource_name": _rn("campaigns", c.campaign_id), "campaign.id": c.campaign_id,
            "campaign.name": c.name, "campaign.status": "ENABLED",
            "campaign.advertising_channel_type": c.channel_type,
            "campaign.bidding_strategy_type": "MAXIMIZE_CONVERSION_VALUE",
            "campaign.campaign_budget": _rn("campaignBudgets", c.campaign_id),
            "campaign.start_date": "2026-09-01", "campaign.end_date": "2037-12-30",
            "campaign.final_url_suffix": utm_query("google_paid", c.utm_campaign)}


def ad_group_fields(g: AdGroup | None) -> dict[str, Any]:
    if g is None:  # Performance Max has asset groups, not ad groups
        return dict.fromkeys(("ad_group.resource_name", "ad_group.id", "ad_group.name", "ad_group.status",
                              "ad_group.type", "ad_group.campaign"))
    channel = CAMPAIGN_BY_ID[g.campaign_id].channel_type
    return {"ad_group.resource_name": _rn("adGroups", g.ad_group_id), "ad_group.id": g.ad_group_id,
            "ad_group.name": g.name, "ad_group.status": "ENABLED", "ad_group.type": AD_GROUP_TYPE[channel],
            "ad_group.campaign": _rn("campaigns", g.campaign_id)}


def landing_url(ad: Ad) -> str:
    campaign = CAMPAIGN_BY_ID[ad.campaign_id]
    return f"https://{SHOP_DOMAIN}/?{utm_query('google_paid', campaign.utm_campaign, ad.utm_content)}"


def ad_group_ad_fields(ad: Ad | None) -> dict[str, Any]:
    keys = ("ad_group_ad.resource_name", "ad_group_ad.status", "ad_group_ad.ad_group", "ad_group_ad.ad.resource_name",
            "ad_group_ad.ad.id", "ad_group_ad.ad.name", "ad_group_ad.ad.type", "ad_group_ad.ad.final_urls",
            "ad_group_ad.ad.responsive_search_ad.headlines", "ad_group_ad.ad.video_responsive_ad.headlines")
    fields: dict[str, Any] = dict.fromkeys(keys)
    if ad is None:
        return fields
    ad_type, text_field = AD_TYPE[CAMPAIGN_BY_ID[ad.campaign_id].channel_type]
    fields.update({
        "ad_group_ad.resource_name": _rn("adGroupAds", ad.ad_group_id, ad.ad_id), "ad_group_ad.status": "ENABLED",
        "ad_group_ad.ad_group": _rn("adGroups", ad.ad_group_id), "ad_group_ad.ad.resource_name": _rn("ads", ad.ad_id),
        "ad_group_ad.ad.id": ad.ad_id, "ad_group_ad.ad.name": ad.name, "ad_group_ad.ad.type": ad_type,
        "ad_group_ad.ad.final_urls": [landing_url(ad)],
    })
    if text_field:
        fields[f"ad_group_ad.ad.{text_field}.headlines"] = [{"text": ad.headline}, {"text": "BrightCart"}]
    return fields


def metric_fields(rows: list[AdMetricsRow]) -> dict[str, Any]:
    """Summed metrics; conversions are doubles in the API, everything else int64."""
    conversions = round(sum(r.conversions for r in rows), 2)
    return {"metrics.impressions": sum(r.impressions for r in rows), "metrics.clicks": sum(r.clicks for r in rows),
            "metrics.cost_micros": sum(r.cost_micros for r in rows), "metrics.conversions": conversions,
            "metrics.conversions_value": round(sum(r.conversions_value_micros for r in rows) / 1e6, 2)}


GOOGLE_CAMPAIGNS = tuple(c for c in CAMPAIGNS if c.platform == "google_ads")
GOOGLE_AD_GROUPS = tuple(g for g in AD_GROUPS if g.platform == "google_ads"
                         and CAMPAIGN_BY_ID[g.campaign_id].has_ad_level_metrics)
GOOGLE_ADS = tuple(a for a in ADS if a.platform == "google_ads")
AD_GROUP_BY_ID = {g.ad_group_id: g for g in GOOGLE_AD_GROUPS}
AD_BY_ID = {a.ad_id: a for a in GOOGLE_ADS}
SEGMENT_FIELDS = ("segments.date", "segments.device", "segments.click_type", "segments.ad_network_type")


def _entity_fields(campaign_id: str, ad_group_id: str = "", ad_id: str = "") -> dict[str, Any]:
    return (customer_fields() | campaign_fields(CAMPAIGN_BY_ID[campaign_id])
            | ad_group_fields(AD_GROUP_BY_ID.get(ad_group_id)) | ad_group_ad_fields(AD_BY_ID.get(ad_id)))


def known_fields(resource: str) -> frozenset[str]:
    """Fields selectable FROM `resource`: its own, the resources it belongs to, metrics and segments."""
    own = {"campaign": ("customer", "campaign"), "ad_group": ("customer", "campaign", "ad_group"),
           "ad_group_ad": ("customer", "campaign", "ad_group", "ad_group_ad")}
    if resource == "click_view":
        sample = set(_entity_fields("20101", "2010101")) - set(ad_group_ad_fields(None))
        return frozenset(sample | set(_click_fields_template()) | set(SEGMENT_FIELDS))
    if resource not in own:
        raise GaqlError("queryError", "INVALID_RESOURCE_NAME", f"Unknown resource in the FROM clause: '{resource}'.")
    sample = _entity_fields("20101", "2010101", "201010101")
    return frozenset({f for f in sample if f.split(".")[0] in own[resource]} | set(METRIC_FIELDS)
                     | {"segments.date"})


def _click_fields_template() -> dict[str, Any]:
    return dict.fromkeys(("click_view.resource_name", "click_view.gclid", "click_view.ad_group_ad",
                          "click_view.page_number"))


class GoogleAdsVendor:
    NAME = "google_ads"
    # Assumption: Google documents no fixed per-customer QPS; 100 requests per 10 s is the budget we model.
    RATE_LIMIT = RateLimit(requests=100, seconds=10.0)

    def __init__(self, context: SimulatorContext) -> None:
        self.context = context
        self.page_size = PAGE_SIZE  # fixed by the API; tests lower it to exercise paging

    def routes(self) -> list[Route]:
        base = r"/v(?P<version>\d+)/customers/(?P<customer_id>\d+)/googleAds"
        return [Route.of("POST", f"{base}:search", self.search),
                Route.of("POST", f"{base}:searchStream", self.search_stream)]

    # -- protocol ---------------------------------------------------------------------------------
    def unauthorized(self, request: Request) -> Response | None:
        if not has_bearer(request, "google_ads_access_token"):
            return self._failure(request, 401, "UNAUTHENTICATED",
                                 "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                                 "login cookie or other valid authentication credential.",
                                 [("authenticationError", "OAUTH_TOKEN_INVALID",
                                   "Oauth token in the header is not valid.")])
        if request.header("developer-token") != DEV_CREDENTIALS["google_ads_developer_token"]:
            return self._failure(request, 403, "PERMISSION_DENIED", "The caller does not have permission",
                                 [("authorizationError", "DEVELOPER_TOKEN_NOT_APPROVED",
                                   "The developer token is not approved for this account.")])
        return None

    def throttled(self, request: Request) -> Response:
        body = self._failure_body(
            request, 429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).",
            [("quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED", f"Too many requests. Retry in {RETRY_DELAY}.")])
        error = body["error"]
        error["details"][0]["errors"][0]["details"] = {"quotaErrorDetails": {
            "rateScope": "ACCOUNT", "rateName": "Number of operations for basic access", "retryDelay": RETRY_DELAY}}
        error["details"].append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": RETRY_DELAY})
        return self._wrap(request, body, 429)

    def server_error(self, request: Request, status: int) -> Response:
        if status == 503:
            return self._failure(request, 503, "UNAVAILABLE", "The service is currently unavailable.",
                                 [("internalError", "TRANSIENT_ERROR", "The service is currently unavailable.")])
        return self._failure(request, status, "INTERNAL", "Internal error encountered.",
                             [("internalError", "INTERNAL_ERROR", "An internal error has occurred.")])

    # -- endpoints --------------------------------------------------------------------------------
    def search(self, request: Request, version: str, customer_id: str) -> Response:
        try:
            body = request.json()
            if body.get("pageSize"):
                raise GaqlError("requestError", "PAGE_SIZE_NOT_SUPPORTED",
                                "Setting the page size is not supported. Search responses will have fixed page "
                                "size of 10000 rows.")
            query, rows = self._run(request, customer_id, body)
            offset = self._offset(body.get("pageToken"), query)
        except GaqlError as error:
            return self._failure(request, 400, "INVALID_ARGUMENT", "Request contains an invalid argument.",
                                 [(error.code_type, error.code, error.message)])
        page: dict[str, Any] = {}
        chunk = rows[offset:offset + self.page_size]
        if chunk:
            page["results"] = chunk
        if offset + self.page_size < len(rows):
            page["nextPageToken"] = self._token(query, offset + self.page_size)
        page["totalResultsCount"] = str(len(rows))
        page["fieldMask"] = _field_mask(query)
        return Response.json(page, headers=self._headers(request))

    def search_stream(self, request: Request, version: str, customer_id: str) -> Response:
        try:
            query, rows = self._run(request, customer_id, request.json())
        except GaqlError as error:
            failure = self._failure_body(request, 400, "INVALID_ARGUMENT", "Request contains an invalid argument.",
                                         [(error.code_type, error.code, error.message)])
            return Response.json([failure], 400, self._headers(request))
        mask, request_id = _field_mask(query), _request_id(request, self.context.as_of_us)
        batches = [{"results": rows[i:i + self.page_size], "fieldMask": mask, "requestId": request_id}
                   for i in range(0, len(rows), self.page_size)] or [{"fieldMask": mask, "requestId": request_id}]
        return Response.json(batches, headers=self._headers(request))

    # -- the query engine -------------------------------------------------------------------------
    def _run(self, request: Request, customer_id: str, body: dict[str, Any]) -> tuple[Query, list[dict[str, Any]]]:
        if customer_id != CUSTOMER_ID:
            raise GaqlError("authorizationError", "USER_PERMISSION_DENIED",
                            "User doesn't have permission to access customer. Note: If you're accessing a client "
                            "customer, the manager's customer id must be set in the 'login-customer-id' header.")
        if not isinstance(body.get("query"), str):
            raise GaqlError("queryError", "QUERY_NOT_ALLOWED", "The query is empty or missing.")
        query = parse_gaql(body["query"])
        allowed = known_fields(query.resource)
        for name in (*query.fields, *(c.field for c in query.conditions)):
            if name not in allowed:
                raise GaqlError("queryError", "UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.")
        if query.resource == "click_view":
            flat = self._click_rows(query)
        elif query.selects_metrics:
            flat = self._metric_rows(query)
        else:
            flat = self._entity_rows(query.resource)
        flat = [row for row in flat if all(c.holds(row.get(c.field)) for c in query.conditions)]
        if query.limit is not None:
            flat = flat[:query.limit]
        rows = [project(row, query.fields, query.resource) for row in flat]
        return query, self._apply_data_faults(query.resource, rows)

    def _entity_rows(self, resource: str) -> list[dict[str, Any]]:
        if resource == "campaign":
            return [_entity_fields(c.campaign_id) for c in GOOGLE_CAMPAIGNS]
        if resource == "ad_group":
            return [_entity_fields(g.campaign_id, g.ad_group_id) for g in GOOGLE_AD_GROUPS]
        return [_entity_fields(a.campaign_id, a.ad_group_id, a.ad_id) for a in GOOGLE_ADS]

    def _dates(self, query: Query) -> list[dt.date]:
        low, high = query.date_range()
        world = self.context.world.config
        first = max(world.start, dt.date.fromisoformat(low)) if low else world.start
        last = world.end - dt.timedelta(days=1)
        if high:
            last = min(last, dt.date.fromisoformat(high))
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]

    def _metric_rows(self, query: Query) -> list[dict[str, Any]]:
        """Rows at the FROM resource's grain per day, summed over days when segments.date is not selected."""
        grain: Callable[[AdMetricsRow], tuple[str, str, str] | None] = {
            "campaign": lambda r: (r.campaign_id, "", ""),
            "ad_group": lambda r: (r.campaign_id, r.ad_group_id, "") if r.ad_group_id else None,
            "ad_group_ad": lambda r: (r.campaign_id, r.ad_group_id, r.ad_id) if r.ad_id else None,
        }[query.resource]
        per_day: list[dict[str, Any]] = []
        for date in self._dates(query):
            groups: dict[tuple[str, str, str], list[AdMetricsRow]] = {}
            for row in reported_metrics(self.context.world, self.NAME, date, self.context.as_of_us):
                key = grain(row)
                if key is not None:
                    groups.setdefault(key, []).append(row)
            for key in sorted(groups):
                per_day.append(_entity_fields(*key) | metric_fields(groups[key]) | {"segments.date": date.isoformat()})
        if "segments.date" in query.fields:
            return per_day
        totals: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in per_day:
            key = tuple(str(row.get(f)) for f in query.fields if not f.startswith("metrics."))
            if key not in totals:
                totals[key] = dict(row)
                continue
            for name in METRIC_FIELDS:
                totals[key][name] = round(totals[key][name] + row[name], 2)
        return list(totals.values())

    def _click_rows(self, query: Query) -> list[dict[str, Any]]:
        low, high = query.date_range()
        if low is None or low != high:
            raise GaqlError("clickViewError", "EXPECTED_FILTER_ON_A_SINGLE_DAY", "Missing filter on a single day.")
        date = dt.date.fromisoformat(low)
        if date < self.context.clock_day - dt.timedelta(days=CLICK_VIEW_MAX_AGE_DAYS):
            raise GaqlError("clickViewError", "DATE_TOO_OLD", "The requested date is too old.")
        world = self.context.world.config
        if not world.start <= date < world.end:
            return []
        clicks = self.context.world.day(date).clicks
        assert clicks is not None
        rows = []
        for i in range(len(clicks.ts)):
            if clicks.platform[i] != self.NAME or int(clicks.ts[i]) > self.context.as_of_us:
                continue
            gclid, ad_id = str(clicks.click_id[i]), str(clicks.ad_id[i])
            campaign = CAMPAIGN_BY_ID[str(clicks.campaign_id[i])]
            entity = _entity_fields(campaign.campaign_id, str(clicks.ad_group_id[i]))
            rows.append({k: v for k, v in entity.items() if not k.startswith("ad_group_ad.")} | {
                "click_view.resource_name": _rn("clickViews", date.isoformat(), gclid),
                "click_view.gclid": gclid,
                "click_view.ad_group_ad": _rn("adGroupAds", str(clicks.ad_group_id[i]), ad_id) if ad_id else None,
                "click_view.page_number": 1 if campaign.channel_type == "SEARCH" else None,
                "segments.date": date.isoformat(), "segments.click_type": "URL_CLICKS",
                "segments.ad_network_type": NETWORK[campaign.channel_type],
                "segments.device": DEVICES[zlib.crc32(gclid.encode()) % len(DEVICES)],
                "_ts": int(clicks.ts[i]),
            })
        rows.sort(key=lambda r: (r["_ts"], r["click_view.gclid"]))
        return rows

    def _apply_data_faults(self, resource: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        faulted = self.context.faults.faulted(self.NAME, resource, rows, day_of=_segment_date)
        return [f.render(f.item, _malform) for f in faulted]

    # -- paging and envelopes ---------------------------------------------------------------------
    @staticmethod
    def _token(query: Query, offset: int) -> str:
        digest = hashlib.sha256(query.text.encode()).hexdigest()[:16]
        return base64.urlsafe_b64encode(orjson.dumps({"q": digest, "o": offset})).decode().rstrip("=")

    def _offset(self, token: str | None, query: Query) -> int:
        if not token:
            return 0
        try:
            state = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except ValueError:
            state = {}
        if state.get("q") != hashlib.sha256(query.text.encode()).hexdigest()[:16]:
            raise GaqlError("requestError", "INVALID_PAGE_TOKEN",
                            "Page token is invalid or does not match the query.")
        return int(state["o"])

    def _headers(self, request: Request) -> dict[str, str]:
        return {"request-id": _request_id(request, self.context.as_of_us)}

    def _failure_body(self, request: Request, code: int, status: str, message: str,
                      errors: list[tuple[str, str, str]]) -> dict[str, Any]:
        return {"error": {"code": code, "message": message, "status": status, "details": [{
            "@type": f"type.googleapis.com/google.ads.googleads.v{_version(request)}.errors.GoogleAdsFailure",
            "errors": [{"errorCode": {kind: value}, "message": text} for kind, value, text in errors],
            "requestId": _request_id(request, self.context.as_of_us),
        }]}}

    def _wrap(self, request: Request, body: dict[str, Any], status: int) -> Response:
        if request.path.endswith(":searchStream"):
            return Response.json([body], status, self._headers(request))
        return Response.json(body, status, self._headers(request))

    def _failure(self, request: Request, code: int, status: str, message: str,
                 errors: list[tuple[str, str, str]]) -> Response:
        return self._wrap(request, self._failure_body(request, code, status, message, errors), code)


def _version(request: Request) -> str:
    match = re.match(r"^/v(\d+)/", request.path)
    return match.group(1) if match else "18"


def _request_id(request: Request, as_of_us: int) -> str:
    digest = hashlib.sha256(request.path.encode() + request.body + str(as_of_us).encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def _field_mask(query: Query) -> str:
    return ",".join(".".join(camel(p) for p in f.split(".")) for f in query.fields)


def _segment_date(row: dict[str, Any]) -> dt.date | None:
    day = row.get("segments", {}).get("date")
    return dt.date.fromisoformat(day) if day else None


def _malform(record: dict[str, Any]) -> dict[str, Any]:
    """A broken row: a metric that is not a number, or a click without its gclid."""
    broken = orjson.loads(orjson.dumps(record))
    if "metrics" in broken:
        broken["metrics"]["costMicros"] = "N/A"
    elif "clickView" in broken:
        broken["clickView"].pop("gclid", None)
    return broken


def build(context: SimulatorContext) -> GoogleAdsVendor:
    return GoogleAdsVendor(context)
