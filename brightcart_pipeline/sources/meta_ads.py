"""Meta Marketing API (Graph v21.0): campaigns, ad sets, ads, creatives and daily ad-level insights.

Entities are read incrementally on `updated_time` (a `filtering` rule; creatives have no update time
and are read whole). Insights come from async report runs, one per day (the lake's partition is the
day asked for), re-pulled for `meta_ads_lookback_days` every run because Meta restates recent days.
Meta throttles with HTTP 400 and error codes (17, 613, 80000…) and reports budget use in the
`x-business-use-case-usage` header; the client backs off on the first and slows down on the second.
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
from brightcart_pipeline.sources.base import (
    ExtractWindow,
    Page,
    ResourceSpec,
    days_between,
    latest_timestamp,
    parse_timestamp,
    resource,
)
from brightcart_pipeline.sources.http import ExtractError, VendorClient, follow_cursor

API_VERSION = "v21.0"
PAGE_LIMIT = 200
INSIGHTS_PAGE_LIMIT = 500
ENTITY_EPOCH = "2000-01-01T00:00:00+00:00"  # the first run reads every entity
ASYNC_POLL_SECONDS = 0.2
ASYNC_MAX_POLLS = 600
# Graph API error codes that mean "slow down" (user, app, account and business-use-case limits).
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014})
THROTTLE_FLOOR_SECONDS = 1.0  # Meta reports regain time in whole minutes; 0 means "shortly"
USAGE_SLOWDOWN_PERCENT = 90
USAGE_PAUSE_SECONDS = 2.0
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-ad-account-usage", "x-fb-ads-insights-throttle")

CAMPAIGNS = ResourceSpec(
    name="campaigns",
    primary_key=("id",),
    contract=RecordContract(required=("id", "name", "updated_time"), decimal_strings=("daily_budget",)),
    json_columns=("special_ad_categories",),
)
AD_SETS = ResourceSpec(
    name="adsets",
    primary_key=("id",),
    contract=RecordContract(required=("id", "campaign_id", "updated_time")),
)
ADS = ResourceSpec(
    name="ads",
    primary_key=("id",),
    contract=RecordContract(required=("id", "adset_id", "campaign_id", "updated_time")),
)
AD_CREATIVES = ResourceSpec(
    name="adcreatives",
    primary_key=("id",),
    contract=RecordContract(required=("id",)),
)
AD_INSIGHTS_DAILY = ResourceSpec(
    name="ad_insights_daily",
    primary_key=("ad_id", "date_start"),
    contract=RecordContract(
        required=("ad_id", "date_start", "account_currency"),
        integer_strings=("impressions", "clicks", "inline_link_clicks"),
        decimal_strings=("spend",),
    ),
    json_columns=("actions", "action_values"),
)
RESOURCES = (CAMPAIGNS, AD_SETS, ADS, AD_CREATIVES, AD_INSIGHTS_DAILY)

ENTITY_FIELDS = {
    CAMPAIGNS.name: "id,name,account_id,objective,status,effective_status,buying_type,daily_budget,"
                    "special_ad_categories,created_time,updated_time,start_time",
    AD_SETS.name: "id,name,account_id,campaign_id,status,effective_status,daily_budget,optimization_goal,"
                  "billing_event,bid_strategy,created_time,updated_time,start_time",
    ADS.name: "id,name,account_id,adset_id,campaign_id,status,effective_status,creative,created_time,updated_time",
    AD_CREATIVES.name: "id,name,account_id,title,body,object_type,url_tags,object_story_spec,status",
}
INSIGHT_FIELDS = ("account_id,account_currency,campaign_id,campaign_name,adset_id,adset_name,ad_id,ad_name,"
                  "impressions,clicks,inline_link_clicks,spend,actions,action_values")


def _error_code(response: requests.Response) -> int | None:
    try:
        error = orjson.loads(response.content).get("error", {})
    except (orjson.JSONDecodeError, AttributeError):
        return None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) else None


def usage(response: requests.Response) -> tuple[int, int]:
    """(highest usage percent, minutes until access is regained) across Meta's usage headers."""
    percent, regain = 0, 0
    for name in USAGE_HEADERS:
        raw = response.headers.get(name)
        if not raw:
            continue
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        # The BUC header is keyed by account id with a list of use cases; the others are flat objects.
        entries = [e for v in payload.values() if isinstance(v, list) for e in v] if name == USAGE_HEADERS[0] \
            else [payload]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct", "app_id_util_pct"):
                value = entry.get(key)
                if isinstance(value, int | float):
                    percent = max(percent, int(value))
            minutes = entry.get("estimated_time_to_regain_access")
            if isinstance(minutes, int | float):
                regain = max(regain, int(minutes))
    return percent, regain


def meta_throttle(response: requests.Response) -> float | None:
    """Meta's throttles arrive as HTTP 400 (sometimes 403/429) with a rate-limit error code."""
    if response.status_code not in (400, 403, 429) or _error_code(response) not in THROTTLE_CODES:
        return None
    _, regain_minutes = usage(response)
    return max(THROTTLE_FLOOR_SECONDS, regain_minutes * 60.0)


def usage_pressure(response: requests.Response) -> float:
    """Pause before Meta has to throttle: when any usage share reaches 90 %, or access is being regained."""
    percent, regain_minutes = usage(response)
    if regain_minutes:
        return regain_minutes * 60.0
    return USAGE_PAUSE_SECONDS if percent >= USAGE_SLOWDOWN_PERCENT else 0.0


def build_client(settings: Settings) -> VendorClient:
    return VendorClient.from_settings(
        settings, "meta_ads",
        params={"access_token": settings.secret("meta_ads_access_token")},
        dialect=meta_throttle,
        pressure=usage_pressure,
    )


def paginate(client: VendorClient, path: str, params: dict[str, Any] | None) -> Iterator[Page]:
    """Follow `paging.next` (a full URL carrying every parameter and the `after` cursor)."""
    bodies = follow_cursor(lambda url: client.get_json(url or path, None if url else params),
                           lambda body: body.get("paging", {}).get("next"))
    for body in bodies:
        yield body.get("data", [])


def run_report(client: VendorClient, account_id: str, day: dt.date) -> str:
    """Start an async insights report for one day and wait until Meta has finished it."""
    path = f"/{API_VERSION}/{account_id}/insights"
    params = {"level": "ad", "time_increment": "1", "fields": INSIGHT_FIELDS,
              "time_range": orjson.dumps({"since": day.isoformat(), "until": day.isoformat()}).decode()}
    report_run_id = str(orjson.loads(client.request("POST", path, params=params).content)["report_run_id"])
    for _ in range(ASYNC_MAX_POLLS):
        status = client.get_json(f"/{API_VERSION}/{report_run_id}")
        if status.get("async_status") == "Job Completed" and status.get("async_percent_completion") == 100:
            return report_run_id
        if status.get("async_status") in ("Job Failed", "Job Skipped"):
            raise ExtractError("meta_ads", f"GET /{API_VERSION}/{report_run_id}", 1, orjson.dumps(status).decode())
        client.sleep(ASYNC_POLL_SECONDS)
    raise ExtractError("meta_ads", f"GET /{API_VERSION}/{report_run_id}", ASYNC_MAX_POLLS,
                       f"report for {day} not finished after {ASYNC_MAX_POLLS} polls")


@dlt.source(name="meta_ads")
def meta_ads_source(client: VendorClient, landing: Landing, window: ExtractWindow, settings: Settings) -> list[Any]:
    account_id = settings.meta_ads_account_id

    def entity_path(spec: ResourceSpec) -> str:
        return f"/{API_VERSION}/{account_id}/{spec.name}"

    def updated_since(spec: ResourceSpec) -> Any:
        def pages(
            updated_time: dlt.sources.incremental[str] = dlt.sources.incremental(
                "updated_time",
                initial_value=ENTITY_EPOCH,
                end_value=window.end_utc().isoformat() if window.partitioned else None,
                last_value_func=latest_timestamp,
            ),
        ) -> Iterator[Page]:
            since = parse_timestamp(updated_time.start_value)
            rules = [{"field": "updated_time", "operator": "GREATER_THAN", "value": int(since.timestamp())}]
            if updated_time.end_value is not None:
                end = parse_timestamp(updated_time.end_value)
                rules.append({"field": "updated_time", "operator": "LESS_THAN", "value": int(end.timestamp())})
            params = {"fields": ENTITY_FIELDS[spec.name], "limit": PAGE_LIMIT,
                      "filtering": orjson.dumps(rules).decode()}
            # Entities older than the first extracted day land on that day, so a replay finds them.
            day = max(since.astimezone(dt.UTC).date(), window.start)
            for page in paginate(client, entity_path(spec), params):
                yield landing.land(spec.name, day, page, spec.contract)

        return resource(spec, pages)

    def creatives() -> Iterator[Page]:
        # Creatives carry no updated_time: a whole read each run, merged on id.
        params = {"fields": ENTITY_FIELDS[AD_CREATIVES.name], "limit": PAGE_LIMIT}
        for page in paginate(client, entity_path(AD_CREATIVES), params):
            yield landing.land(AD_CREATIVES.name, window.start, page, AD_CREATIVES.contract)

    def insights(
        date_start: dlt.sources.incremental[str] = dlt.sources.incremental(
            "date_start",
            initial_value=window.start.isoformat(),
            end_value=window.end.isoformat() if window.partitioned else None,
            lag=settings.meta_ads_lookback_days,  # restated days are re-read every run
        ),
    ) -> Iterator[Page]:
        for day in days_between(dt.date.fromisoformat(date_start.start_value), window.end):
            report_run_id = run_report(client, account_id, day)
            path = f"/{API_VERSION}/{report_run_id}/insights"
            for page in paginate(client, path, {"limit": INSIGHTS_PAGE_LIMIT}):
                yield landing.land(AD_INSIGHTS_DAILY.name, day, page, AD_INSIGHTS_DAILY.contract)

    return [
        updated_since(CAMPAIGNS), updated_since(AD_SETS), updated_since(ADS),
        resource(AD_CREATIVES, creatives), resource(AD_INSIGHTS_DAILY, insights),
    ]
