"""The simulator at scale: bulk generation and lazy paging serve exactly what one-by-one generation and a
fully rendered, fully sorted table would.

A full-scale day is too big for CI; these tests pin the shortcuts that make it servable to their slow
references on a tiny world: order lines drawn in bulk against numpy's own per-order calls, the GA4
event plan computed from arrays against the renderer's per-session plan, pages of a lazily sorted
table (with and without data faults) against the whole table rendered and sorted as GA4 orders it,
rows written straight to bytes against `encode_row` serialised, Shopify's lazily paged orders
and customers against the commerce ground truth, and HubSpot's contacts search served from its index
against the search over every rendered contact and against `crm_contacts`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Iterator

import numpy as np
import orjson
import pytest
import requests

from brightcart_pipeline.simulator.catalog import PRODUCTS
from brightcart_pipeline.simulator.commerce import money
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.faults import Fault, FaultInjector, FaultPlan, SchemaDrift, drift_record
from brightcart_pipeline.simulator.order_items import order_items, order_items_one_by_one
from brightcart_pipeline.simulator.people import person
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.simulator.truth_web import crm_contacts, ga4_event_counts
from brightcart_pipeline.simulator.vendors.ga4 import ExportEvent, GA4Vendor, _drift_schema, _malform, encode_row
from brightcart_pipeline.simulator.vendors.ga4_index import day_events
from brightcart_pipeline.simulator.vendors.ga4_wire import RowWriter
from brightcart_pipeline.simulator.vendors.hubspot import OPERATORS, HubSpotVendor
from brightcart_pipeline.simulator.vendors.shopify import ShopifyVendor
from brightcart_pipeline.simulator.world import WorldConfig

WORLD = WorldConfig(seed=23, start=dt.date(2026, 10, 1), days=3, scale=0.00004)
CLOCK = dt.datetime(2026, 10, 3, 14, tzinfo=dt.UTC)  # late events of 1 and 2 October still on their way
AUTH = {"Authorization": f"Bearer {DEV_CREDENTIALS['ga4_access_token']}"}
DATASET = "/bigquery/v2/projects/brightcart-analytics/datasets/analytics_314159265"
DAY = dt.date(2026, 10, 2)
TABLE = f"{DATASET}/tables/events_{DAY:%Y%m%d}"
SHOPIFY_AUTH = {"X-Shopify-Access-Token": DEV_CREDENTIALS["shopify_access_token"]}
SHOPIFY = "/admin/api/2024-10"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(WORLD) as running:
        running.context.set_clock(CLOCK)
        yield running


@pytest.fixture(autouse=True)
def no_faults(server: SimulatorServer) -> Iterator[None]:
    server.context.faults.replace(FaultPlan())
    yield
    server.context.faults.replace(FaultPlan())


def ga4(server: SimulatorServer) -> GA4Vendor:
    return next(vendor for vendor, _ in server.httpd.vendor_routes if isinstance(vendor, GA4Vendor))


def get(server: SimulatorServer, path: str, **params: object) -> dict:
    response = requests.get(server.base_url + path, params=params, headers=AUTH, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def rendered_table(server: SimulatorServer) -> list[ExportEvent]:
    """The reference: every planned event of every tracked session rendered, filtered and sorted whole."""
    vendor, world, as_of, date = ga4(server), server.world, server.context.as_of_us, DAY
    events = []
    for source in (date - dt.timedelta(days=1), date, date + dt.timedelta(days=1)):
        if not world.config.start <= source < world.config.end:
            continue
        for row in np.flatnonzero(world.day(source).sessions.ga4_tracked):
            session = vendor.session(source, int(row))
            for index in range(len(session.plan)):
                event = vendor.event(session, index)
                if event.arrived_us <= as_of and event.row["event_date"] == f"{date:%Y%m%d}":
                    events.append(event)
    events.sort(key=lambda e: (e.row["event_timestamp"], e.row["user_pseudo_id"], e.row["batch_event_index"]))
    return events


def served_rows(server: SimulatorServer, page_size: int) -> list[dict]:
    rows, token = [], None
    while True:
        body = get(server, f"{TABLE}/data", maxResults=page_size, **({"pageToken": token} if token else {}))
        rows += body["rows"]
        token = body.get("pageToken")
        if token is None:
            return rows


@pytest.mark.parametrize("seed", range(25))
def test_order_lines_drawn_in_bulk_are_numpys_own_draws(seed: int) -> None:
    bulk, reference = np.random.default_rng([seed, 3]), np.random.default_rng([seed, 3])
    for rng in (bulk, reference):
        rng.integers(0, 3, seed % 3)  # leaves a buffered 32-bit half, or not, before the orders
    line_counts = 1 + bulk.binomial(2, 0.35, 40 + seed * 37)
    reference.binomial(2, 0.35, len(line_counts))

    drawn = order_items(bulk, line_counts, len(PRODUCTS))
    assert [drawn[i] for i in range(len(drawn))] == order_items_one_by_one(reference, line_counts, len(PRODUCTS))
    assert bulk.bit_generator.state == reference.bit_generator.state  # later draws of the day are unchanged


def test_event_plan_from_arrays_is_the_renderers_plan(server: SimulatorServer) -> None:
    vendor = ga4(server)
    for day in server.world.days():
        events = day_events(day)
        planned = {(int(r), int(p)): (int(t), int(b)) for r, p, t, b in zip(
            events.row, events.plan_position, events.ts, events.batch_event_index, strict=True)}
        rendered = {(row, index): (ts, batch)
                    for row in np.flatnonzero(day.sessions.ga4_tracked).tolist()
                    for index, (_, ts, _, batch) in enumerate(vendor.session(day.date, row).plan)}
        assert planned == rendered
        assert {name for row in list(rendered)[:400] for name in [vendor.session(day.date, row[0]).plan[row[1]][2]]} \
            >= {"session_start", "page_view", "view_item", "add_to_cart", "purchase"}


def test_lazy_pages_are_the_whole_table_sorted(server: SimulatorServer, rendered_table: list[ExportEvent]) -> None:
    table = get(server, TABLE)
    expected = [encode_row(e.row, table["schema"]["fields"]) for e in rendered_table]
    as_of = server.context.as_of_us
    truth = sum(n for (date, _), n in ga4_event_counts(server.world, as_of).items() if date == f"{DAY:%Y%m%d}")
    assert int(table["numRows"]) == len(expected) == truth > 500
    assert served_rows(server, 197) == expected
    # A page is served on its own: start anywhere, without reading the pages before it.
    ga4(server).session.cache_clear()
    assert get(server, f"{TABLE}/data", startIndex=len(expected) - 150, maxResults=100)["rows"] == expected[-150:-50]
    assert "pageToken" not in get(server, f"{TABLE}/data", startIndex=len(expected) - 5)


def test_lazy_pages_with_data_faults_are_the_faulted_table(server: SimulatorServer,
                                                          rendered_table: list[ExportEvent]) -> None:
    plan = FaultPlan(faults=[
        Fault(vendor="ga4", kind="schema_drift", on=DAY, resource="events", drift=SchemaDrift(add="x_drift")),
        Fault(vendor="ga4", kind="malformed_records", on=DAY, resource="events", count=3),
        Fault(vendor="ga4", kind="duplicate_records", on=DAY, resource="events", count=4),
        Fault(vendor="ga4", kind="deleted_records", on=DAY, resource="events", count=2)])
    reference = FaultInjector(plan).faulted("ga4", "events", rendered_table, day_of=lambda _: DAY,
                                            deletion_unit=lambda e: e.row["user_pseudo_id"])
    server.context.faults.replace(plan)
    schema = get(server, TABLE)["schema"]["fields"]
    expected = [encode_row(f.render(f.item.row, _malform), schema) for f in reference]
    assert int(get(server, TABLE)["numRows"]) == len(expected)
    assert served_rows(server, 400) == expected
    fired = {kind: n for (_, kind, _), n in server.context.faults.fired.items()}
    assert fired["malformed_records"] == 3 and fired["duplicate_records"] == 4 and fired["deleted_records"] > 2


def test_rows_written_as_bytes_are_encode_row_serialised(server: SimulatorServer,
                                                        rendered_table: list[ExportEvent]) -> None:
    schema = get(server, TABLE)["schema"]["fields"]
    drift = SchemaDrift(add="device.x_drift", rename={"geo.city": "town"}, retype=["event_timestamp"])
    drifted = copy.deepcopy(schema)
    _drift_schema(drifted, drift)
    rows = [e.row for e in rendered_table]
    shared = {"name": "one dict, two records", "analytics_storage": "Yes"}  # written once per record kind
    odd = rows[0] | {"event_timestamp": "N/A", "is_active_user": False, "batch_event_index": True, "user_id": 7,
                     "event_value_in_usd": 3, "event_name": 'a "quote", \\ and ünïcode ✓', "event_params": None,
                     "privacy_info": shared, "traffic_source": shared, "items": [None]}
    faulted = [drift_record(_malform(row), drift) for row in rows[:40]]
    for table_schema in (schema, drifted):
        written = RowWriter(table_schema).rows_json([*rows, odd, *faulted])
        assert written == orjson.dumps([encode_row(row, table_schema) for row in [*rows, odd, *faulted]])


def shopify_get(server: SimulatorServer, path: str, **params: object) -> requests.Response:
    response = requests.get(server.base_url + path, params=params, headers=SHOPIFY_AUTH, timeout=60)
    assert response.status_code == 200, response.text
    return response


def shopify_listing(server: SimulatorServer, resource: str, **params: object) -> list[dict]:
    response = shopify_get(server, f"{SHOPIFY}/{resource}.json", **params)
    records = response.json()[resource]
    while "next" in response.links:
        response = requests.get(response.links["next"]["url"], headers=SHOPIFY_AUTH, timeout=60)
        records += response.json()[resource]
    return records


def test_shopify_orders_pages_are_the_clocks_orders_filtered_and_sorted(server: SimulatorServer) -> None:
    low, high = CLOCK - dt.timedelta(hours=40), CLOCK - dt.timedelta(hours=4)
    low_us, high_us = (int(t.timestamp()) * 1_000_000 for t in (low, high))
    window = {"status": "any", "updated_at_min": low.isoformat(), "updated_at_max": high.isoformat()}
    served = shopify_listing(server, "orders", limit=7, order="updated_at asc", **window)
    truth = sorted((o for o in true_orders(server.world, server.context.as_of_us) if low_us <= o.updated_us <= high_us),
                   key=lambda o: (o.updated_us, o.order_id))
    assert [o["id"] for o in served] == [o.order_id for o in truth]
    assert len(truth) > 3 * 7  # several pages, each rendered on its own
    assert shopify_get(server, f"{SHOPIFY}/orders/count.json", **window).json()["count"] == len(truth)
    by_id = shopify_listing(server, "orders", limit=11, **window)
    assert [o["id"] for o in by_id] == sorted(o.order_id for o in truth)


def test_shopify_customers_carry_their_orders_aggregates(simulator: SimulatorServer) -> None:
    server = simulator  # the shared test world: it has customers with several orders
    counts: Counter[int] = Counter()
    spent: Counter[int] = Counter()
    for order in true_orders(server.world, server.context.as_of_us):
        if person(order.person_id).has_account:
            counts[order.person_id] += 1
            spent[order.person_id] += order.total_cents
    expected = {person(pid).shopify_customer_id: (n, money(spent[pid])) for pid, n in counts.items()}
    served = shopify_listing(server, "customers", limit=13)
    assert {c["id"]: (c["orders_count"], c["total_spent"]) for c in served} == expected
    assert max(n for n, _ in expected.values()) > 1  # someone ordered twice: aggregates, not one order each
    assert shopify_get(server, f"{SHOPIFY}/customers/count.json").json()["count"] == len(expected)


def test_a_shopify_page_renders_only_its_own_orders(server: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    vendor = next(v for v, _ in server.httpd.vendor_routes if isinstance(v, ShopifyVendor))
    rendered = []
    render = vendor._render_order
    monkeypatch.setattr(vendor, "_render_order", lambda ref: rendered.append(ref) or render(ref))
    first = shopify_get(server, f"{SHOPIFY}/orders.json", status="any", limit=5)
    second = requests.get(first.links["next"]["url"], headers=SHOPIFY_AUTH, timeout=60)
    assert len(first.json()["orders"]) == len(second.json()["orders"]) == 5
    assert len(rendered) == 10


HUBSPOT_AUTH = {"Authorization": f"Bearer {DEV_CREDENTIALS['hubspot_access_token']}"}
LASTMODIFIED = "lastmodifieddate"


def hubspot_vendor(server: SimulatorServer) -> HubSpotVendor:
    return next(v for v, _ in server.httpd.vendor_routes if isinstance(v, HubSpotVendor))


def hubspot_search_pages(server: SimulatorServer, body: dict) -> list[dict]:
    pages, after = [], None
    while True:
        response = requests.post(server.base_url + "/crm/v3/objects/contacts/search", headers=HUBSPOT_AUTH,
                                 json=body | ({"after": after} if after else {}), timeout=60)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        after = pages[-1].get("paging", {}).get("next", {}).get("after")
        if after is None:
            return pages


def day_ms(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp() * 1000)


HUBSPOT_SEARCHES = {
    "the day, ascending": ("ASCENDING", [[("GTE", day_ms(DAY)), ("LT", day_ms(DAY + dt.timedelta(days=1)))]]),
    "after a moment, descending": ("DESCENDING", [[("GT", day_ms(DAY) + 6 * 3_600_000)]]),
    "two groups": ("ASCENDING", [[("LTE", day_ms(DAY))], [("GTE", day_ms(DAY + dt.timedelta(days=1)))]]),
}


@pytest.mark.parametrize("name", HUBSPOT_SEARCHES)
@pytest.mark.parametrize("deleted", [False, True])
def test_hubspot_search_pages_from_the_index_are_the_fully_rendered_pages(
        server: SimulatorServer, monkeypatch: pytest.MonkeyPatch, name: str, deleted: bool) -> None:
    direction, groups = HUBSPOT_SEARCHES[name]
    body = {"limit": 7, "properties": ["email", "lifecyclestage", "num_associated_deals", "hs_merged_object_ids",
                                       "hs_all_contact_vids", "hs_analytics_source", "hs_legal_basis"],
            "sorts": [{"propertyName": LASTMODIFIED, "direction": direction}],
            "filterGroups": [{"filters": [{"propertyName": LASTMODIFIED, "operator": op, "value": str(ms)}
                                          for op, ms in group]} for group in groups]}
    if deleted:
        server.context.faults.replace(FaultPlan(faults=[Fault(vendor="hubspot", kind="deleted_records", on=DAY,
                                                              count=2, resource="contacts")]))
    vendor = hubspot_vendor(server)
    lazy = hubspot_search_pages(server, body)
    monkeypatch.setattr(vendor, "_lazy_search", lambda *args: None)  # every contact rendered, then searched
    assert lazy == hubspot_search_pages(server, body)
    served = [int(r["id"]) for page in lazy for r in page["results"]]
    assert len(served) == lazy[0]["total"] and len(served) > 7  # more than one page
    archived = {c.object_id for c in vendor._records(server.context.as_of_us, id(server.context.faults.plan))
                ["contacts"] if c.archived_us is not None} if deleted else set()
    assert len(archived) == (2 if deleted else 0)
    truth = crm_contacts(server.world, server.context.as_of_us).values()
    expected = sorted((c for c in truth if c.listed and c.contact_id not in archived and any(
        all(OPERATORS[op](c.last_modified_us // 1000, ms) for op, ms in group) for group in groups)),
        key=lambda c: (c.last_modified_us // 1000, c.contact_id), reverse=direction == "DESCENDING")
    assert served == [c.contact_id for c in expected]


def test_a_hubspot_search_page_builds_only_its_own_contacts(server: SimulatorServer,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    vendor = hubspot_vendor(server)
    built = []
    contact = vendor._contact
    monkeypatch.setattr(vendor, "_contact", lambda c, deleted: built.append(c) or contact(c, deleted))
    monkeypatch.setattr(vendor, "_all", lambda object_type: pytest.fail("every record rendered"))
    body = {"limit": 5, "sorts": [{"propertyName": LASTMODIFIED, "direction": "ASCENDING"}],
            "filterGroups": [{"filters": [{"propertyName": LASTMODIFIED, "operator": "GTE", "value": "0"}]}]}
    url = server.base_url + "/crm/v3/objects/contacts/search"
    first = requests.post(url, headers=HUBSPOT_AUTH, json=body, timeout=60).json()
    second = requests.post(url, headers=HUBSPOT_AUTH, timeout=60,
                           json=body | {"after": first["paging"]["next"]["after"]}).json()
    assert first["total"] > 10 and len(first["results"]) == len(second["results"]) == 5
    assert len(built) == 10
