"""Google Ads API (REST v18): campaign tree snapshots, daily metrics with a lookback, click views.

Everything is one GAQL `googleAds:search` call pattern, paged with `nextPageToken`. Daily metrics are
asked one day at a time (the lake's partition is the day asked for) and re-pulled for
`google_ads_lookback_days` every run because Google restates recent days; the merge on
(entity, segments.date) lets the final numbers overwrite the preliminary ones. Click views need a
single-day filter, so they are one request per day as well.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import dlt
import orjson
import requests

from brightcart_pipeline.lake.landing import Landing, RecordContract
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.sources.base import ExtractWindow, Page, ResourceSpec, days_between, resource
from brightcart_pipeline.sources.http import VendorClient, bearer, follow_cursor

API_VERSION = "v18"
DEFAULT_RETRY_SECONDS = 1.0  # when a RESOURCE_EXHAUSTED answer carries no retry delay
CLICK_VIEW_LOOKBACK_DAYS = 1  # a day fetched before it ended is fetched again once
METRICS = "metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, metrics.conversions_value"
_INT64 = ("metrics.impressions", "metrics.clicks", "metrics.costMicros")

CAMPAIGNS = ResourceSpec(
    name="campaigns",
    primary_key=("campaign__id",),
    contract=RecordContract(required=("campaign.id", "campaign.name"), integer_strings=("campaign.id",)),
)
AD_GROUPS = ResourceSpec(
    name="ad_groups",
    primary_key=("ad_group__id",),
    contract=RecordContract(required=("adGroup.id", "campaign.id"), integer_strings=("adGroup.id",)),
)
ADS = ResourceSpec(
    name="ads",
    primary_key=("ad_group_ad__resource_name",),
    contract=RecordContract(required=("adGroupAd.resourceName", "adGroupAd.ad.id", "adGroup.id")),
)
CAMPAIGN_METRICS_DAILY = ResourceSpec(
    name="campaign_metrics_daily",
    primary_key=("campaign__id", "segments__date"),
    contract=RecordContract(required=("campaign.id", "segments.date"), integer_strings=_INT64),
)
AD_METRICS_DAILY = ResourceSpec(
    name="ad_metrics_daily",
    primary_key=("ad_group_ad__resource_name", "segments__date"),
    contract=RecordContract(required=("adGroupAd.resourceName", "segments.date"), integer_strings=_INT64),
)
CLICK_VIEWS = ResourceSpec(
    name="click_views",
    primary_key=("click_view__gclid",),
    contract=RecordContract(required=("clickView.gclid", "segments.date", "campaign.id")),
)
RESOURCES = (CAMPAIGNS, AD_GROUPS, ADS, CAMPAIGN_METRICS_DAILY, AD_METRICS_DAILY, CLICK_VIEWS)

SNAPSHOT_QUERIES = {
    CAMPAIGNS.name: "SELECT customer.id, customer.currency_code, customer.time_zone, campaign.id, campaign.name, "
                    "campaign.status, campaign.advertising_channel_type, campaign.bidding_strategy_type, "
                    "campaign.start_date, campaign.end_date FROM campaign",
    AD_GROUPS.name: "SELECT campaign.id, ad_group.id, ad_group.name, ad_group.status, ad_group.type, "
                    "ad_group.campaign FROM ad_group",
    ADS.name: "SELECT campaign.id, ad_group.id, ad_group_ad.status, ad_group_ad.ad.id, ad_group_ad.ad.name, "
              "ad_group_ad.ad.type, ad_group_ad.ad.final_urls, ad_group_ad.ad.responsive_search_ad.headlines, "
              "ad_group_ad.ad.video_responsive_ad.headlines FROM ad_group_ad",
}
DAILY_QUERIES = {
    CAMPAIGN_METRICS_DAILY.name: "SELECT customer.id, customer.currency_code, campaign.id, "
                                 f"campaign.advertising_channel_type, segments.date, {METRICS} FROM campaign "
                                 "WHERE segments.date = '{day}'",
    AD_METRICS_DAILY.name: "SELECT customer.id, customer.currency_code, campaign.id, ad_group.id, "
                           f"ad_group_ad.ad.id, segments.date, {METRICS} FROM ad_group_ad "
                           "WHERE segments.date = '{day}'",
    CLICK_VIEWS.name: "SELECT click_view.gclid, click_view.ad_group_ad, click_view.page_number, campaign.id, "
                      "ad_group.id, segments.date, segments.device, segments.click_type, segments.ad_network_type "
                      "FROM click_view WHERE segments.date = '{day}'",
}
_DURATION = re.compile(r"^(?P<seconds>\d+(?:\.\d+)?)s$")


def retry_delay_seconds(body: Any) -> float | None:
    """The wait a GoogleAdsFailure asks for: `google.rpc.RetryInfo` or the quota error's `retryDelay`."""
    error = body[0] if isinstance(body, list) and body else body
    details = error.get("error", {}).get("details", []) if isinstance(error, dict) else []
    delays = [d.get("retryDelay") for d in details if isinstance(d, dict)]
    for detail in details:
        for item in detail.get("errors", []) if isinstance(detail, dict) else []:
            delays.append(item.get("details", {}).get("quotaErrorDetails", {}).get("retryDelay"))
    seconds = [float(m["seconds"]) for d in delays if isinstance(d, str) and (m := _DURATION.match(d))]
    return max(seconds) if seconds else None


def google_ads_throttle(response: requests.Response) -> float | None:
    """HTTP 429 RESOURCE_EXHAUSTED: wait the retry delay Google names in the error details."""
    if response.status_code != 429:
        return None
    try:
        delay = retry_delay_seconds(orjson.loads(response.content))
    except orjson.JSONDecodeError:
        delay = None
    return delay if delay is not None else DEFAULT_RETRY_SECONDS


def build_client(settings: Settings) -> VendorClient:
    return VendorClient.from_settings(
        settings, "google_ads",
        headers={"developer-token": settings.secret("google_ads_developer_token"),
                 **bearer(settings.secret("google_ads_access_token"))},
        dialect=google_ads_throttle,
    )


def search_pages(client: VendorClient, customer_id: str, query: str) -> Iterator[Page]:
    """`googleAds:search`, following `nextPageToken` with the same query (the API requires it)."""
    path = f"/{API_VERSION}/customers/{customer_id}/googleAds:search"
    pages = follow_cursor(
        lambda token: client.post_json(path, {"query": query, **({"pageToken": token} if token else {})}),
        lambda page: page.get("nextPageToken"))
    for page in pages:
        yield page.get("results", [])


@dlt.source(name="google_ads")
def google_ads_source(client: VendorClient, landing: Landing, window: ExtractWindow, settings: Settings) -> list[Any]:
    customer_id = settings.google_ads_customer_id

    def snapshot(spec: ResourceSpec) -> Any:
        # The campaign tree is small and has no updated-at filter: read whole, merge on id.
        def pages() -> Iterator[Page]:
            for page in search_pages(client, customer_id, SNAPSHOT_QUERIES[spec.name]):
                yield landing.land(spec.name, window.start, page, spec.contract)

        return resource(spec, pages)

    def daily(spec: ResourceSpec, lookback_days: int) -> Any:
        def pages(
            segment_date: dlt.sources.incremental[str] = dlt.sources.incremental(
                "segments.date",
                initial_value=window.start.isoformat(),
                end_value=window.end.isoformat() if window.partitioned else None,
                # Restated days are re-read every run; dlt keeps the cursor, the merge key dedups.
                lag=lookback_days,
            ),
        ) -> Iterator[Page]:
            for day in days_between(dt.date.fromisoformat(segment_date.start_value), window.end):
                query = DAILY_QUERIES[spec.name].format(day=day.isoformat())
                for page in search_pages(client, customer_id, query):
                    yield landing.land(spec.name, day, page, spec.contract)

        return resource(spec, pages)

    return [
        snapshot(CAMPAIGNS), snapshot(AD_GROUPS), snapshot(ADS),
        daily(CAMPAIGN_METRICS_DAILY, settings.google_ads_lookback_days),
        daily(AD_METRICS_DAILY, settings.google_ads_lookback_days),
        daily(CLICK_VIEWS, CLICK_VIEW_LOOKBACK_DAYS),
    ]
