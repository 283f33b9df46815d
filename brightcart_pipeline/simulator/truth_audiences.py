"""Ground truth for audiences: who belongs to each audience, computed from the world's own events and orders.

Behaviour comes from the world (add_to_cart and view_item of GA4-tracked sessions, Shopify orders, HubSpot
leads), never from rendered API bodies. Persons are what the warehouse resolves: the caller passes
`person_of`, mapping an identifier node (`client_id:…`, `shopify_order_id:…`, `hubspot_contact_id:…`) to a
person, so the audience rules are checked on their own while identity resolution is tested elsewhere.
Timestamps are truncated as each vendor renders them (Shopify to the second, HubSpot to the millisecond).
The rules mirror dbt_project/models/marts/audiences (windows inclusive as written there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from brightcart_pipeline.simulator.people import is_special, person
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.simulator.truth_web import PAGE_SECONDS, crm_contacts
from brightcart_pipeline.simulator.world import US_PER_DAY, US_PER_SECOND, World

US_PER_MINUTE = 60 * US_PER_SECOND
LEAD_STAGES = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity")
# Seconds after a session's start at which GA4 records the event (simulator/vendors/ga4.py's plan).
EVENT_OFFSET_PAGES = {"view_item": 1, "add_to_cart": 2}

PersonOf = Callable[[str], str | None]


@dataclass(frozen=True)
class AudienceRules:
    """The dbt vars of the audience models."""

    as_of_us: int
    cart_min_minutes: int = 15
    cart_max_hours: int = 24
    product_view_days: int = 7
    lapsed_customer_days: int = 90
    new_lead_days: int = 30
    high_ltv_top_share: float = 0.1


@dataclass(frozen=True)
class TrueEvent:
    person_id: int
    client_id: str
    ts_us: int


@dataclass(frozen=True)
class TimedOrder:
    order_id: int
    created_us: int  # as Shopify renders it: whole seconds
    order_date: str  # shop-local ISO date
    net_sales_cents: int


def ga4_events(world: World, event_name: str, data_as_of_us: int) -> list[TrueEvent]:
    """Every `view_item` or `add_to_cart` GA4 has received by the data clock (ordinary persons only)."""
    offset = EVENT_OFFSET_PAGES[event_name] * PAGE_SECONDS * US_PER_SECOND
    found = []
    for day in world.days():
        s = day.sessions
        assert s is not None
        happens = s.pageviews >= 2 if event_name == "view_item" else s.is_cart
        ts = s.start_ts + offset
        for row in np.flatnonzero(happens & s.ga4_tracked & ~s.internal & (ts + s.arrival_delay <= data_as_of_us)):
            pid = int(s.person_id[row])
            if not is_special(pid):
                found.append(TrueEvent(pid, person(pid).client_id(int(s.device[row])), int(ts[row])))
    return found


def orders_by_person(world: World, data_as_of_us: int, person_of: PersonOf) -> dict[str, list[TimedOrder]]:
    """Non-test orders known by the data clock (refunds up to it), grouped by the person each resolves to."""
    found: dict[str, list[TimedOrder]] = defaultdict(list)
    created = {int(o): int(t) for d in world.days() for o, t in zip(d.orders.order_id, d.orders.created_ts,  # type: ignore[union-attr]
                                                                    strict=True)}
    for order in true_orders(world, data_as_of_us):
        key = person_of(f"shopify_order_id:{order.order_id}")
        if order.is_test or key is None:
            continue
        whole_second = created[order.order_id] // US_PER_SECOND * US_PER_SECOND
        found[key].append(TimedOrder(order.order_id, whole_second, order.order_date, order.net_sales_cents))
    return found


def cart_abandoners(world: World, data_as_of_us: int, rules: AudienceRules, person_of: PersonOf) -> set[str]:
    orders = orders_by_person(world, data_as_of_us, person_of)
    earliest = rules.as_of_us - rules.cart_max_hours * 60 * US_PER_MINUTE
    latest = rules.as_of_us - rules.cart_min_minutes * US_PER_MINUTE
    members = set()
    for cart in ga4_events(world, "add_to_cart", data_as_of_us):
        key = person_of(f"client_id:{cart.client_id}")
        if key is None or not earliest <= cart.ts_us <= latest:
            continue
        if not any(cart.ts_us <= o.created_us <= rules.as_of_us for o in orders.get(key, [])):
            members.add(key)
    return members


def product_viewers_without_purchase(world: World, data_as_of_us: int, rules: AudienceRules,
                                     person_of: PersonOf) -> set[str]:
    orders = orders_by_person(world, data_as_of_us, person_of)
    start = rules.as_of_us - rules.product_view_days * US_PER_DAY
    viewers = {person_of(f"client_id:{view.client_id}") for view in ga4_events(world, "view_item", data_as_of_us)
               if start < view.ts_us <= rules.as_of_us}
    return {key for key in viewers if key is not None
            and not any(start < o.created_us <= rules.as_of_us for o in orders.get(key, []))}


def high_predicted_ltv(world: World, data_as_of_us: int, rules: AudienceRules, person_of: PersonOf) -> set[str]:
    cohorts: dict[str, dict[str, int]] = defaultdict(dict)
    for key, orders in orders_by_person(world, data_as_of_us, person_of).items():
        placed = [o for o in orders if o.created_us <= rules.as_of_us]
        if placed:
            cohort = min(o.order_date for o in placed)[:7]
            cohorts[cohort][key] = sum(o.net_sales_cents for o in placed)
    members = set()
    for customers in cohorts.values():
        for key, ltv in customers.items():
            above = sum(1 for other in customers.values() if other > ltv)
            if above < rules.high_ltv_top_share * len(customers):
                members.add(key)
    return members


def lapsed_customers(world: World, data_as_of_us: int, rules: AudienceRules, person_of: PersonOf) -> set[str]:
    cutoff = rules.as_of_us - rules.lapsed_customer_days * US_PER_DAY
    members = set()
    for key, orders in orders_by_person(world, data_as_of_us, person_of).items():
        placed = [o.created_us for o in orders if o.created_us <= rules.as_of_us]
        if placed and max(placed) < cutoff:
            members.add(key)
    return members


def new_leads(world: World, data_as_of_us: int, rules: AudienceRules, person_of: PersonOf) -> set[str]:
    orders = orders_by_person(world, data_as_of_us, person_of)
    start = rules.as_of_us - rules.new_lead_days * US_PER_DAY
    members = set()
    for contact in crm_contacts(world, data_as_of_us).values():
        created = contact.created_us // 1000 * 1000
        key = person_of(f"hubspot_contact_id:{contact.contact_id}")
        if (not contact.listed or contact.lifecyclestage not in LEAD_STAGES or key is None
                or is_special(contact.person_id) or not start < created <= rules.as_of_us):
            continue
        if not any(o.created_us <= rules.as_of_us for o in orders.get(key, [])):
            members.add(key)
    return members


AUDIENCES: dict[str, Callable[[World, int, AudienceRules, PersonOf], set[str]]] = {
    "cart_abandoners": cart_abandoners,
    "product_viewers_without_purchase": product_viewers_without_purchase,
    "high_predicted_ltv": high_predicted_ltv,
    "lapsed_customers": lapsed_customers,
    "new_leads": new_leads,
}
