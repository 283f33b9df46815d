"""Activation on the simulator: audiences equal ground truth, and the sync sends only consented changes.

One copy of the session's built warehouse gets the audience models rebuilt at a fixed evaluation time
inside TEST_WORLD (the built world evaluates them at "now", long after the world ends). The sync tests
then run in order on that copy against this module's simulator, whose HubSpot lists and Meta custom
audiences hold what was sent: first sync, a second one with no change, a consent withdrawal (the opt-out
a later HubSpot extract brings, written into raw), a deletion request, and a swing the guard holds.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import requests

from brightcart_pipeline.activation.changes import SizePolicy, diff, size_hold_reason
from brightcart_pipeline.activation.destinations import HubSpotLists, MetaCustomAudiences
from brightcart_pipeline.activation.identifiers import meta_email, meta_phone, sha256_hex
from brightcart_pipeline.activation.state import latest_holds
from brightcart_pipeline.activation.sync import SyncReport, sync_audiences
from brightcart_pipeline.assets.activation import AUDIENCE_SYNC, activation_job, size_guard_result
from brightcart_pipeline.automation.jobs import transform_job
from brightcart_pipeline.privacy.deletion import record_request
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.people import HUBSPOT_CONTACT_ID_BASE, person
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_audiences import AUDIENCES, AudienceRules
from brightcart_pipeline.simulator.truth_web import crm_contacts
from brightcart_pipeline.simulator.vendors.hubspot_lists import HubSpotListsVendor
from brightcart_pipeline.simulator.vendors.meta_audiences import MetaAudiencesVendor
from brightcart_pipeline.sources import hubspot, meta_ads
from tests.conftest import BuiltWorld, dbt_build, settings_for

AS_OF = dt.datetime(2026, 10, 4, 18, 0, tzinfo=dt.UTC)  # inside TEST_WORLD's last day
RULES = AudienceRules(as_of_us=int(AS_OF.timestamp()) * 1_000_000, product_view_days=2, lapsed_customer_days=2,
                      new_lead_days=2)
DBT_VARS = {"audiences_as_of": AS_OF.strftime("%Y-%m-%d %H:%M:%S"), "cart_abandonment_min_minutes":
            RULES.cart_min_minutes, "cart_abandonment_max_hours": RULES.cart_max_hours,
            "product_view_days": RULES.product_view_days, "lapsed_customer_days": RULES.lapsed_customer_days,
            "new_lead_days": RULES.new_lead_days, "high_ltv_top_share": RULES.high_ltv_top_share}
BATCH = 25  # both destinations' limits lowered so a tiny world still needs several requests
POLICY = SizePolicy(min_size=1, max_change_share=0.5)


def rebuild(settings: Settings, target: Path, *models: str, **overrides: object) -> None:
    dbt_build(settings, "--select", *models, "--vars", json.dumps(DBT_VARS | overrides), "--target-path", str(target))


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def vendor(server: SimulatorServer, kind: type) -> object:
    return next(v for v, _ in server.httpd.vendor_routes if isinstance(v, kind))


@pytest.fixture(scope="module")
def warehouse(built_world: BuiltWorld, simulator: SimulatorServer, tmp_path_factory: pytest.TempPathFactory
              ) -> Settings:
    home = tmp_path_factory.mktemp("activation")
    shutil.copy(built_world.settings.warehouse_path, home / "warehouse.duckdb")
    settings = settings_for(home, simulator)
    rebuild(settings, home / "dbt_target", "marts.audiences")
    return settings


@pytest.fixture(scope="module")
def person_of(warehouse: Settings) -> dict[str, str]:
    return dict(query(warehouse, "select identifier_node, person_key from intermediate.int_identity_graph"))


@pytest.fixture(scope="module")
def addressable(warehouse: Settings) -> set[str]:
    """Persons the warehouse knows an email for: only they can be in an audience."""
    return {p for (p,) in query(warehouse, "select distinct person_key from intermediate.int_identity_graph "
                                           "where identifier_node like 'email:%'")}


@pytest.fixture(scope="module")
def destinations(warehouse: Settings, simulator: SimulatorServer) -> list:
    vendor(simulator, HubSpotListsVendor).membership_batch_max = BATCH  # type: ignore[attr-defined]
    vendor(simulator, MetaAudiencesVendor).users_batch_max = BATCH  # type: ignore[attr-defined]
    return [HubSpotLists(hubspot.build_client(warehouse), batch_size=BATCH),
            MetaCustomAudiences(meta_ads.build_client(warehouse), warehouse.meta_ads_account_id, batch_size=BATCH)]


def sync(settings: Settings, destinations: list, policy: SizePolicy = POLICY) -> SyncReport:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        return sync_audiences(con, destinations, policy)


def members(settings: Settings) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    for row in query(settings, "select audience_name, person_key, hubspot_contact_id, email_trimmed_lower "
                               "from audiences.audience_members"):
        found.setdefault(row[0], []).append(row[1:])
    return found


def true_pid(contact_id: int) -> int:
    """HubSpot contact ids are base + 3·pid (+1 for a merged duplicate)."""
    return (contact_id - HUBSPOT_CONTACT_ID_BASE) // 3


def hubspot_list(simulator: SimulatorServer, audience: str) -> set[int]:
    return vendor(simulator, HubSpotListsVendor).members(f"brightcart_{audience}")  # type: ignore[attr-defined]


def meta_email_hashes(simulator: SimulatorServer, audience: str) -> set[str]:
    users = vendor(simulator, MetaAudiencesVendor).users(f"brightcart_{audience}")  # type: ignore[attr-defined]
    return {value for user in users for key, value in user if key == "EMAIL"}


# -- audiences against ground truth ----------------------------------------------------------------------
@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_audience_members_equal_ground_truth(audience, warehouse, built_world, person_of, addressable):
    expected = AUDIENCES[audience](built_world.world, built_world.as_of_us, RULES, person_of.get) & addressable
    built = {p for (p,) in query(warehouse, f"select person_key from audiences.audience_{audience}")}
    assert expected, f"{audience}: the test world should give this audience members at {AS_OF}"
    assert built == expected, (f"{audience}: {len(built - expected)} unexpected, {len(expected - built)} missing")


def test_consent_per_destination_follows_what_the_people_said(warehouse, built_world):
    rows = query(warehouse, "select hubspot_contact_id, email_marketing_consent, ad_audience_consent "
                            "from audiences.audience_members where hubspot_contact_id is not null")
    assert rows
    for contact_id, email_consent, ad_consent in rows:
        p = person(true_pid(contact_id))
        assert (email_consent, ad_consent) == (p.marketing_consent, p.ad_audience_consent), contact_id
    assert {ad for _, _, ad in rows} == {True, False}, "both kinds of people should be in the test world"


# -- normalisation and hashing ---------------------------------------------------------------------------
META_EMAIL_EXAMPLE = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"  # john_smith@gmail.com
META_PHONE_EXAMPLE = "254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4"  # 12345678901


@pytest.mark.parametrize("raw", ["John_Smith@gmail.com", "  John_Smith@Gmail.COM "])
def test_emails_hash_as_meta_publishes(raw):
    assert meta_email(raw) == "john_smith@gmail.com"
    assert sha256_hex(meta_email(raw) or "") == META_EMAIL_EXAMPLE


@pytest.mark.parametrize("raw", ["+1 (234) 567-8901", "1-234-567-8901", "001 234 567 8901", "12345678901"])
def test_phones_hash_as_meta_publishes(raw):
    assert meta_phone(raw) == "12345678901"
    assert sha256_hex(meta_phone(raw) or "") == META_PHONE_EXAMPLE


def test_what_is_no_identifier_is_not_sent():
    assert meta_email("not an address") is None
    assert meta_phone("12-34") is None


# -- diff and guard ----------------------------------------------------------------------------------------
def test_diff_sends_only_changes_and_replaces_changed_keys():
    changes = diff({"a": "1", "b": "2", "c": "9"}, {"a": "1", "c": "3", "d": "4"})
    assert changes.additions == {"b": "2", "c": "9"}
    assert changes.removals == {"c": "3", "d": "4"}
    assert diff({"a": "1"}, {"a": "1"}).empty


def test_size_guard_holds_small_audiences_and_swings_only():
    policy = SizePolicy(min_size=10, max_change_share=0.5)
    assert size_hold_reason(150, 100, policy) is None
    assert "below the minimum audience size of 10" in (size_hold_reason(9, 0, policy) or "")
    assert "from 100 to 151 (+51%)" in (size_hold_reason(151, 100, policy) or "")
    assert "from 100 to 49 (-51%)" in (size_hold_reason(49, 100, policy) or "")


# -- the simulated destinations' limits and error bodies -------------------------------------------------
def test_destinations_answer_oversized_and_unhashed_requests_as_documented(simulator, warehouse, destinations):
    hubspot_lists, meta = destinations
    list_id = hubspot_lists.ensure_audience("limits_probe")
    audience_id = meta.ensure_audience("limits_probe")
    too_many = requests.put(f"{simulator.base_url}/crm/v3/lists/{list_id}/memberships/add",
                            json=[str(HUBSPOT_CONTACT_ID_BASE + 3 * i) for i in range(BATCH + 1)],
                            headers={"Authorization": f"Bearer {DEV_CREDENTIALS['hubspot_access_token']}"}, timeout=10)
    assert too_many.status_code == 400
    assert too_many.json()["category"] == "VALIDATION_ERROR"
    assert f"At most {BATCH} record ids" in too_many.json()["message"]
    token = {"access_token": DEV_CREDENTIALS["meta_ads_access_token"]}
    rows = [[sha256_hex(f"user{i}@example.com"), ""] for i in range(BATCH + 1)]
    oversized = requests.post(f"{simulator.base_url}/v21.0/{audience_id}/users", params=token, timeout=10,
                              json={"payload": {"schema": ["EMAIL", "PHONE"], "data": rows}})
    assert oversized.status_code == 400
    assert oversized.json()["error"]["code"] == 100
    plain = requests.post(f"{simulator.base_url}/v21.0/{audience_id}/users", params=token, timeout=10,
                          json={"payload": {"schema": ["EMAIL", "PHONE"], "data": [["john@example.com", ""]]}})
    assert plain.json()["num_invalid_entries"] == 1
    assert meta_email_hashes(simulator, "limits_probe") == set()


# -- the sync, in order on one warehouse copy -------------------------------------------------------------
def test_first_sync_sends_consented_members_in_batches_and_audits_them(simulator, warehouse, built_world,
                                                                       destinations):
    report = sync(warehouse, destinations)
    assert not report.holds
    assert max(entry.members for entry in report.sent) <= BATCH
    assert any(entry.members == BATCH for entry in report.sent), "some audience should need several requests"
    contacts = crm_contacts(built_world.world, built_world.as_of_us)
    for audience, rows in members(warehouse).items():
        consented = [(p, c) for p, c, _ in rows if c is not None and person(true_pid(c)).marketing_consent]
        assert hubspot_list(simulator, audience) == {c for _, c in consented}, audience
        ad_consented = [c for _, c, _ in rows if c is not None and person(true_pid(c)).ad_audience_consent]
        expected = {sha256_hex(meta_email(contacts[c].email) or "") for c in ad_consented}
        assert meta_email_hashes(simulator, audience) == expected, audience
    audited = query(warehouse, "select destination, operation, sum(members) from activation.sync_audit "
                               "where sync_id = ? group by all", [report.sync_id])
    assert {(d, o) for d, o, _ in audited} == {("hubspot", "add"), ("meta", "add")}
    held = query(warehouse, "select count(*) from activation.sent_members")[0][0]
    assert sum(n for _, _, n in audited) == held


def test_second_sync_without_changes_sends_nothing(warehouse, destinations):
    report = sync(warehouse, destinations)
    assert report.requests == 0
    assert not report.holds


def sent_person(warehouse: Settings, exclude: set[str] = frozenset()) -> tuple[str, int, str]:
    """A person the first sync sent to both destinations: (person_key, HubSpot contact id, email)."""
    rows = query(warehouse, """
        select members.person_key, members.hubspot_contact_id, members.email_trimmed_lower
        from audiences.audience_members as members
        inner join activation.sent_members as sent on members.person_key = sent.person_key
        where sent.destination = 'meta' and members.hubspot_contact_id is not null
        order by members.person_key""")
    return next(row for row in rows if row[0] not in exclude)


def test_withdrawn_consent_is_removed_at_the_next_sync_and_never_readded(simulator, warehouse, destinations):
    person_key, contact_id, email = sent_person(warehouse)
    audiences = [a for a, rows in members(warehouse).items() if any(r[0] == person_key for r in rows)]
    with duckdb.connect(str(warehouse.warehouse_path)) as con:
        con.execute("update raw_hubspot.contacts set properties__hs_email_optout = 'true', "
                    "properties__hs_marketable_status = 'false' where cast(id as bigint) = ?", [contact_id])

    report = sync(warehouse, destinations)
    removed = {(e.audience_name, e.destination) for e in report.sent if e.reason == "consent_or_deletion"}
    assert removed == {(a, d) for a in audiences for d in ("hubspot", "meta")}
    assert all(entry.operation == "remove" for entry in report.sent)
    for audience in audiences:
        assert contact_id not in hubspot_list(simulator, audience)
        assert sha256_hex(email) not in meta_email_hashes(simulator, audience)
    assert not query(warehouse, "select 1 from activation.sent_members where person_key = ?", [person_key])
    assert sync(warehouse, destinations).requests == 0


def test_forgotten_person_is_removed_everywhere_and_never_readded(simulator, warehouse, destinations):
    withdrawn = {p for (p,) in query(warehouse, "select person_key from intermediate.int_persons__consent "
                                                "where not email_marketing_consent")}
    person_key, contact_id, email = sent_person(warehouse, exclude=withdrawn)
    with duckdb.connect(str(warehouse.warehouse_path)) as con:
        record_request(con, "email", email.upper())
    report = sync(warehouse, destinations)
    assert report.sent and all(e.reason == "consent_or_deletion" and e.operation == "remove" for e in report.sent)
    assert {e.destination for e in report.sent} == {"hubspot", "meta"}
    for audience in members(warehouse):
        assert contact_id not in hubspot_list(simulator, audience)
        assert sha256_hex(email) not in meta_email_hashes(simulator, audience)
    # Until the erasure has run they are still in the audiences; the sync never sends them again.
    assert query(warehouse, "select 1 from audiences.audience_members where person_key = ?", [person_key])
    assert sync(warehouse, destinations).requests == 0


def test_an_oversized_swing_holds_the_sync_and_fails_the_check(simulator, warehouse, built_world, person_of,
                                                                addressable, destinations):
    """A narrower cart window (a configuration slip) shrinks the audience by more than half: held, not sent."""
    narrowed = AudienceRules(**{**RULES.__dict__, "cart_max_hours": 4})
    after = AUDIENCES["cart_abandoners"](built_world.world, built_world.as_of_us, narrowed, person_of.get)
    lists_before = hubspot_list(simulator, "cart_abandoners")
    # A narrower window keeps a subset; of it, HubSpot should get those it holds already.
    contact_of = {p: c for p, c, _ in members(warehouse)["cart_abandoners"]}
    wanted_after = {p for p in after & addressable if contact_of[p] in lists_before}
    assert 0 < len(wanted_after) < 0.5 * len(lists_before), "the narrowed window must be a big swing"
    rebuild(warehouse, warehouse.home / "dbt_target", "audience_cart_abandoners", "audience_members",
            cart_abandonment_max_hours=4)

    report = sync(warehouse, destinations)
    assert {(h.audience_name, h.destination) for h in report.holds} == {("cart_abandoners", "hubspot"),
                                                                       ("cart_abandoners", "meta")}
    assert not [e for e in report.sent if e.audience_name == "cart_abandoners"]
    assert hubspot_list(simulator, "cart_abandoners") == lists_before
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        result = size_guard_result(latest_holds(con))
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert (f"cart_abandoners → hubspot: held, size would change from {len(lists_before)} to {len(wanted_after)} "
            in (result.description or ""))
    assert "beyond the allowed ±50% since the last sync" in (result.description or "")


def test_sync_is_scheduled_with_its_guard_in_the_code_location():
    from brightcart_pipeline.definitions import defs  # loads settings: only in the test that needs it

    graph = defs.resolve_asset_graph()
    parents = {k.to_user_string() for k in graph.get(AUDIENCE_SYNC).parent_keys}
    assert parents == {"audiences/audience_members"}
    checks = {key.name for key in graph.asset_check_keys if key.asset_key == AUDIENCE_SYNC}
    assert checks == {"audience_size_guard"}
    schedule = defs.get_schedule_def("audience_sync_hourly")
    assert schedule.job_name == "sync_audiences"
    assert {AUDIENCE_SYNC, dg.AssetKey(["audiences", "audience_cart_abandoners"])} <= \
        activation_job.selection.resolve(graph)
    assert AUDIENCE_SYNC not in transform_job.selection.resolve(graph), "the daily build must not call HubSpot or Meta"
