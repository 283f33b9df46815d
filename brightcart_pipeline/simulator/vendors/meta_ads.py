"""Meta Marketing API (Graph API v21.0): ad account edges, insights (sync and async report runs).

Entities page with cursors (`paging.cursors.before/after`, `paging.next` as a full URL) and filter on
`updated_time` (`filtering` or `updated_since`). Insights carry every metric as a string, spend with
two decimals in the account currency (EUR), conversions inside `actions`/`action_values`. Errors are
Graph API envelopes: a bad token is HTTP 400 with code 190; throttling is HTTP 400 with code 17
(user request limit) or 80000 (ads insights BUC limit) and the `x-business-use-case-usage` header.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import orjson

from brightcart_pipeline.simulator.catalog import (
    AD_GROUPS,
    ADS,
    CAMPAIGN_BY_ID,
    CAMPAIGNS,
    META_ACCOUNT,
    SHOP_DOMAIN,
    Ad,
    AdGroup,
    Campaign,
)
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.server import RateLimit, Request, Response, Route, SimulatorContext
from brightcart_pipeline.simulator.truth_ads import META_CENT_MICROS, AdMetricsRow, reported_metrics
from brightcart_pipeline.simulator.truth_web import utm_query
from brightcart_pipeline.simulator.vendors.common import page_limit
from brightcart_pipeline.simulator.world import US_PER_SECOND

ACCOUNT_NUMBER = META_ACCOUNT.account_id.removeprefix("act_")
ACCOUNT_TZ = ZoneInfo(META_ACCOUNT.timezone)
DEFAULT_LIMIT = 25
MAX_LIMIT = 500
CREATED_AT = dt.datetime(2026, 9, 1, 10, 0, tzinfo=ACCOUNT_TZ)  # the account's tree predates the world
BUDGET_CHANGE_HOUR = 9
PURCHASE = "offsite_conversion.fb_pixel_purchase"
THROTTLE_CODES = {"insights": (80000, "There have been too many calls from this ad-account. Wait a bit and try "
                                      "again. For more info, please refer to "
                                      "https://developers.facebook.com/docs/graph-api/overview/rate-limiting."),
                  "management": (17, "User request limit reached")}

ENTITY_FIELDS: dict[str, frozenset[str]] = {
    "campaigns": frozenset({"id", "name", "account_id", "objective", "status", "effective_status", "buying_type",
                            "daily_budget", "special_ad_categories", "created_time", "updated_time", "start_time"}),
    "adsets": frozenset({"id", "name", "account_id", "campaign_id", "status", "effective_status", "daily_budget",
                         "optimization_goal", "billing_event", "bid_strategy", "created_time", "updated_time",
                         "start_time"}),
    "ads": frozenset({"id", "name", "account_id", "adset_id", "campaign_id", "status", "effective_status",
                      "creative", "created_time", "updated_time"}),
    "adcreatives": frozenset({"id", "name", "account_id", "title", "body", "object_type", "url_tags",
                              "object_story_spec", "status"}),
}
INSIGHT_FIELDS = frozenset({"account_id", "account_name", "account_currency", "campaign_id", "campaign_name",
                            "adset_id", "adset_name", "ad_id", "ad_name", "objective", "impressions", "clicks",
                            "inline_link_clicks", "spend", "cpc", "ctr", "actions", "action_values"})
LEVEL_FIELDS = {"account": ("account_id", "account_name"), "campaign": ("campaign_id", "campaign_name", "objective"),
                "adset": ("adset_id", "adset_name"), "ad": ("ad_id", "ad_name")}
LEVELS = ("account", "campaign", "adset", "ad")

META_CAMPAIGNS = tuple(c for c in CAMPAIGNS if c.platform == "meta_ads")
META_AD_SETS = tuple(g for g in AD_GROUPS if g.platform == "meta_ads")
META_ADS = tuple(a for a in ADS if a.platform == "meta_ads")
AD_SET_BY_ID = {g.ad_group_id: g for g in META_AD_SETS}
AD_BY_ID = {a.ad_id: a for a in META_ADS}


def meta_time(moment: dt.datetime) -> str:
    """Graph API timestamps: account timezone, offset without a colon (2026-10-01T09:00:00+0100)."""
    return moment.astimezone(ACCOUNT_TZ).strftime("%Y-%m-%dT%H:%M:%S%z")


def money(micros: int) -> str:
    cents = micros // META_CENT_MICROS
    return f"{cents // 100}.{cents % 100:02d}"


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


def _cursor(index: int) -> str:
    return base64.b64encode(str(index).encode()).decode()


class MetaAdsVendor:
    NAME = "meta_ads"
    # Assumption: the standard access tier's hourly business-use-case budget, modelled as 600 calls per 5 min.
    RATE_LIMIT = RateLimit(requests=600, seconds=300.0)

    def __init__(self, context: SimulatorContext) -> None:
        self.context = context
        self._reports: dict[str, dict[str, Any]] = {}
        self._calls: list[float] = []
        self._lock = threading.Lock()

    def routes(self) -> list[Route]:
        base = r"/v(?P<version>\d+\.\d+)"
        account = f"{base}/act_(?P<account>\\d+)"
        return [
            Route.of("GET", f"{account}/(?P<edge>campaigns|adsets|ads|adcreatives)", self.list_edge),
            Route.of("GET", f"{account}/insights", self.insights),
            Route.of("POST", f"{account}/insights", self.start_report),
            Route.of("GET", f"{base}/(?P<report_run_id>\\d+)", self.report_status),
            Route.of("GET", f"{base}/(?P<report_run_id>\\d+)/insights", self.report_insights),
        ]

    # -- protocol ---------------------------------------------------------------------------------
    def unauthorized(self, request: Request) -> Response | None:
        token = request.param("access_token")
        if token == DEV_CREDENTIALS["meta_ads_access_token"]:
            return None
        if not token:
            return self._error(request, 400, "An access token is required to request this resource.", 104)
        return self._error(request, 400, "Invalid OAuth access token - Cannot parse access token", 190)

    def throttled(self, request: Request) -> Response:
        kind = "insights" if "insights" in request.path or self._is_report(request) else "management"
        code, message = THROTTLE_CODES[kind]
        response = self._error(request, 400, message, code, subcode=2446079, transient=True)
        response.headers.update(self._usage_headers(kind, percent=100))
        return response

    def server_error(self, request: Request, status: int) -> Response:
        return self._error(request, status, "An unexpected error has occurred. Please retry your request later.",
                           2, transient=True)

    # -- entities ---------------------------------------------------------------------------------
    def list_edge(self, request: Request, version: str, account: str, edge: str) -> Response:
        if account != ACCOUNT_NUMBER:
            return self._unknown_object(request, f"act_{account}")
        fields, bad = self._fields(request, ENTITY_FIELDS[edge], default=("id",))
        if bad:
            return self._error(request, 400, f"(#100) Tried accessing nonexisting field ({bad}) on node type "
                                             f"({edge[:-1].title()})", 100)
        records = self._entities(edge)
        try:
            records = self._filter_updated(request, records)
        except ValueError as error:
            return self._error(request, 400, f"(#100) {error}", 100)
        projected = [{k: r[k] for k in ("id", *fields) if k in r} for r in records]
        return self._page(request, projected, "management")

    @staticmethod
    def _fields(request: Request, allowed: frozenset[str], default: tuple[str, ...]) -> tuple[list[str], str | None]:
        """The `fields` asked for, and the first one the node does not have (Graph returns only what is asked)."""
        raw = request.param("fields")
        fields = [f.strip() for f in raw.split(",") if f.strip()] if raw else list(default)
        return fields, next((f for f in fields if f not in allowed), None)

    def _entities(self, edge: str) -> list[dict[str, Any]]:
        render: Callable[[Any], dict[str, Any]] = {
            "campaigns": self._campaign, "adsets": self._ad_set, "ads": self._ad, "adcreatives": self._creative,
        }[edge]
        items: tuple[Any, ...] = {"campaigns": META_CAMPAIGNS, "adsets": META_AD_SETS, "ads": META_ADS,
                                  "adcreatives": META_ADS}[edge]
        return [render(item) for item in items]

    def _budget_change(self, campaign: Campaign) -> dt.datetime | None:
        """Each campaign's budget is raised once during the simulated days (moves updated_time)."""
        config = self.context.world.config
        index = META_CAMPAIGNS.index(campaign)
        day = config.start + dt.timedelta(days=index % config.days)
        moment = dt.datetime.combine(day, dt.time(BUDGET_CHANGE_HOUR, index), tzinfo=ACCOUNT_TZ)
        return moment if moment.timestamp() * US_PER_SECOND <= self.context.as_of_us else None

    def _campaign(self, c: Campaign) -> dict[str, Any]:
        changed = self._budget_change(c)
        created = CREATED_AT + dt.timedelta(minutes=META_CAMPAIGNS.index(c))
        # Budgets in cents with headroom over the expected daily spend; the mid-run change raises it by 20 %.
        expected_cents = c.cpc * c.daily_clicks_at_full_scale * self.context.world.config.scale * 100
        budget = round(expected_cents * (1.8 if changed else 1.5))
        return {"id": c.campaign_id, "name": c.name, "account_id": ACCOUNT_NUMBER, "objective": c.channel_type,
                "status": "ACTIVE", "effective_status": "ACTIVE", "buying_type": "AUCTION",
                "daily_budget": str(budget), "special_ad_categories": [],
                "created_time": meta_time(created), "updated_time": meta_time(changed or created),
                "start_time": meta_time(created)}

    def _ad_set(self, g: AdGroup) -> dict[str, Any]:
        created = CREATED_AT + dt.timedelta(minutes=30 + META_AD_SETS.index(g))
        leads = CAMPAIGN_BY_ID[g.campaign_id].channel_type == "OUTCOME_LEADS"
        return {"id": g.ad_group_id, "name": g.name, "account_id": ACCOUNT_NUMBER, "campaign_id": g.campaign_id,
                "status": "ACTIVE", "effective_status": "ACTIVE",
                "optimization_goal": "LEAD_GENERATION" if leads else "OFFSITE_CONVERSIONS",
                "billing_event": "IMPRESSIONS", "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
                "created_time": meta_time(created), "updated_time": meta_time(created),
                "start_time": meta_time(created)}

    def _ad(self, a: Ad) -> dict[str, Any]:
        created = CREATED_AT + dt.timedelta(hours=1, minutes=META_ADS.index(a))
        return {"id": a.ad_id, "name": a.name, "account_id": ACCOUNT_NUMBER, "adset_id": a.ad_group_id,
                "campaign_id": a.campaign_id, "status": "ACTIVE", "effective_status": "ACTIVE",
                "creative": {"id": a.creative_id}, "created_time": meta_time(created),
                "updated_time": meta_time(created)}

    @staticmethod
    def _creative(a: Ad) -> dict[str, Any]:
        campaign = CAMPAIGN_BY_ID[a.campaign_id]
        tags = utm_query("meta_paid", campaign.utm_campaign, a.utm_content)
        return {"id": a.creative_id, "name": f"{a.name} creative", "account_id": ACCOUNT_NUMBER,
                "title": a.headline, "body": "BrightCart: thoughtfully made everyday goods.", "object_type": "SHARE",
                "url_tags": tags, "status": "ACTIVE",
                "object_story_spec": {"page_id": "104400220033", "link_data": {
                    "link": f"https://{SHOP_DOMAIN}/", "name": a.headline, "call_to_action": {"type": "SHOP_NOW"}}}}

    def _filter_updated(self, request: Request, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        def stamp(record: dict[str, Any]) -> float:
            return dt.datetime.strptime(record["updated_time"], "%Y-%m-%dT%H:%M:%S%z").timestamp()

        since = request.param("updated_since")
        if since:
            records = [r for r in records if "updated_time" in r and stamp(r) >= float(since)]
        raw = request.param("filtering")
        for rule in orjson.loads(raw) if raw else []:
            field, operator, value = rule.get("field"), rule.get("operator"), rule.get("value")
            if field == "updated_time" and operator in ("GREATER_THAN", "LESS_THAN"):
                keep = (lambda t, v=float(value): t > v) if operator == "GREATER_THAN" else \
                    (lambda t, v=float(value): t < v)
                records = [r for r in records if "updated_time" in r and keep(stamp(r))]
            elif field == "effective_status" and operator == "IN":
                records = [r for r in records if r.get("effective_status") in value]
            else:
                raise ValueError(f"Filtering field {field} with operation {operator} is not supported")
        return records

    # -- insights ---------------------------------------------------------------------------------
    def insights(self, request: Request, version: str, account: str) -> Response:
        if account != ACCOUNT_NUMBER:
            return self._unknown_object(request, f"act_{account}")
        params = {k: v[0] for k, v in request.query.items() if k not in ("access_token", "after", "limit")}
        try:
            rows = self._insight_rows(params, self.context.as_of_us)
        except ValueError as error:
            return self._error(request, 400, f"(#100) {error}", 100)
        return self._page(request, rows, "insights")

    def start_report(self, request: Request, version: str, account: str) -> Response:
        if account != ACCOUNT_NUMBER:
            return self._unknown_object(request, f"act_{account}")
        params = {k: v[0] for k, v in request.query.items() if k != "access_token"}
        try:
            self._insight_request(params)  # a bad request fails now, not when the report runs
        except ValueError as error:
            return self._error(request, 400, f"(#100) {error}", 100)
        as_of = self.context.as_of_us
        number = int.from_bytes(_digest(account, sorted(params.items()), as_of)[:8], "big")
        report_run_id = str(10**15 + number % (9 * 10**15))
        with self._lock:
            self._reports.setdefault(report_run_id, {"params": params, "as_of": as_of, "polls": 0})
        return Response.json({"report_run_id": report_run_id}, headers=self._usage_headers("insights"))

    def report_status(self, request: Request, version: str, report_run_id: str) -> Response:
        with self._lock:
            report = self._reports.get(report_run_id)
            if report is not None:
                report["polls"] += 1
        if report is None:
            return self._unknown_object(request, report_run_id)
        # A report finishes on its second poll: clients must really poll.
        done = report["polls"] >= 2
        time_range = orjson.loads(report["params"].get("time_range", "{}"))
        submitted = int(report["as_of"] // US_PER_SECOND)
        return Response.json({
            "id": report_run_id, "account_id": ACCOUNT_NUMBER,
            "async_status": "Job Completed" if done else "Job Running",
            "async_percent_completion": 100 if done else 50,
            "date_start": time_range.get("since"), "date_stop": time_range.get("until"),
            "time_ref": submitted, "time_completed": submitted + 5 if done else None, "is_running": not done,
        }, headers=self._usage_headers("insights"))

    def report_insights(self, request: Request, version: str, report_run_id: str) -> Response:
        report = self._reports.get(report_run_id)
        if report is None:
            return self._unknown_object(request, report_run_id)
        if report["polls"] < 2:
            return self._error(request, 400, "(#100) The report is not ready yet: poll the report run first", 100)
        return self._page(request, self._insight_rows(report["params"], report["as_of"]), "insights")

    @staticmethod
    def _insight_request(params: dict[str, str]) -> tuple[str, list[str], dt.date, dt.date, bool]:
        """(level, fields, since, until, daily) from the query parameters, or ValueError naming the problem."""
        level = params.get("level", "account")
        if level not in LEVELS:
            raise ValueError(f"level must be one of the following values: {', '.join(LEVELS)}")
        fields = [f for f in params.get("fields", "impressions,spend").split(",") if f]
        unknown = [f for f in fields if f not in INSIGHT_FIELDS]
        if unknown:
            raise ValueError(f"{unknown[0]} is not valid for fields param")
        try:
            time_range = orjson.loads(params.get("time_range") or "{}")
            since = dt.date.fromisoformat(time_range["since"])
            until = dt.date.fromisoformat(time_range["until"])
        except (ValueError, KeyError, TypeError):
            raise ValueError("Param time_range must be a JSON object with since and until dates") from None
        if until < since:
            raise ValueError("time_range: since must be on or before until")
        return level, fields, since, until, params.get("time_increment", "all_days") == "1"

    def _insight_rows(self, params: dict[str, str], as_of_us: int) -> list[dict[str, Any]]:
        level, fields, since, until, daily = self._insight_request(params)
        depth = LEVELS.index(level)
        groups: dict[tuple[str, ...], list[AdMetricsRow]] = {}
        for i in range((until - since).days + 1):
            date = since + dt.timedelta(days=i)
            for row in reported_metrics(self.context.world, self.NAME, date, as_of_us):
                unit = (row.campaign_id, row.ad_group_id, row.ad_id)[:depth]
                key = ((date.isoformat(),) if daily else (since.isoformat(),)) + unit
                groups.setdefault(key, []).append(row)
        rows = []
        for key in sorted(groups):
            start = key[0]
            stop = start if daily else until.isoformat()
            rows.append(self._insight(groups[key], level, fields, start, stop))
        if daily:
            faulted = self.context.faults.faulted(self.NAME, "insights", rows,
                                                  day_of=lambda r: dt.date.fromisoformat(r["date_start"]))
            rows = [f.render(f.item, _malform) for f in faulted]
        return rows

    @staticmethod
    def _insight(rows: list[AdMetricsRow], level: str, fields: list[str], start: str, stop: str) -> dict[str, Any]:
        first = rows[0]
        campaign = CAMPAIGN_BY_ID[first.campaign_id]
        ad_set, ad = AD_SET_BY_ID.get(first.ad_group_id), AD_BY_ID.get(first.ad_id)
        impressions = sum(r.impressions for r in rows)
        link_clicks = sum(r.clicks for r in rows)
        clicks = link_clicks + sum(r.other_clicks for r in rows)
        spend_micros = sum(r.cost_micros for r in rows)
        purchases = round(sum(r.conversions for r in rows))
        leads = sum(r.leads for r in rows)
        value_micros = sum(r.conversions_value_micros for r in rows)
        actions = [{"action_type": kind, "value": str(n)}
                   for kind, n in (("link_click", link_clicks), (PURCHASE, purchases), ("lead", leads)) if n]
        full: dict[str, Any] = {
            "account_id": ACCOUNT_NUMBER, "account_name": META_ACCOUNT.name, "account_currency": META_ACCOUNT.currency,
            "campaign_id": campaign.campaign_id, "campaign_name": campaign.name, "objective": campaign.channel_type,
            "adset_id": ad_set.ad_group_id if ad_set else None, "adset_name": ad_set.name if ad_set else None,
            "ad_id": ad.ad_id if ad else None, "ad_name": ad.name if ad else None,
            "impressions": str(impressions), "clicks": str(clicks), "inline_link_clicks": str(link_clicks),
            "spend": money(spend_micros),
            "cpc": f"{spend_micros / 1e6 / clicks:.6f}" if clicks else None,
            "ctr": f"{100 * clicks / impressions:.6f}" if impressions else None,
            "actions": actions or None,
            "action_values": [{"action_type": PURCHASE, "value": money(value_micros)}] if purchases else None,
        }
        hidden = {f for lvl in LEVELS[LEVELS.index(level) + 1:] for f in LEVEL_FIELDS[lvl]}
        out = {f: full[f] for f in fields if f not in hidden and full.get(f) is not None}
        return out | {"date_start": start, "date_stop": stop}

    # -- paging and envelopes ---------------------------------------------------------------------
    def _page(self, request: Request, records: list[dict[str, Any]], kind: str) -> Response:
        limit = page_limit(request, DEFAULT_LIMIT, MAX_LIMIT)
        if limit is None:
            return self._error(request, 400, f"(#100) limit must be an integer between 1 and {MAX_LIMIT}", 100)
        after = request.param("after")
        try:
            offset = int(base64.b64decode(after, validate=True)) + 1 if after else 0
        except ValueError:
            return self._error(request, 400, "(#100) Invalid cursor: after", 100)
        page = records[offset:offset + limit]
        body: dict[str, Any] = {"data": page}
        if page:
            body["paging"] = {"cursors": {"before": _cursor(offset), "after": _cursor(offset + len(page) - 1)}}
            if offset + limit < len(records):
                query = {k: v[0] for k, v in request.query.items()} | {"after": _cursor(offset + len(page) - 1)}
                body["paging"]["next"] = f"{request.base_url}{request.path}?{urlencode(query)}"
            if offset:
                query = {k: v[0] for k, v in request.query.items() if k != "after"} | {"before": _cursor(offset)}
                body["paging"]["previous"] = f"{request.base_url}{request.path}?{urlencode(query)}"
        return Response.json(body, headers=self._usage_headers(kind))

    def _usage_headers(self, kind: str, percent: int | None = None) -> dict[str, str]:
        """Business-use-case usage: the share of the rate budget used in the current window."""
        now = time.monotonic()
        with self._lock:
            self._calls = [t for t in self._calls if now - t < self.RATE_LIMIT.seconds]
            self._calls.append(now)
            used = percent if percent is not None else min(100, 100 * len(self._calls) // self.RATE_LIMIT.requests)
        usage = {ACCOUNT_NUMBER: [{
            "type": "ads_insights" if kind == "insights" else "ads_management", "call_count": used,
            "total_cputime": max(1, used // 2), "total_time": max(1, used // 2), "estimated_time_to_regain_access": 0,
            "ads_api_access_tier": "standard_access"}]}
        headers = {"x-business-use-case-usage": orjson.dumps(usage).decode()}
        if kind == "insights":
            headers["x-fb-ads-insights-throttle"] = orjson.dumps(
                {"app_id_util_pct": used, "acc_id_util_pct": used, "ads_api_access_tier": "standard_access"}).decode()
        return headers

    @staticmethod
    def _is_report(request: Request) -> bool:
        return request.path.rstrip("/").rsplit("/", 1)[-1].isdigit()

    def _error(self, request: Request, status: int, message: str, code: int, subcode: int | None = None,
               transient: bool = False) -> Response:
        error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
        if subcode is not None:
            error["error_subcode"] = subcode
        if transient:
            error["is_transient"] = True
        trace = base64.b64encode(_digest(request.method, request.path, sorted(request.query.items()),
                                         self.context.as_of_us)[:8]).decode().rstrip("=")
        error["fbtrace_id"] = trace
        return Response.json({"error": error}, status)

    def _unknown_object(self, request: Request, object_id: str) -> Response:
        return self._error(request, 400, f"Unsupported get request. Object with ID '{object_id}' does not exist, "
                                         "cannot be loaded due to missing permissions, or does not support this "
                                         "operation.", 100, subcode=33)


def _malform(record: dict[str, Any]) -> dict[str, Any]:
    return record | {"spend": "N/A"}


def build(context: SimulatorContext) -> MetaAdsVendor:
    return MetaAdsVendor(context)
