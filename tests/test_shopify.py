"""Shopify: the simulator speaks the Admin REST protocol, and the source rides out its dialect."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.settings import PROJECT_ROOT
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.faults import Fault, FaultPlan
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.sources.http import ExtractError
from tests.conftest import settings_for
from tests.support.shapes import shape_differences

SAMPLES = PROJECT_ROOT.parent / "shared" / "vendor-samples" / "shopify"
AUTH = {"X-Shopify-Access-Token": DEV_CREDENTIALS["shopify_access_token"]}
ORDERS = "/admin/api/2024-10/orders.json"


def get(server, path, params=None, headers=AUTH):
    return requests.get(server.base_url + path, params=params, headers=headers, timeout=30)


def all_orders(server) -> list[dict]:
    response = get(server, ORDERS, {"status": "any", "limit": 250})
    orders = response.json()["orders"]
    while "next" in response.links:
        response = requests.get(response.links["next"]["url"], headers=AUTH, timeout=30)
        orders += response.json()["orders"]
    return orders


def sample(name: str, key: str) -> dict:
    body = json.loads((SAMPLES / name).read_text())[key]
    return body[0] if isinstance(body, list) else body


def test_orders_have_the_real_list_endpoint_shape(simulator):
    """Every key path and JSON type of Shopify's documented orders.json body, for a full-featured order."""
    orders = all_orders(simulator)
    full = next(o for o in orders if o["customer"] and o["discount_codes"] and o["fulfillments"] and o["tax_lines"])
    assert shape_differences(sample("orders.json", "orders"), full) == []
    refunded = next(o for o in orders if o["refunds"])
    assert shape_differences(sample("refund.json", "refund"), refunded["refunds"][0]) == []


def test_customers_have_the_real_shape(simulator):
    customers = get(simulator, "/admin/api/2024-10/customers.json", {"limit": 250}).json()["customers"]
    assert customers
    assert shape_differences(sample("customers_search.json", "customers"), customers[0]) == []


def test_money_is_strings_and_presentment_currencies_vary(simulator):
    orders = all_orders(simulator)
    assert all(isinstance(o["total_price"], str) and o["currency"] == "USD" for o in orders)
    assert {o["presentment_currency"] for o in orders} >= {"USD", "EUR"}


def test_wrong_token_gets_shopifys_own_401(simulator):
    response = get(simulator, ORDERS, headers={"X-Shopify-Access-Token": "shpat_wrong"})
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def test_link_header_pages_through_everything_with_cursor_only_requests(simulator):
    response = get(simulator, ORDERS, {"status": "any", "limit": 50})
    seen = [o["id"] for o in response.json()["orders"]]
    assert response.headers["X-Shopify-Shop-Api-Call-Limit"].endswith("/40")
    while "next" in response.links:
        response = requests.get(response.links["next"]["url"], headers=AUTH, timeout=30)
        seen += [o["id"] for o in response.json()["orders"]]
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    truth = true_orders(simulator.world, simulator.context.as_of_us)
    assert sorted(seen) == sorted(o.order_id for o in truth)
    count = get(simulator, "/admin/api/2024-10/orders/count.json", {"status": "any"}).json()["count"]
    assert count == len(truth)


def test_page_info_cannot_be_combined_with_filters(simulator):
    first = get(simulator, ORDERS, {"status": "any", "limit": 5})
    page_info = parse_qs(urlsplit(first.links["next"]["url"]).query)["page_info"][0]
    response = get(simulator, ORDERS, {"page_info": page_info, "status": "any"})
    assert response.status_code == 400
    assert "page_info" in response.json()["errors"]


def test_same_seed_same_bytes(simulator):
    first = get(simulator, ORDERS, {"status": "any", "limit": 250}).content
    assert get(simulator, ORDERS, {"status": "any", "limit": 250}).content == first


@pytest.mark.integration
def test_a_throttle_storm_is_ridden_out(simulator, tmp_path):
    world = simulator.world
    simulator.context.faults.replace(FaultPlan(faults=[
        Fault(vendor="shopify", kind="throttle", on=simulator.context.clock_day, count=3)]))
    try:
        result = run_ingest(settings_for(tmp_path, simulator), "shopify",
                            ExtractWindow(world.config.first_utc_day, world.config.end))
    finally:
        simulator.context.faults.replace(FaultPlan())
    assert result.throttled == 3
    assert result.landed["orders"] == len(true_orders(world, simulator.context.as_of_us))


def test_persistent_errors_end_in_an_error_naming_source_endpoint_and_response(simulator, tmp_path):
    simulator.context.faults.replace(FaultPlan(faults=[
        Fault(vendor="shopify", kind="server_error", status=503, on=simulator.context.clock_day, count=50)]))
    settings = settings_for(tmp_path, simulator, max_retries=2)
    try:
        with pytest.raises(ExtractError) as error:
            run_ingest(settings, "shopify", ExtractWindow(dt.date(2026, 10, 1), dt.date(2026, 10, 2)))
    finally:
        simulator.context.faults.replace(FaultPlan())
    message = str(error.value)
    assert "shopify" in message and "/admin/api/2024-10/orders.json" in message
    assert "HTTP 503" in message and "after 3 attempt(s)" in message
