"""Web, CRM and identity marts on the simulator, compared with the world's ground truth.

One pipeline run (all five vendors → lake → raw → dbt) on the default test world, with the clock four
days past the last simulated day so every late GA4 event has landed. Expectations are computed from
the simulator (its sessions, clicks, orders, CRM timeline and people), never copied from a run:
- fct_sessions: exactly GA4's tracked sessions, counted once on their start date (property timezone),
  each in the channel its traffic defines;
- fct_leads: exactly HubSpot's listed contacts with their created date, lifecycle stage and source;
- identity: pairwise precision and recall of persons against the true person behind every identifier;
  internal and test accounts never merge with anyone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest

from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.simulator.catalog import CAMPAIGN_BY_ID, GA4_PROPERTY_TIMEZONE, SHOP_TIMEZONE
from brightcart_pipeline.simulator.people import (
    HUBSPOT_CONTACT_ID_BASE,
    SHOPIFY_CUSTOMER_ID_BASE,
    canonical_email,
    is_special,
    person,
)
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_web import (
    CHANNEL_GROUP,
    HUBSPOT_ANALYTICS_SOURCE,
    crm_contacts,
    crm_deals,
    ga4_sessions,
)
from brightcart_pipeline.simulator.world import CHANNELS, US_PER_SECOND, World
from brightcart_pipeline.sources.base import ExtractWindow
from tests.conftest import TEST_WORLD, dbt_build, settings_for
from tests.support.warehouse import query

pytestmark = pytest.mark.integration

SOURCES = ("shopify", "google_ads", "meta_ads", "ga4", "hubspot")
MARTS = ("+fct_sessions", "+fct_leads", "+dim_person", "+dim_customer", "+int_crm__deals")
PROPERTY_TZ = ZoneInfo(GA4_PROPERTY_TIMEZONE)
# Identifiers a customer or lead is known by (not anonymous browser or click ids).
KNOWN_TYPES = ("email", "hubspot_contact_id", "shopify_order_id", "shopify_customer_id")
PAID_CHANNEL_BY_TYPE = {"SHOPPING": "Paid Shopping", "PERFORMANCE_MAX": "Paid Shopping", "VIDEO": "Paid Video"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The world's warehouse after one full run, with the simulator clock it was extracted at."""
    with SimulatorServer(TEST_WORLD) as server:
        world = server.world
        server.context.set_clock(dt.datetime.combine(world.config.end + dt.timedelta(days=4), dt.time(6),
                                                     tzinfo=dt.UTC))
        settings = settings_for(tmp_path_factory.mktemp("web_identity"), server)
        window = ExtractWindow(world.config.first_utc_day, world.config.end)
        for source in SOURCES:
            run_ingest(settings, source, window)
        dbt_build(settings, "--select", *MARTS)
        yield settings, world, server.context.as_of_us


def local_date(ts_us: int, tz: ZoneInfo) -> dt.date:
    return dt.datetime.fromtimestamp(ts_us / US_PER_SECOND, tz).date()


def test_sessions_per_day_are_ga4_sessions_counted_once_on_their_start_date(built):
    settings, world, as_of = built
    truth = ga4_sessions(world, as_of)
    built_keys = query(settings, "select user_pseudo_id, ga_session_id, session_date from core.fct_sessions")
    assert {(u, s) for u, s, _ in built_keys} == truth
    assert len(built_keys) == len(truth)
    expected = Counter(local_date(sid * US_PER_SECOND, PROPERTY_TZ) for _, sid in truth)
    assert Counter(d for _, _, d in built_keys) == expected


def test_every_session_is_in_the_channel_its_traffic_defines(built):
    settings, world, _as_of = built
    expected: dict[tuple[str, int], str] = {}
    for day in world.days():
        s, clicks = day.sessions, day.clicks
        for row in range(len(s.start_ts)):
            if not s.ga4_tracked[row]:
                continue
            key = (person(int(s.person_id[row])).client_id(int(s.device[row])), int(s.start_ts[row]) // US_PER_SECOND)
            channel = CHANNELS[int(s.channel[row])]
            if s.internal[row]:
                expected[key] = "Internal"
            elif channel == "google_paid":
                campaign = CAMPAIGN_BY_ID[str(clicks.campaign_id[int(s.click_index[row])])]
                expected[key] = PAID_CHANNEL_BY_TYPE.get(campaign.channel_type, "Paid Search")
            else:
                expected[key] = CHANNEL_GROUP[channel]
    built_channels = {(u, s): c for u, s, c in query(settings, "select user_pseudo_id, ga_session_id, channel "
                                                              "from core.fct_sessions")}
    assert set(built_channels) <= set(expected)
    wrong = {k: (v, expected[k]) for k, v in built_channels.items() if v != expected[k]}
    assert not wrong


def test_leads_are_hubspots_contacts_with_their_created_date_stage_and_source(built):
    settings, world, as_of = built
    truth = {c.contact_id: c for c in crm_contacts(world, as_of).values() if c.listed}
    rows = query(settings, "select contact_id, created_date, lifecycle_stage, analytics_source from core.fct_leads")
    assert {r[0] for r in rows} == set(truth)
    assert len(rows) == len(truth)
    shop_tz = ZoneInfo(SHOP_TIMEZONE)
    for contact_id, created_date, stage, source in rows:
        contact = truth[contact_id]
        assert (created_date, stage, source) == (local_date(contact.created_us, shop_tz), contact.lifecyclestage,
                                                 contact.analytics_source)
    assert set(HUBSPOT_ANALYTICS_SOURCE.values()) >= {r[3] for r in rows}
    deals = {d for (d,) in query(settings, "select deal_id from intermediate.int_crm__deals")}
    assert deals == set(crm_deals(world, as_of))
    merged = query(settings, "select merged_contact_id, survivor_contact_id from intermediate.int_crm__contact_merges "
                             "where is_merged_away")
    expected_merges = {(c.contact_id, c.merged_into) for c in crm_contacts(world, as_of).values() if c.merged_into}
    assert set(merged) == expected_merges


def true_person(node: str, world: World, truth: dict[str, int], email_owners: dict[str, set[int]]) -> int | None:
    """The world's person behind one identifier node; None for a shared address (the QA account)."""
    kind, _, value = node.partition(":")
    if kind in ("user_id", "shopify_customer_id"):
        return int(value) - SHOPIFY_CUSTOMER_ID_BASE
    if kind == "hubspot_contact_id":
        return (int(value) - HUBSPOT_CONTACT_ID_BASE) // 3  # a duplicate contact is the person's id + 1
    if kind == "email":
        owners = email_owners.get(value, set())
        return next(iter(owners)) if len(owners) == 1 else None
    return truth[node]


def world_identifiers(world: World) -> tuple[dict[str, int], dict[str, set[int]]]:
    truth: dict[str, int] = {}
    for day in world.days():
        s, clicks, orders = day.sessions, day.clicks, day.orders
        for pid, device in zip(s.person_id, s.device, strict=True):
            truth[f"client_id:{person(int(pid)).client_id(int(device))}"] = int(pid)
        for click_id, platform, pid in zip(clicks.click_id, clicks.platform, clicks.person_id, strict=True):
            truth[f"{'gclid' if platform == 'google_ads' else 'fbclid'}:{click_id}"] = int(pid)
        for order_id, pid in zip(orders.order_id, orders.person_id, strict=True):
            truth[f"shopify_order_id:{int(order_id)}"] = int(pid)
    email_owners: dict[str, set[int]] = defaultdict(set)
    for pid in range(world.population):
        email_owners[canonical_email(person(pid).email)].add(pid)
    return truth, email_owners


def pair_scores(labelled: list[tuple[str, str, int]]) -> tuple[float, float]:
    """Pairwise precision and recall: pairs of identifiers put in one person vs truly of one person."""
    def pairs(counts: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    together = pairs(Counter((key, pid) for _, key, pid in labelled))
    predicted = pairs(Counter(key for _, key, _ in labelled))
    actual = pairs(Counter(pid for _, _, pid in labelled))
    return together / max(predicted, 1), together / max(actual, 1)


def test_identity_precision_and_recall_against_true_persons(built):
    settings, world, _ = built
    truth, email_owners = world_identifiers(world)
    labelled = []
    for node, person_key in query(settings, "select identifier_node, person_key from intermediate.int_identity_graph"):
        if node.startswith("phone:"):
            continue  # phones are identifiers, not edges: shared numbers have no single true owner
        pid = true_person(node, world, truth, email_owners)
        if pid is not None:
            labelled.append((node, person_key, pid))
    precision, recall = pair_scores(labelled)
    ordinary = [x for x in labelled if not is_special(x[2])]
    known = [x for x in ordinary if x[0].split(":")[0] in KNOWN_TYPES]
    known_precision, known_recall = pair_scores(known)
    print(f"identity over {len(labelled)} identifiers: precision {precision:.4f}, recall {recall:.4f} "
          f"(all types, anonymous browsers and clicks included); customer identifiers ({len(known)}): "
          f"precision {known_precision:.4f}, recall {known_recall:.4f}")
    assert precision >= 0.99
    assert known_precision >= 0.99
    assert known_recall >= 0.95
    # Every order of a person with an email resolves to one person: new vs returning depends on it.
    orders_by_pid: dict[int, set[str]] = defaultdict(set)
    for node, key, pid in ordinary:
        if node.startswith("shopify_order_id:"):
            orders_by_pid[pid].add(key)
    assert all(len(keys) == 1 for keys in orders_by_pid.values())


def test_internal_and_test_accounts_never_merge(built):
    settings, world, _ = built
    truth, _ = world_identifiers(world)
    special = {node for node, pid in truth.items() if is_special(pid)}
    sizes = dict(query(settings, "select identifier_node, component_size from intermediate.int_identity_graph"))
    present = special & set(sizes)
    assert present  # the world has staff browsing and QA test orders
    assert all(sizes[node] == 1 for node in present)
    flags = query(settings, "select count(*) filter (where is_test), count(*) filter (where is_internal), "
                            "max(identifiers) filter (where is_test or is_internal) from core.dim_person")
    test_people, internal_people, largest = flags[0]
    assert test_people > 0 and internal_people > 0 and largest == 1
    test_orders = query(settings, "select count(distinct person_key), count(*) from intermediate.int_order_persons "
                                  "where is_test")
    assert test_orders[0][0] == test_orders[0][1]  # one person per test order: the shared QA email joins no one
