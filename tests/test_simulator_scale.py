"""The simulator at scale: bulk generation and lazy paging serve exactly what one-by-one generation and a
fully rendered, fully sorted table would.

A full-scale day is too big for CI; these tests pin the shortcuts that make it servable to their slow
references on a tiny world: order lines drawn in bulk against numpy's own per-order calls, the GA4
event plan computed from arrays against the renderer's per-session plan, and pages of a lazily sorted
table (with and without data faults) against the whole table rendered and sorted as GA4 orders it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest
import requests

from brightcart_pipeline.simulator.catalog import PRODUCTS
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.faults import Fault, FaultInjector, FaultPlan, SchemaDrift
from brightcart_pipeline.simulator.order_items import order_items, order_items_one_by_one
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_web import ga4_event_counts
from brightcart_pipeline.simulator.vendors.ga4 import ExportEvent, GA4Vendor, _malform, encode_row
from brightcart_pipeline.simulator.vendors.ga4_index import day_events
from brightcart_pipeline.simulator.world import WorldConfig

WORLD = WorldConfig(seed=23, start=dt.date(2026, 10, 1), days=3, scale=0.00004)
CLOCK = dt.datetime(2026, 10, 3, 14, tzinfo=dt.UTC)  # late events of 1 and 2 October still on their way
AUTH = {"Authorization": f"Bearer {DEV_CREDENTIALS['ga4_access_token']}"}
DATASET = "/bigquery/v2/projects/brightcart-analytics/datasets/analytics_314159265"
DAY = dt.date(2026, 10, 2)
TABLE = f"{DATASET}/tables/events_{DAY:%Y%m%d}"


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
