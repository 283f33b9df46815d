"""Meta Marketing API: the simulator speaks Graph API v21.0, and the source lands and loads ground truth.

Documented shape checked: `{"data": [...], "paging": {"cursors": {"before", "after"}, "next": <full
URL>}}` for edges; insights rows with every metric as a string (`impressions`, `clicks`,
`inline_link_clicks`, `spend` with two decimals in EUR), `actions`/`action_values` as lists of
`{"action_type", "value"}`, `date_start`/`date_stop`, `account_currency`; async report runs
(`report_run_id`, `async_status`, `async_percent_completion`); error envelopes
`{"error": {"message", "type", "code", "fbtrace_id"}}` with code 190 for a bad token and 17/80000
(+ `x-business-use-case-usage`) for throttling.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
import requests

from brightcart_pipeline.ingest import run_ingest, run_replay
from brightcart_pipeline.lake.landing import decode_records
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.settings import Settings, load_settings
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.faults import Fault, FaultPlan, SchemaDrift
from brightcart_pipeline.simulator.server import Request, Response, SimulatorServer
from brightcart_pipeline.simulator.truth_ads import true_ad_rows, true_click_ids, true_spend_by_ad_day
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources import meta_ads as meta_source
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.sources.meta_ads import meta_throttle, usage_pressure
from tests.support.warehouse import business_rows, query

START = dt.date(2026, 10, 1)
DAYS = 3
CONFIG = WorldConfig(seed=13, start=START, days=DAYS, scale=0.0002)
END = CONFIG.end
WINDOW = ExtractWindow(START, END)
ACCOUNT = "/v21.0/act_1100220033"
TOKEN = {"access_token": DEV_CREDENTIALS["meta_ads_access_token"]}
INSIGHTS = {"level": "ad", "time_increment": "1", "time_range": '{"since":"2026-10-01","until":"2026-10-03"}',
            "fields": "ad_id,adset_id,campaign_id,impressions,clicks,inline_link_clicks,spend,actions,"
                      "action_values,account_currency"}
MONEY = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(CONFIG) as server:
        yield server


def settings_for(server: SimulatorServer, home: Path, **overrides: Any) -> Settings:
    return load_settings(home=home, api_base_url=server.base_url, simulator_days=DAYS, **overrides)


def get(server: SimulatorServer, path: str, **params: Any) -> requests.Response:
    return requests.get(server.base_url + path, params={**TOKEN, **params}, timeout=10)


def requests_response(response: Response) -> requests.Response:
    converted = requests.Response()
    converted.status_code = response.status
    converted._content = response.body
    converted.headers.update(response.headers)
    return converted


def vendor(server: SimulatorServer) -> Any:
    return next(v for v, _ in server.httpd.vendor_routes if v.NAME == "meta_ads")


# -- wire protocol --------------------------------------------------------------------------------
def test_edges_page_with_cursors_and_a_full_next_url(sim: SimulatorServer) -> None:
    url: str | None = f"{sim.base_url}{ACCOUNT}/ads"
    params: dict[str, Any] | None = {**TOKEN, "fields": "id,name,adset_id,creative,updated_time", "limit": 5}
    ads = []
    while url:
        body = requests.get(url, params=params, timeout=10).json()
        assert set(body["paging"]["cursors"]) == {"before", "after"}
        ads.extend(body["data"])
        url = body["paging"].get("next")
        assert url is None or url.startswith(sim.base_url + ACCOUNT + "/ads?")
        params = None
    assert len(ads) == 16 and len({a["id"] for a in ads}) == 16
    assert set(ads[0]) == {"id", "name", "adset_id", "creative", "updated_time"}
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$", ads[0]["updated_time"])
    creative = get(sim, f"{ACCOUNT}/adcreatives", fields="url_tags").json()["data"][0]
    assert "utm_source=facebook" in creative["url_tags"] and "utm_content=ad_" in creative["url_tags"]
    bad = get(sim, f"{ACCOUNT}/campaigns", fields="id,nope")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100


def test_insights_carry_string_metrics_and_async_reports_match(sim: SimulatorServer) -> None:
    sync = get(sim, f"{ACCOUNT}/insights", **INSIGHTS, limit=500).json()["data"]
    assert len(sync) == len(true_ad_rows(sim.world, "meta_ads"))
    for row in sync:
        assert row["account_currency"] == "EUR"
        assert MONEY.match(row["spend"])
        for name in ("impressions", "clicks", "inline_link_clicks"):
            assert isinstance(row[name], str) and row[name].isdigit()
        assert int(row["clicks"]) >= int(row["inline_link_clicks"])
        assert row["date_start"] == row["date_stop"]
        for action in row.get("actions", []) + row.get("action_values", []):
            assert set(action) == {"action_type", "value"} and isinstance(action["value"], str)
    assert any(a["action_type"] == "lead" for row in sync for a in row.get("actions", []))

    started = requests.post(f"{sim.base_url}{ACCOUNT}/insights", params={**TOKEN, **INSIGHTS}, timeout=10).json()
    report = started["report_run_id"]
    statuses = [get(sim, f"/v21.0/{report}").json() for _ in range(2)]
    assert [s["async_status"] for s in statuses] == ["Job Running", "Job Completed"]
    assert statuses[-1]["async_percent_completion"] == 100
    assert get(sim, f"/v21.0/{report}/insights", limit=500).json()["data"] == sync


def test_bad_tokens_get_graph_oauth_errors(sim: SimulatorServer) -> None:
    wrong = requests.get(f"{sim.base_url}{ACCOUNT}/campaigns", params={"access_token": "nope"}, timeout=10)
    assert wrong.status_code == 400
    error = wrong.json()["error"]
    assert (error["type"], error["code"]) == ("OAuthException", 190)
    assert error["message"].startswith("Invalid OAuth access token") and error["fbtrace_id"]
    missing = requests.get(f"{sim.base_url}{ACCOUNT}/campaigns", timeout=10)
    assert missing.json()["error"]["code"] == 104
    assert meta_throttle(wrong) is None


def test_throttle_dialect_and_usage_pressure(sim: SimulatorServer) -> None:
    meta = vendor(sim)
    insights = requests_response(meta.throttled(Request("GET", f"{ACCOUNT}/insights", {}, {}, b"", "")))
    management = requests_response(meta.throttled(Request("GET", f"{ACCOUNT}/campaigns", {}, {}, b"", "")))
    assert insights.status_code == management.status_code == 400
    assert insights.json()["error"]["code"] == 80000 and insights.json()["error"]["error_subcode"] == 2446079
    assert management.json()["error"]["code"] == 17
    assert "x-business-use-case-usage" in insights.headers
    assert meta_throttle(insights) == meta_throttle(management) == 1.0
    app_limit = requests.Response()
    app_limit.status_code, app_limit._content = 400, b'{"error": {"code": 613, "message": "Calls limited"}}'
    assert meta_throttle(app_limit) == 1.0

    def with_usage(percent: int, regain: int = 0) -> requests.Response:
        response = requests.Response()
        response.status_code, response._content = 200, b"{}"
        response.headers["x-business-use-case-usage"] = orjson.dumps({"1100220033": [{
            "type": "ads_insights", "call_count": percent, "total_cputime": 5, "total_time": 5,
            "estimated_time_to_regain_access": regain}]}).decode()
        return response

    assert usage_pressure(with_usage(10)) == 0.0
    assert usage_pressure(with_usage(95)) > 0
    assert usage_pressure(with_usage(100, regain=2)) == 120.0


def test_same_seed_and_clock_give_identical_bytes(sim: SimulatorServer) -> None:
    first = get(sim, f"{ACCOUNT}/insights", **INSIGHTS).content
    assert get(sim, f"{ACCOUNT}/insights", **INSIGHTS).content == first
    with SimulatorServer(CONFIG) as twin:
        assert get(twin, f"{ACCOUNT}/insights", **INSIGHTS).content.replace(
            twin.base_url.encode(), sim.base_url.encode()) == first
        assert get(twin, f"{ACCOUNT}/campaigns", fields="id,name,daily_budget,updated_time").content == \
            get(sim, f"{ACCOUNT}/campaigns", fields="id,name,daily_budget,updated_time").content


# -- extraction -----------------------------------------------------------------------------------
def ad_spend(settings: Settings) -> dict[tuple[str, str], int]:
    rows = query(settings, "SELECT ad_id, date_start, spend FROM raw_meta_ads.ad_insights_daily")
    return {(ad, day): int(Decimal(spend) * 1_000_000) for ad, day, spend in rows}


def test_ingest_matches_ground_truth_restates_and_replays(sim: SimulatorServer, tmp_path: Path) -> None:
    settings = settings_for(sim, tmp_path)
    world = sim.world
    truth = true_spend_by_ad_day(world, "meta_ads")

    first = run_ingest(settings, "meta_ads", WINDOW)
    assert first.rejected == dict.fromkeys(first.landed, 0)
    for name, count in (("campaigns", 4), ("adsets", 8), ("ads", 16), ("adcreatives", 16)):
        assert query(settings, f"SELECT count(*) FROM raw_meta_ads.{name}") == [(count,)]
    # Every campaign's budget changed during the simulated days: the latest version is loaded.
    # (dlt types updated_time as a timestamp; the changes happen at 09:00 Dublin, the same UTC day.)
    assert {u.astimezone(dt.UTC).date().isoformat()
            for (u,) in query(settings, "SELECT updated_time FROM raw_meta_ads.campaigns")} == \
        {(START + dt.timedelta(days=i)).isoformat() for i in range(DAYS)}

    preliminary = ad_spend(settings)
    assert {k: v for k, v in preliminary.items() if k[1] == START.isoformat()} == \
        {k: v for k, v in truth.items() if k[1] == START.isoformat()}
    assert all(cost <= truth[key] for key, cost in preliminary.items())
    assert sum(preliminary.values()) < sum(truth.values())

    try:
        sim.context.set_clock(dt.datetime.combine(END + dt.timedelta(days=4), dt.time(6), tzinfo=dt.UTC))
        run_ingest(settings, "meta_ads", WINDOW)
        assert ad_spend(settings) == truth
        clicks = query(settings, "SELECT ad_id, date_start, inline_link_clicks FROM raw_meta_ads.ad_insights_daily")
        assert {(a, d): int(c) for a, d, c in clicks} == {
            (r.ad_id, r.date.isoformat()): r.clicks for r in true_ad_rows(world, "meta_ads")}

        # A one-day lookback asks for the last two days only; unchanged entities are not fetched again.
        short = settings_for(sim, tmp_path, meta_ads_lookback_days=1)
        again = run_ingest(short, "meta_ads", WINDOW)
        assert "campaigns" not in again.landed and "ads" not in again.landed
        lake = open_lake(short)
        days = {key.split("/dt=")[1][:10] for key in lake.list("raw/meta_ads/ad_insights_daily/")
                if again.landing_id in key}
        assert days == {(END - dt.timedelta(days=n)).isoformat() for n in (1, 2)}
        assert ad_spend(settings) == truth
        assert len(query(settings, "SELECT 1 FROM raw_meta_ads.ad_insights_daily")) == len(truth)
    finally:
        sim.context.set_clock(dt.datetime.combine(END, dt.time(6), tzinfo=dt.UTC))

    # Meta does not expose fbclids: ground truth keeps them for the identity tests downstream.
    assert sum(map(len, true_click_ids(world, "meta_ads").values())) > 0

    names = ("campaigns", "adsets", "ads", "adcreatives", "ad_insights_daily")
    before = {name: business_rows(settings, "raw_meta_ads", name) for name in names}
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("DROP SCHEMA raw_meta_ads CASCADE")
    run_replay(settings, "meta_ads", START, END)
    assert {name: business_rows(settings, "raw_meta_ads", name) for name in names} == before


def test_faults_throttle_drift_malformed_and_duplicates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    day2 = START + dt.timedelta(days=1)
    plan = FaultPlan(faults=[
        Fault(vendor="meta_ads", kind="throttle", on=END, endpoint="/campaigns", count=1),
        Fault(vendor="meta_ads", kind="throttle", on=END, endpoint="/insights", count=1),
        Fault(vendor="meta_ads", kind="schema_drift", on=START, resource="insights",
              drift=SchemaDrift(add="drift_note")),
        Fault(vendor="meta_ads", kind="malformed_records", on=day2, resource="insights", count=2),
        Fault(vendor="meta_ads", kind="duplicate_records", on=START, resource="insights", count=3),
    ])
    monkeypatch.setattr(meta_source, "INSIGHTS_PAGE_LIMIT", 5)  # the duplicates arrive on later pages
    monkeypatch.setattr(meta_source, "ASYNC_POLL_SECONDS", 0.01)
    with SimulatorServer(CONFIG, fault_plan=plan) as server:
        settings = settings_for(server, tmp_path)
        result = run_ingest(settings, "meta_ads", WINDOW)
        fired = {kind for (_, kind, _) in server.context.faults.fired}
        truth_rows = len(true_ad_rows(server.world, "meta_ads"))

    assert result.throttled == 2
    assert fired == {"throttle", "schema_drift", "malformed_records", "duplicate_records"}
    drift = query(settings, "SELECT date_start, drift_note FROM raw_meta_ads.ad_insights_daily")
    assert {d for d, note in drift if note == "drift"} == {START.isoformat()}

    lake = open_lake(settings)
    dead = [r for key in lake.list(f"dead_letter/meta_ads/ad_insights_daily/dt={day2}/")
            for r in decode_records(lake.read(key))]
    assert len(dead) == 2
    assert all(r["reason"] == "field 'spend' should be a decimal amount, got 'N/A'" for r in dead)

    keys = query(settings, "SELECT ad_id, date_start FROM raw_meta_ads.ad_insights_daily")
    assert len(keys) == len(set(keys)) == truth_rows - 2
