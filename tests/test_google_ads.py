"""Google Ads: the simulator speaks the REST wire format, and the source lands and loads ground truth.

Conformance checks against the real bodies in /work/shared/vendor-samples/google_ads/: every key path
of the samples' results (resourceName, id, name under campaign), the page envelope (`results`,
`nextPageToken`, `totalResultsCount`, `fieldMask`), searchStream's array of batches and the
GoogleAdsFailure error envelope, all with the same JSON types; plus camelCase names everywhere and
int64 values (ids, impressions, clicks, costMicros) as strings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
import requests

from brightcart_pipeline.ingest import run_ingest, run_replay
from brightcart_pipeline.lake.landing import decode_records
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.settings import PROJECT_ROOT, Settings, load_settings
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.faults import Fault, FaultPlan, SchemaDrift
from brightcart_pipeline.simulator.server import Request, Response, SimulatorServer
from brightcart_pipeline.simulator.truth_ads import (
    performance_max_campaign_ids,
    true_ad_rows,
    true_click_ids,
    true_spend_by_ad_day,
    true_spend_by_campaign_day,
)
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.sources.google_ads import google_ads_throttle, retry_delay_seconds
from tests.support.shapes import shape_differences
from tests.support.warehouse import business_rows, query

START = dt.date(2026, 10, 1)
DAYS = 3
CONFIG = WorldConfig(seed=11, start=START, days=DAYS, scale=0.0002)
END = CONFIG.end
WINDOW = ExtractWindow(START, END)
SAMPLES = PROJECT_ROOT.parent / "shared" / "vendor-samples" / "google_ads"
SEARCH = "/v18/customers/1234567890/googleAds:search"
HEADERS = {"developer-token": DEV_CREDENTIALS["google_ads_developer_token"],
           "Authorization": f"Bearer {DEV_CREDENTIALS['google_ads_access_token']}"}
CAMEL = re.compile(r"^(@type|[a-z][a-zA-Z0-9]*)$")
METRICS_QUERY = ("SELECT campaign.id, ad_group.id, ad_group_ad.ad.id, segments.date, metrics.impressions, "
                 "metrics.clicks, metrics.cost_micros, metrics.conversions FROM ad_group_ad "
                 "WHERE segments.date BETWEEN '2026-10-01' AND '2026-10-03'")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(CONFIG) as server:
        yield server


def settings_for(server: SimulatorServer, home: Path, **overrides: Any) -> Settings:
    return load_settings(home=home, api_base_url=server.base_url, simulator_days=DAYS, **overrides)


def vendor(server: SimulatorServer) -> Any:
    return next(v for v, _ in server.httpd.vendor_routes if v.NAME == "google_ads")


def search(server: SimulatorServer, query: str, stream: bool = False, headers: dict[str, str] | None = None,
           **extra: Any) -> requests.Response:
    path = SEARCH.replace(":search", ":searchStream") if stream else SEARCH
    return requests.post(server.base_url + path, json={"query": query, **extra}, headers=headers or HEADERS,
                         timeout=10)


def sample(name: str) -> Any:
    return orjson.loads((SAMPLES / name).read_bytes())


def assert_shape(expected: Any, actual: Any) -> None:
    """Every key path of the real body exists in ours with the same JSON type."""
    assert shape_differences(expected, actual, first_only=True) == []


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys(item)


def requests_response(response: Response) -> requests.Response:
    converted = requests.Response()
    converted.status_code = response.status
    converted._content = response.body
    converted.headers.update(response.headers)
    return converted


# -- wire protocol --------------------------------------------------------------------------------
def test_search_pages_match_the_real_paged_sample(sim: SimulatorServer) -> None:
    pages_sample = sample("paged_search_response.json")
    google = vendor(sim)
    google.page_size = 2
    try:
        pages, token = [], None
        while True:
            extra = {"pageToken": token} if token else {}
            body = search(sim, "SELECT campaign.id, campaign.name FROM campaign", **extra).json()
            pages.append(body)
            token = body.get("nextPageToken")
            if not token:
                break
    finally:
        google.page_size = 10_000
    assert len(pages) == 3
    assert_shape(pages_sample[0], pages[0])
    assert_shape(pages_sample[-1], pages[-1])
    assert "nextPageToken" not in pages[-1]
    assert {p["totalResultsCount"] for p in pages} == {"5"}
    assert pages[0]["fieldMask"] == "campaign.id,campaign.name"
    ids = [r["campaign"]["id"] for p in pages for r in p["results"]]
    assert ids == ["20101", "20102", "20103", "20104", "20105"]


def test_search_stream_and_metric_rows_have_the_documented_types(sim: SimulatorServer) -> None:
    batches = search(sim, "SELECT campaign.id, campaign.name FROM campaign", stream=True).json()
    assert isinstance(batches, list)
    assert_shape(sample("stream_search_response.json")[0], batches[0])

    body = search(sim, METRICS_QUERY).json()
    assert body["fieldMask"] == ("campaign.id,adGroup.id,adGroupAd.ad.id,segments.date,metrics.impressions,"
                                 "metrics.clicks,metrics.costMicros,metrics.conversions")
    assert all(CAMEL.match(k) for k in keys(body)), sorted(k for k in set(keys(body)) if not CAMEL.match(k))
    for row in body["results"]:
        for obj in ("campaign", "adGroup", "adGroupAd"):
            assert row[obj]["resourceName"].startswith("customers/1234567890/")
        for value in (row["metrics"]["impressions"], row["metrics"]["clicks"], row["metrics"]["costMicros"],
                      row["campaign"]["id"], row["adGroupAd"]["ad"]["id"]):
            assert isinstance(value, str) and value.isdigit()
        assert isinstance(row["metrics"]["conversions"], float | int)
    # Performance Max has no ad rows; its spend exists only at campaign level.
    assert performance_max_campaign_ids().isdisjoint({r["campaign"]["id"] for r in body["results"]})
    campaign_rows = search(sim, METRICS_QUERY.replace("ad_group.id, ad_group_ad.ad.id, ", "")
                           .replace("FROM ad_group_ad", "FROM campaign")).json()["results"]
    assert performance_max_campaign_ids() <= {r["campaign"]["id"] for r in campaign_rows}

    ad = search(sim, "SELECT ad_group_ad.ad.final_urls, ad_group_ad.ad.responsive_search_ad.headlines "
                     "FROM ad_group_ad WHERE campaign.id = '20101' LIMIT 1").json()["results"][0]["adGroupAd"]
    assert "utm_campaign=brand_search" in ad["ad"]["finalUrls"][0]
    assert ad["ad"]["responsiveSearchAd"]["headlines"][0]["text"]


def test_errors_use_the_google_ads_failure_envelope(sim: SimulatorServer) -> None:
    bad_field = search(sim, "SELECT metrics.fake_field FROM campaign")
    assert bad_field.status_code == 400
    assert_shape(sample("exception_google_ads_failure.json"), bad_field.json())
    failure = bad_field.json()["error"]["details"][0]
    assert failure["@type"] == "type.googleapis.com/google.ads.googleads.v18.errors.GoogleAdsFailure"
    assert failure["errors"][0]["errorCode"] == {"queryError": "UNRECOGNIZED_FIELD"}

    streamed = search(sim, "SELECT campaign.fake_field FROM campaign", stream=True)
    assert streamed.status_code == 400
    assert_shape(sample("exception_stream_search.json"), streamed.json())

    clicks = search(sim, "SELECT click_view.gclid FROM click_view WHERE segments.date >= '2026-10-01'")
    assert clicks.json()["error"]["details"][0]["errors"][0]["errorCode"] == {
        "clickViewError": "EXPECTED_FILTER_ON_A_SINGLE_DAY"}

    wrong_token = search(sim, "SELECT campaign.id FROM campaign", headers={**HEADERS, "Authorization": "Bearer x"})
    assert wrong_token.status_code == 401
    assert wrong_token.json()["error"]["status"] == "UNAUTHENTICATED"
    wrong_developer = search(sim, "SELECT campaign.id FROM campaign", headers={**HEADERS, "developer-token": "x"})
    assert wrong_developer.status_code == 403
    error = wrong_developer.json()["error"]
    assert error["status"] == "PERMISSION_DENIED"
    assert error["details"][0]["errors"][0]["errorCode"] == {"authorizationError": "DEVELOPER_TOKEN_NOT_APPROVED"}


def test_throttle_dialect_reads_the_retry_delay(sim: SimulatorServer) -> None:
    request = Request("POST", SEARCH, {}, {}, b"{}", sim.base_url)
    throttled = requests_response(vendor(sim).throttled(request))
    assert throttled.status_code == 429
    assert throttled.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert google_ads_throttle(throttled) == 1.0
    assert retry_delay_seconds({"error": {"details": [{"retryDelay": "2.5s"}]}}) == 2.5
    assert google_ads_throttle(requests_response(vendor(sim).server_error(request, 503))) is None


def test_same_seed_and_clock_give_identical_bytes(sim: SimulatorServer) -> None:
    first = search(sim, METRICS_QUERY).content
    assert search(sim, METRICS_QUERY).content == first
    clicks = "SELECT click_view.gclid, campaign.id FROM click_view WHERE segments.date = '2026-10-02'"
    with SimulatorServer(CONFIG) as twin:
        assert search(twin, METRICS_QUERY).content == first
        assert search(twin, clicks).content == search(sim, clicks).content


# -- extraction -----------------------------------------------------------------------------------
def campaign_spend(settings: Settings) -> dict[tuple[str, str], int]:
    rows = query(settings, "SELECT campaign__id, segments__date, metrics__cost_micros "
                           "FROM raw_google_ads.campaign_metrics_daily")
    return {(c, d): int(cost) for c, d, cost in rows}


def test_ingest_matches_ground_truth_restates_and_replays(sim: SimulatorServer, tmp_path: Path) -> None:
    settings = settings_for(sim, tmp_path)
    world = sim.world
    truth_spend = true_spend_by_campaign_day(world, "google_ads")

    first = run_ingest(settings, "google_ads", WINDOW)
    assert first.rejected == dict.fromkeys(first.landed, 0)
    assert query(settings, "SELECT count(*) FROM raw_google_ads.campaigns") == [(5,)]
    assert query(settings, "SELECT count(*) FROM raw_google_ads.ad_groups") == [(8,)]
    assert query(settings, "SELECT count(*) FROM raw_google_ads.ads") == [(16,)]
    gclids = {g for (g,) in query(settings, "SELECT click_view__gclid FROM raw_google_ads.click_views")}
    assert gclids == set().union(*true_click_ids(world, "google_ads").values())

    # At the default clock (06:00 UTC after the last day) only the first day is past restatement.
    preliminary = campaign_spend(settings)
    final_day = START.isoformat()
    assert {k: v for k, v in preliminary.items() if k[1] == final_day} == \
        {k: v for k, v in truth_spend.items() if k[1] == final_day}
    for key, cost in preliminary.items():
        assert cost <= truth_spend[key]
    assert sum(preliminary.values()) < sum(truth_spend.values())

    try:
        sim.context.set_clock(dt.datetime.combine(END + dt.timedelta(days=4), dt.time(6), tzinfo=dt.UTC))
        run_ingest(settings, "google_ads", WINDOW)
        assert campaign_spend(settings) == truth_spend
        ads = query(settings, "SELECT ad_group_ad__resource_name, segments__date, metrics__cost_micros "
                              "FROM raw_google_ads.ad_metrics_daily")
        assert {(rn.rsplit("~", 1)[1], d): int(c) for rn, d, c in ads} == true_spend_by_ad_day(world, "google_ads")
        ad_rows = sum(1 for r in true_ad_rows(world, "google_ads") if r.ad_id)
        assert len(ads) == ad_rows

        # A run with a one-day lookback asks only for the last two days and duplicates nothing.
        short = settings_for(sim, tmp_path, google_ads_lookback_days=1)
        again = run_ingest(short, "google_ads", WINDOW)
        lake = open_lake(short)
        days = {key.split("/dt=")[1][:10] for key in lake.list("raw/google_ads/campaign_metrics_daily/")
                if again.landing_id in key}
        assert days == {(END - dt.timedelta(days=n)).isoformat() for n in (1, 2)}
        assert campaign_spend(settings) == truth_spend
        assert len(query(settings, "SELECT 1 FROM raw_google_ads.ad_metrics_daily")) == ad_rows
    finally:
        sim.context.set_clock(dt.datetime.combine(END, dt.time(6), tzinfo=dt.UTC))

    names = ("campaigns", "ad_groups", "ads", "campaign_metrics_daily", "ad_metrics_daily", "click_views")
    before = {name: business_rows(settings, "raw_google_ads", name) for name in names}
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("DROP SCHEMA raw_google_ads CASCADE")
    run_replay(settings, "google_ads", START, END)
    assert {name: business_rows(settings, "raw_google_ads", name) for name in names} == before


def test_faults_throttle_drift_malformed_and_duplicates(tmp_path: Path) -> None:
    day2 = START + dt.timedelta(days=1)
    plan = FaultPlan(faults=[
        Fault(vendor="google_ads", kind="throttle", on=END, count=2),
        Fault(vendor="google_ads", kind="schema_drift", on=START, resource="campaign",
              drift=SchemaDrift(add="driftNote")),
        Fault(vendor="google_ads", kind="malformed_records", on=day2, resource="click_view", count=2),
        Fault(vendor="google_ads", kind="duplicate_records", on=START, resource="ad_group_ad", count=3),
    ])
    with SimulatorServer(CONFIG, fault_plan=plan) as server:
        vendor(server).page_size = 10  # 16 ad rows a day: the duplicates arrive on the next page
        settings = settings_for(server, tmp_path)
        result = run_ingest(settings, "google_ads", WINDOW)
        fired = {kind for (_, kind, _) in server.context.faults.fired}

    assert result.throttled == 2
    assert fired == {"throttle", "schema_drift", "malformed_records", "duplicate_records"}
    drift = query(settings, "SELECT segments__date, drift_note FROM raw_google_ads.campaign_metrics_daily")
    assert {d for d, note in drift if note == "drift"} == {START.isoformat()}

    lake = open_lake(settings)
    dead = [r for key in lake.list(f"dead_letter/google_ads/click_views/dt={day2}/")
            for r in decode_records(lake.read(key))]
    assert len(dead) == 2
    assert all(r["reason"] == "required field 'clickView.gclid' is missing" and r["raw_file"] for r in dead)
    clicks = query(settings, "SELECT count(*) FROM raw_google_ads.click_views")[0][0]
    assert clicks == sum(map(len, true_click_ids(server.world, "google_ads").values())) - 2

    ads = query(settings, "SELECT ad_group_ad__resource_name, segments__date FROM raw_google_ads.ad_metrics_daily")
    assert len(ads) == len(set(ads)) == sum(1 for r in true_ad_rows(server.world, "google_ads") if r.ad_id)
