"""GA4: BigQuery export REST (tables, schema, tabledata.list in f/v encoding) and the Data API runReport.

Documented fields checked: tabledata.list `kind`, `etag`, `totalRows` (string), `pageToken` (absent on
the last page), `rows[].f[].v`; INTEGER cells as strings, RECORD cells as `{"f": [...]}`, REPEATED
cells as `[{"v": ...}]`; tables.get `schema.fields[]` with name/type/mode/fields; runReport
`dimensionHeaders[].name`, `metricHeaders[].name/type`, `rows[].dimensionValues[].value` and
`metricValues[].value` (strings), `rowCount`, `metadata`, `propertyQuota`; Google's error envelope
`{"error": {"code", "message", "status"}}`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import requests

from brightcart_pipeline.ingest import extract_job, run_extract_job, run_ingest, run_replay
from brightcart_pipeline.lake.landing import decode_records
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.settings import Settings, load_settings
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.faults import Fault, FaultPlan, SchemaDrift
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_web import (
    ga4_click_ids,
    ga4_date,
    ga4_event_counts,
    ga4_transaction_ids,
)
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.sources.bigquery_wire import decode_row
from brightcart_pipeline.warehouse import connect
from tests.support.warehouse import query

# GA4 renders ~7 events per visit, so this world is half the usual test scale to keep runs quick.
WORLD = WorldConfig(seed=11, start=dt.date(2026, 10, 1), days=3, scale=0.0001)
AUTH = {"Authorization": f"Bearer {DEV_CREDENTIALS['ga4_access_token']}"}
DATASET = f"/bigquery/v2/projects/{Settings.model_fields['ga4_export_project'].default}/datasets/analytics_314159265"
REPORT = "/v1beta/properties/314159265:runReport"
DEFAULT_CLOCK = dt.datetime(2026, 10, 4, 6, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def server():
    with SimulatorServer(WORLD) as running:
        yield running


@pytest.fixture(autouse=True)
def reset(server):
    server.context.set_clock(DEFAULT_CLOCK)
    server.context.faults.replace(FaultPlan())
    yield
    server.context.set_clock(DEFAULT_CLOCK)
    server.context.faults.replace(FaultPlan())


def settings_for(home: Path, server: SimulatorServer, **overrides):
    return load_settings(home=home, api_base_url=server.base_url, start_date=WORLD.start,
                         simulator_days=WORLD.days, **overrides)


def get(server, path, params=None, headers=AUTH):
    return requests.get(server.base_url + path, params=params, headers=headers, timeout=60)


def report(server, day: str, headers=AUTH, **extra):
    body = {"dateRanges": [{"startDate": day, "endDate": day}],
            "dimensions": [{"name": n} for n in ("date", "sessionDefaultChannelGroup", "sessionSource")],
            "metrics": [{"name": n} for n in ("sessions", "eventCount", "keyEvents", "purchaseRevenue")], **extra}
    return requests.post(server.base_url + REPORT, json=body, headers=headers, timeout=60)


def test_export_speaks_bigquery_rest(server):
    tables = get(server, f"{DATASET}/tables").json()
    assert tables["kind"] == "bigquery#tableList"
    # From the day before the world's first day: Dublin's first day starts on New York's evening before.
    assert [t["tableReference"]["tableId"] for t in tables["tables"]] == [
        "events_20260930", "events_20261001", "events_20261002", "events_20261003"]

    table = get(server, f"{DATASET}/tables/events_20261002").json()
    fields = {f["name"]: f for f in table["schema"]["fields"]}
    assert fields["event_timestamp"] == {"name": "event_timestamp", "type": "INTEGER", "mode": "NULLABLE"}
    assert fields["event_params"]["mode"] == "REPEATED" and fields["event_params"]["type"] == "RECORD"
    assert {f["name"] for f in fields["collected_traffic_source"]["fields"]} >= {
        "manual_campaign_name", "manual_source", "manual_medium", "manual_content", "manual_term", "gclid", "dclid"}
    assert isinstance(table["numRows"], str)

    page = get(server, f"{DATASET}/tables/events_20261002/data", {"maxResults": 500}).json()
    assert page["kind"] == "bigquery#tableDataList" and page["etag"] and page["pageToken"]
    assert int(page["totalRows"]) == int(table["numRows"]) > 500
    cells = dict(zip(fields, page["rows"][0]["f"], strict=True))
    assert isinstance(cells["event_timestamp"]["v"], str) and cells["event_timestamp"]["v"].isdigit()
    assert isinstance(cells["device"]["v"]["f"], list)
    assert isinstance(cells["event_params"]["v"], list) and "v" in cells["event_params"]["v"][0]

    last = get(server, f"{DATASET}/tables/events_20261002/data",
               {"maxResults": 500, "startIndex": int(page["totalRows"]) - 10}).json()
    assert "pageToken" not in last and len(last["rows"]) == 10


def test_decoded_events_carry_utms_click_ids_and_purchases(server):
    fields = get(server, f"{DATASET}/tables/events_20261002").json()["schema"]["fields"]
    rows = get(server, f"{DATASET}/tables/events_20261002/data").json()["rows"]
    events = [decode_row(r, fields) for r in rows]
    assert all(e["event_date"] == "20261002" and isinstance(e["event_timestamp"], int) for e in events)
    params = [{p["key"]: p["value"] for p in e["event_params"]} for e in events]
    landings = [p["page_location"]["string_value"] for p in params if "gclid=" in p["page_location"]["string_value"]]
    assert landings and all("utm_source=google&utm_medium=cpc&utm_campaign=" in url for url in landings)
    purchases = [e for e in events if e["event_name"] == "purchase"]
    assert purchases and all(e["ecommerce"]["transaction_id"].isdigit() for e in purchases)
    assert {e["event_name"] for e in events} >= {"session_start", "page_view", "view_item", "add_to_cart",
                                                 "begin_checkout", "purchase"}
    assert any(p.get("traffic_type", {}).get("string_value") == "internal" for p in params)
    assert all(e["user_id"] for e in events if e["event_name"] == "login")


def test_data_api_report_shape(server):
    body = report(server, "2026-10-02", returnPropertyQuota=True).json()
    assert [h["name"] for h in body["dimensionHeaders"]] == ["date", "sessionDefaultChannelGroup", "sessionSource"]
    assert [h["type"] for h in body["metricHeaders"]] == ["TYPE_INTEGER", "TYPE_INTEGER", "TYPE_INTEGER",
                                                          "TYPE_CURRENCY"]
    assert body["rowCount"] == len(body["rows"]) > 0
    assert all(isinstance(v["value"], str) for r in body["rows"] for v in r["dimensionValues"] + r["metricValues"])
    assert {r["dimensionValues"][1]["value"] for r in body["rows"]} >= {"Paid Search", "Paid Social", "Direct"}
    assert body["metadata"]["timeZone"] == "America/New_York"
    assert body["propertyQuota"]["tokensPerHour"]["remaining"] > 0
    paged = report(server, "2026-10-02", limit=2, offset=2).json()
    assert paged["rows"] == body["rows"][2:4] and paged["rowCount"] == body["rowCount"]
    bad = requests.post(server.base_url + REPORT, headers=AUTH, timeout=30, json={
        "dateRanges": [{"startDate": "2026-10-02", "endDate": "2026-10-02"}], "dimensions": [{"name": "nope"}]})
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_wrong_token_gets_googles_401(server):
    for response in (get(server, f"{DATASET}/tables", headers={"Authorization": "Bearer wrong"}),
                     report(server, "2026-10-02", headers={"Authorization": "Bearer wrong"})):
        error = response.json()["error"]
        assert response.status_code == 401 and error["code"] == 401 and error["status"] == "UNAUTHENTICATED"
    assert get(server, f"{DATASET}/tables", headers={}).json()["error"]["errors"][0]["reason"] == "authError"


def test_same_seed_same_bytes(server):
    path = f"{DATASET}/tables/events_20261001/data"
    first = get(server, path, {"maxResults": 300}).content
    with SimulatorServer(WORLD) as twin:
        assert get(twin, path, {"maxResults": 300}).content == first
        assert report(twin, "2026-10-01").content == report(server, "2026-10-01").content


def test_late_events_appear_only_once_they_have_arrived(server):
    path = f"{DATASET}/tables/events_20261002"
    server.context.set_clock(dt.datetime(2026, 10, 3, 6, tzinfo=dt.UTC))
    early = int(get(server, path).json()["numRows"])
    server.context.set_clock(DEFAULT_CLOCK)
    late = int(get(server, path).json()["numRows"])
    truth_early = sum(n for (d, _), n in ga4_event_counts(
        server.world, int(dt.datetime(2026, 10, 3, 6, tzinfo=dt.UTC).timestamp() * 1e6)).items() if d == "20261002")
    assert late > early == truth_early


def test_throttles_and_data_faults(server, tmp_path):
    """429 RESOURCE_EXHAUSTED ridden out; drift lands its column; malformed rows dead-lettered; duplicates merged."""
    day = dt.date(2026, 10, 1)
    server.context.faults.replace(FaultPlan(faults=[
        Fault(vendor="ga4", kind="throttle", on=DEFAULT_CLOCK.date(), endpoint="/data", count=2),
        Fault(vendor="ga4", kind="throttle", on=DEFAULT_CLOCK.date(), endpoint=":runReport", count=1),
        Fault(vendor="ga4", kind="schema_drift", on=day, resource="events",
              drift=SchemaDrift(add="session_traffic_source_last_click")),
        Fault(vendor="ga4", kind="malformed_records", on=day, resource="events", count=3),
        Fault(vendor="ga4", kind="duplicate_records", on=day, resource="events", count=4),
    ]))
    settings = settings_for(tmp_path, server)
    result = run_ingest(settings, "ga4", ExtractWindow(day, day + dt.timedelta(days=1), partitioned=True))
    assert result.throttled >= 3

    table_rows = int(get(server, f"{DATASET}/tables/events_20261001").json()["numRows"])
    assert result.landed["events"] == table_rows and result.rejected["events"] == 3
    lake = open_lake(settings)
    dead = lake.list("dead_letter/ga4/events/dt=2026-10-01/")
    assert dead
    reasons = [r["reason"] for key in dead for r in decode_records(lake.read(key))]
    assert reasons == ["field 'event_timestamp' should be an integer, got 'N/A'"] * 3

    keys = query(settings, "select count(*), count(distinct (user_pseudo_id, event_timestamp, event_name, "
                         "batch_page_id, batch_ordering_id, batch_event_index)) from raw_ga4.events")[0]
    assert keys[0] == keys[1] == table_rows - 3 - 4
    drifted = query(settings, "select count(*) from raw_ga4.events where session_traffic_source_last_click = 'drift'")
    assert drifted[0][0] == keys[0]
    fired = {k: n for (v, k, _), n in server.context.faults.fired.items() if v == "ga4"}
    assert fired["throttle"] == 3 and fired["malformed_records"] == 3 and fired["duplicate_records"] == 4


def test_raw_equals_truth_late_events_are_picked_up_and_replay_matches(server, tmp_path):
    first_clock = dt.datetime(2026, 10, 2, 12, tzinfo=dt.UTC)  # only events_20261001 exists yet
    window = ExtractWindow(WORLD.start, WORLD.end)
    settings = settings_for(tmp_path, server)

    def raw_counts() -> Counter:
        return Counter({(d, n): c for d, n, c in query(
            settings, "select event_date, event_name, count(*) from raw_ga4.events group by all")})

    def truth_counts(as_of: dt.datetime, dates: set[str]) -> Counter:
        counts = ga4_event_counts(server.world, int(as_of.timestamp() * 1_000_000))
        return Counter({k: n for k, n in counts.items() if k[0] in dates})

    server.context.set_clock(first_clock)
    run_ingest(settings, "ga4", window)
    assert raw_counts() == truth_counts(first_clock, {"20261001"})

    # A day and a half later: two more tables, and late events of 1 October have arrived.
    server.context.set_clock(DEFAULT_CLOCK)
    second = run_ingest(settings, "ga4", window)
    assert second.landed["events"] == sum(int(get(server, f"{DATASET}/tables/events_{d}").json()["numRows"])
                                          for d in ("20261001", "20261002", "20261003"))
    expected = truth_counts(DEFAULT_CLOCK, {"20261001", "20261002", "20261003"})
    assert raw_counts() == expected
    assert expected[("20261001", "page_view")] > truth_counts(first_clock, {"20261001"})[("20261001", "page_view")]

    as_of = int(DEFAULT_CLOCK.timestamp() * 1_000_000)
    gclids = {r[0] for r in query(settings, "select collected_traffic_source__gclid from raw_ga4.events "
                                          "where collected_traffic_source__gclid is not null")}
    assert gclids == {c for c in ga4_click_ids(server.world, as_of) if c.startswith("Cj0KCQ")} - _spill(server)
    transactions = {r[0] for r in query(settings, "select ecommerce__transaction_id from raw_ga4.events "
                                                "where event_name = 'purchase'")}
    assert transactions <= ga4_transaction_ids(server.world, as_of) and transactions

    # The report leaves internal traffic out (the property's data filter); the export keeps it.
    report_rows = query(settings, "select date, sum(cast(event_count as bigint)) from raw_ga4.report_daily_sessions "
                                "group by date order by date")
    external = query(settings, "select event_date, count(*) from raw_ga4.events where not contains("
                             "cast(event_params as varchar), 'traffic_type') group by all order by all")
    assert report_rows == external

    # No change: a run at the same clock finds every table as it read it, reads none and duplicates nothing.
    before = query(settings, "select count(*) from raw_ga4.events")
    third = run_ingest(settings, "ga4", window)
    assert third.landed.get("events", 0) == 0
    assert query(settings, "select count(*) from raw_ga4.events") == before

    tables = ("events", "report_daily_sessions")
    snapshot = {t: _table(settings, t) for t in tables}
    con = connect(settings)
    con.execute("drop schema raw_ga4 cascade")
    con.close()
    run_replay(settings, "ga4", WORLD.start, WORLD.end)
    assert {t: _table(settings, t) for t in tables} == snapshot


def test_last_modified_time_moves_exactly_when_late_events_arrive(server):
    """tables.get's lastModifiedTime: later once a late event has arrived, the same while nothing has."""
    def table(date: str, clock: dt.datetime) -> tuple[int, int]:
        server.context.set_clock(clock)
        body = get(server, f"{DATASET}/tables/events_{date}").json()
        return int(body["numRows"]), int(body["lastModifiedTime"])

    clocks = [DEFAULT_CLOCK + dt.timedelta(hours=h) for h in (0, 1, 6, 24, 96, 120)]
    moved = kept = 0
    for date in ("20261001", "20261002", "20261003"):
        seen = [table(date, clock) for clock in clocks]
        for (rows, modified), (later_rows, later_modified), clock in zip(seen, seen[1:], clocks[1:], strict=False):
            assert later_modified <= clock.timestamp() * 1000
            if later_rows > rows:
                moved += 1
                assert later_modified > modified, (date, clock)
            else:
                kept += 1
                assert (later_rows, later_modified) == (rows, modified), (date, clock)
    assert moved and kept  # both cases met, so both assertions were exercised


def test_hourly_run_reads_only_new_or_changed_tables_and_equals_truth(server, tmp_path):
    """An hour after a full read, only the tables late events reached are read again (tabledata.list
    requests counted), their report too, and the raw table still equals the simulator's events."""
    window = ExtractWindow(WORLD.start, WORLD.end)
    settings = settings_for(tmp_path, server)
    exported = {"20261001", "20261002", "20261003"}  # tables that exist at DEFAULT_CLOCK and the hour after

    def by_date(clock: dt.datetime) -> Counter:
        counts = Counter()
        for (date, _), n in ga4_event_counts(server.world, int(clock.timestamp() * 1_000_000)).items():
            if date in exported:
                counts[date] += n
        return counts

    def run_at(clock: dt.datetime) -> tuple[set[str], int]:
        server.context.set_clock(clock)
        job = extract_job(settings, "ga4", window)
        job.client.answered = []
        run_extract_job(job)
        tables = {sent.url.split("/tables/events_")[1][:8] for sent in job.client.answered
                  if sent.url.endswith("/data")}
        reports = sum(sent.url.endswith(":runReport") for sent in job.client.answered)
        return tables, reports

    assert run_at(DEFAULT_CLOCK) == (exported, len(exported))
    hour_later = DEFAULT_CLOCK + dt.timedelta(hours=1)
    before, after = by_date(DEFAULT_CLOCK), by_date(hour_later)
    changed = {d for d in exported if after[d] != before[d]}
    assert changed and changed < exported  # late events reached some tables, not all
    assert run_at(hour_later) == (changed, len(changed))

    raw = Counter({d: n for d, n in query(settings, "select event_date, count(*) from raw_ga4.events group by all")})
    assert raw == after


def _spill(server) -> set[str]:
    """gclids of sessions whose landing page falls into 4 October's table (not exported by the clock)."""
    found = set()
    for day in server.world.days():
        s, clicks = day.sessions, day.clicks
        for row in range(len(s.start_ts)):
            click = int(s.click_index[row])
            if click >= 0 and s.ga4_tracked[row] and ga4_date(int(s.start_ts[row])) > "20261003":
                found.add(str(clicks.click_id[click]))
    return found


def _table(settings, name: str) -> list[tuple]:
    con = connect(settings, read_only=True)
    try:
        columns = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw_ga4' and table_name = ? "
            "and column_name not in ('_dlt_load_id', '_dlt_id') order by column_name", [name]).fetchall()]
        quoted = ", ".join(f'"{c}"' for c in columns)
        return con.execute(f"select {quoted} from raw_ga4.{name} order by all").fetchall()
    finally:
        con.close()
