"""HubSpot CRM v3/v4: list, search (with its 10,000-result cap), associations, merges, archived deals.

Documented fields checked: records `id` (string), `properties` (every value a string or null),
`createdAt`, `updatedAt`, `archived` (+ `archivedAt` when archived), `associations.deals.results[]`
with `id`/`type`; list `paging.next.after`/`link`; search `total`, `results`, `paging.next.after`;
v4 batch read `status`, `results[].from.id`, `results[].to[].toObjectId/associationTypes`, `errors`;
error bodies `status`/`message`/`correlationId`/`category`, throttles `errorType`/`policyName` and the
`X-HubSpot-RateLimit-*` headers.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import requests

from brightcart_pipeline.ingest import run_ingest, run_replay
from brightcart_pipeline.lake.landing import decode_records
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.settings import load_settings
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.faults import Fault, FaultPlan, SchemaDrift
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_web import crm_contacts, crm_deals
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources import hubspot as hubspot_source
from brightcart_pipeline.sources.base import ExtractWindow
from tests.support.warehouse import query

WORLD = WorldConfig(seed=5, start=dt.date(2026, 10, 1), days=4, scale=0.0002)
AUTH = {"Authorization": f"Bearer {DEV_CREDENTIALS['hubspot_access_token']}"}
DEFAULT_CLOCK = dt.datetime(2026, 10, 5, 6, tzinfo=dt.UTC)
SEARCH = "/crm/v3/objects/contacts/search"


@pytest.fixture(scope="module")
def server():
    with SimulatorServer(WORLD) as running:
        yield running


@pytest.fixture(autouse=True)
def reset(server):
    vendor = next(v for v, _ in server.httpd.vendor_routes if v.NAME == "hubspot")
    yield
    server.context.set_clock(DEFAULT_CLOCK)
    server.context.faults.replace(FaultPlan())
    vendor.search_cap = 10_000


def vendor_of(server):
    return next(v for v, _ in server.httpd.vendor_routes if v.NAME == "hubspot")


def settings_for(home, server, **overrides):
    return load_settings(home=home, api_base_url=server.base_url, start_date=WORLD.start,
                         simulator_days=WORLD.days, **overrides)


def micros(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def search(server, body, headers=AUTH):
    return requests.post(server.base_url + SEARCH, json=body, headers=headers, timeout=30)


def test_list_endpoint_shape_paging_and_associations(server):
    response = requests.get(server.base_url + "/crm/v3/objects/contacts", headers=AUTH, timeout=30,
                            params={"limit": 100, "associations": "deals", "properties": "email,lifecyclestage"})
    body = response.json()
    assert response.headers["X-HubSpot-RateLimit-Max"] == "190"
    assert len(body["results"]) == 100 and body["paging"]["next"]["after"]
    assert body["paging"]["next"]["link"].startswith(server.base_url)
    first = body["results"][0]
    assert set(first) >= {"id", "properties", "createdAt", "updatedAt", "archived"} and first["archived"] is False
    assert isinstance(first["id"], str)
    assert set(first["properties"]) == {"email", "lifecyclestage", "createdate", "lastmodifieddate", "hs_object_id"}
    assert all(v is None or isinstance(v, str) for r in body["results"] for v in r["properties"].values())

    deals = requests.get(server.base_url + "/crm/v3/objects/deals", headers=AUTH, timeout=30,
                         params={"limit": 100, "associations": "contacts"}).json()["results"]
    contact_id = deals[0]["associations"]["contacts"]["results"][0]["id"]
    batch = requests.post(server.base_url + "/crm/v4/associations/contacts/deals/batch/read", headers=AUTH,
                          timeout=30, json={"inputs": [{"id": contact_id}, {"id": "1"}]})
    assert batch.status_code == 207 and batch.json()["status"] == "COMPLETE" and batch.json()["numErrors"] == 1
    link = batch.json()["results"][0]
    assert link["from"] == {"id": contact_id} and link["to"][0]["associationTypes"][0]["typeId"] == 4
    assert str(link["to"][0]["toObjectId"]) == deals[0]["id"]


def test_search_filters_sorts_and_caps_at_10000(server):
    low = "2026-10-02T00:00:00.000Z"
    body = {"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": low}]}],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["email", "lastmodifieddate"], "limit": 200}
    page = search(server, body).json()
    stamps = [r["properties"]["lastmodifieddate"] for r in page["results"]]
    assert stamps == sorted(stamps) and stamps[0] >= low and page["total"] > 200
    assert page["paging"]["next"]["after"] == "200" and "associations" not in page["results"][0]
    assert search(server, body | {"limit": 201}).status_code == 400
    capped = search(server, body | {"after": "10000"})
    assert capped.status_code == 400 and capped.json()["category"] == "VALIDATION_ERROR"


def test_wrong_token_gets_hubspots_401(server):
    response = search(server, {}, headers={"Authorization": "Bearer wrong"})
    body = response.json()
    assert response.status_code == 401 and body["category"] == "INVALID_AUTHENTICATION"
    assert body["status"] == "error" and body["message"].startswith("Authentication credentials not found")
    assert body["correlationId"]


def test_same_seed_same_bytes(server):
    body = {"limit": 150, "properties": ["email", "hs_analytics_source"], "after": "150"}
    first = search(server, body).content
    with SimulatorServer(WORLD) as twin:
        assert search(twin, body).content == first


def test_merged_duplicates_leave_listings_and_are_named_by_the_survivor(server):
    as_of = micros(DEFAULT_CLOCK)
    contacts = crm_contacts(server.world, as_of)
    merged = [c for c in contacts.values() if c.merged_into is not None]
    assert merged
    listed = {r["id"] for r in _all_contacts(server)}
    assert not {str(c.contact_id) for c in merged} & listed
    survivor = contacts[merged[0].merged_into]
    assert str(merged[0].contact_id) in survivor.merged_ids or merged[0].contact_id in survivor.merged_ids


def test_throttles_and_data_faults(server, tmp_path):
    """Both 429 policies ridden out; drift lands its property; malformed dead-lettered; duplicates merged."""
    day = dt.date(2026, 10, 2)
    server.context.faults.replace(FaultPlan(faults=[
        Fault(vendor="hubspot", kind="throttle", on=DEFAULT_CLOCK.date(), endpoint="/search", count=2),
        Fault(vendor="hubspot", kind="throttle", on=DEFAULT_CLOCK.date(), endpoint="/batch/read", count=1),
        Fault(vendor="hubspot", kind="schema_drift", on=day, resource="contacts",
              drift=SchemaDrift(add="properties.hs_latest_source_data_2")),
        Fault(vendor="hubspot", kind="malformed_records", on=day, resource="contacts", count=2),
        Fault(vendor="hubspot", kind="duplicate_records", on=day, resource="contacts", count=3),
        Fault(vendor="hubspot", kind="deleted_records", on=dt.date(2026, 10, 1), resource="contacts", count=2),
    ]))
    settings = settings_for(tmp_path, server)
    result = run_ingest(settings, "hubspot", ExtractWindow(day, day + dt.timedelta(days=1), partitioned=True))
    assert result.throttled >= 3
    assert result.rejected["contacts"] == 2
    lake = open_lake(settings)
    dead = lake.list("dead_letter/hubspot/contacts/")
    reasons = [r["reason"] for key in dead for r in decode_records(lake.read(key))]
    assert reasons == ["required field 'createdAt' is missing"] * 2
    total, distinct, drifted = query(settings, "select count(*), count(distinct id), count(properties__hs_latest_"
                                               "source_data_2) from raw_hubspot.contacts")[0]
    assert total == distinct == result.landed["contacts"] - 2 - 3 and drifted == total
    archived = query(settings, "select id, archived from raw_hubspot.archived_contacts")
    assert len(archived) == 2 and all(a for _, a in archived)


def test_raw_equals_truth_incremental_rewindowing_and_replay(server, tmp_path, monkeypatch):
    # A small search cap forces the source to re-window on lastmodifieddate, as 10,000 does in production.
    monkeypatch.setattr(hubspot_source, "SEARCH_RESULT_CAP", 400)
    vendor_of(server).search_cap = 400
    first_clock = dt.datetime(2026, 10, 3, 0, tzinfo=dt.UTC)
    # From the day before: Meta clicks follow Dublin's day, so the first leads are touched late on 30 September UTC.
    window = ExtractWindow(WORLD.start - dt.timedelta(days=1), WORLD.end)
    settings = settings_for(tmp_path, server)

    server.context.set_clock(first_clock)
    run_ingest(settings, "hubspot", window)
    first = crm_contacts(server.world, micros(first_clock))
    first_ids = {str(c.contact_id) for c in first.values() if c.listed}
    assert {r[0] for r in query(settings, "select id from raw_hubspot.contacts")} == first_ids

    server.context.set_clock(DEFAULT_CLOCK)
    second = run_ingest(settings, "hubspot", window)
    truth = crm_contacts(server.world, micros(DEFAULT_CLOCK))
    listed = {str(c.contact_id): c for c in truth.values() if c.listed}
    raw_contacts = dict(query(settings, "select id, properties__lastmodifieddate from raw_hubspot.contacts"))
    # Raw keeps what HubSpot returned: every listed contact, plus duplicates loaded before their merge.
    merged_away = set(raw_contacts) - set(listed)
    assert set(listed) <= set(raw_contacts) and merged_away
    assert merged_away == {str(c.contact_id) for c in truth.values()
                           if c.merged_into and str(c.contact_id) in first_ids}
    survivors = query(settings, "select properties__hs_merged_object_ids from raw_hubspot.contacts "
                                "where properties__hs_merged_object_ids is not null")
    assert merged_away <= {i for (ids,) in survivors for i in ids.split(";")}
    assert second.landed["contacts"] < len(listed)  # only what changed since the cursor (plus the boundary)
    assert {cid: _instant(raw_contacts[cid]) for cid in listed} == {
        cid: _instant(_ms_iso(c.last_modified_us)) for cid, c in listed.items()}
    sources = dict(query(settings, "select id, properties__hs_analytics_source from raw_hubspot.contacts"))
    assert all(sources[cid] == c.analytics_source for cid, c in listed.items())

    deals = crm_deals(server.world, micros(DEFAULT_CLOCK))
    raw_deals = dict(query(settings, "select id, properties__dealstage from raw_hubspot.deals"))
    assert raw_deals == {str(d.deal_id): d.stage(micros(DEFAULT_CLOCK)) for d in deals.values()
                         if d.archived_us is None or str(d.deal_id) in raw_deals}
    links = dict(query(settings, "select from__id, cast(\"to\" as varchar) from raw_hubspot.contact_deal_associations"))
    assert {cid for cid, c in listed.items() if c.deal_ids} == set(links)

    # Nothing changed: the next run reads only the cursor boundary and adds no rows.
    before = {t: query(settings, f"select count(*) from raw_hubspot.{t}")
              for t in ("contacts", "deals", "contact_deal_associations")}
    third = run_ingest(settings, "hubspot", window)
    assert sum(third.landed.get(t, 0) for t in ("contacts", "deals")) <= 4
    assert {t: query(settings, f"select count(*) from raw_hubspot.{t}") for t in before} == before

    snapshot = {t: _table(settings, t) for t in before}
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("drop schema raw_hubspot cascade")
    con.close()
    # Incremental pages land under their cursor's day, which by now is the clock's day.
    run_replay(settings, "hubspot", window.start, DEFAULT_CLOCK.date() + dt.timedelta(days=1))
    assert {t: _table(settings, t) for t in before} == snapshot


def _all_contacts(server) -> list[dict]:
    found, after = [], None
    while True:
        params = {"limit": 100, **({"after": after} if after else {})}
        body = requests.get(server.base_url + "/crm/v3/objects/contacts", headers=AUTH, params=params,
                            timeout=30).json()
        found += body["results"]
        after = body.get("paging", {}).get("next", {}).get("after")
        if not after:
            return found


def _ms_iso(ts_us: int) -> str:
    moment = dt.datetime.fromtimestamp(ts_us // 1000 / 1000, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _instant(value) -> dt.datetime:
    """dlt may type ISO strings as timestamps; compare instants either way."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(dt.UTC)


def _table(settings, name: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        columns = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw_hubspot' "
            "and table_name = ? and column_name not in ('_dlt_load_id', '_dlt_id') order by column_name",
            [name]).fetchall()]
        quoted = ", ".join(f'"{c}"' for c in columns)
        return con.execute(f"select {quoted} from raw_hubspot.{name} order by all").fetchall()
    finally:
        con.close()
