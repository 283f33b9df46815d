"""Shopify Admin REST: orders (with refunds, customer, landing_site) and customers on `updated_at`.

Pages follow the `Link` header (`page_info` cursors); the API asks for pauses through HTTP 429 with
`Retry-After: 2.0` and reports bucket use in `X-Shopify-Shop-Api-Call-Limit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dlt
import requests

from brightcart_pipeline.lake.landing import Landing, RecordContract
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.sources.base import (
    ExtractWindow,
    Page,
    ResourceSpec,
    latest_timestamp,
    parse_timestamp,
    resource,
)
from brightcart_pipeline.sources.http import RequestBudget, VendorClient, follow_cursor, standard_dialect

API_VERSION = "2024-10"
PAGE_SIZE = 250
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
LEAK_SECONDS = 0.5  # the standard plan's bucket drains two calls a second
# Once throttled, keep to the leak rate: a call more and the bucket answers 429 with Retry-After 2.0.
REST_BUDGET = RequestBudget(requests=2, seconds=1.0)

ORDERS = ResourceSpec(
    name="orders",
    primary_key=("id",),
    contract=RecordContract(
        required=("id", "created_at", "updated_at", "currency"),
        decimal_strings=("total_price", "subtotal_price", "total_tax", "total_discounts"),
    ),
    json_columns=("line_items", "refunds", "discount_codes", "shipping_lines", "tax_lines", "fulfillments",
                  "note_attributes", "payment_gateway_names", "discount_applications"),
)
CUSTOMERS = ResourceSpec(
    name="customers",
    primary_key=("id",),
    contract=RecordContract(required=("id", "created_at", "updated_at"), decimal_strings=("total_spent",)),
    json_columns=("addresses", "tax_exemptions"),
)
RESOURCES = (ORDERS, CUSTOMERS)


def call_limit_pressure(response: requests.Response) -> float:
    """Pause while the leaky bucket is nearly full, before Shopify has to say 429."""
    used, _, limit = response.headers.get(CALL_LIMIT_HEADER, "0/40").partition("/")
    try:
        headroom = int(limit) - int(used)
    except ValueError:
        return 0.0
    return LEAK_SECONDS if headroom <= 2 else 0.0


def build_client(settings: Settings) -> VendorClient:
    return VendorClient.from_settings(
        settings, "shopify",
        headers={"X-Shopify-Access-Token": settings.secret("shopify_access_token")},
        dialect=standard_dialect,
        pressure=call_limit_pressure,
        budgets=(REST_BUDGET,),
    )


def paginate(client: VendorClient, path: str, params: dict[str, Any], key: str) -> Iterator[Page]:
    """Follow `Link: <…page_info=…>; rel="next"`; later pages take only the cursor and limit."""
    responses = follow_cursor(lambda url: client.request("GET", url or path, params=None if url else params),
                              lambda response: response.links.get("next", {}).get("url"))
    for response in responses:
        yield response.json()[key]


@dlt.source(name="shopify")
def shopify_source(client: VendorClient, landing: Landing, window: ExtractWindow, settings: Settings) -> list[Any]:
    def updated_since(spec: ResourceSpec, endpoint: str) -> Any:
        def pages(
            updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
                "updated_at",
                initial_value=window.start_utc().isoformat(),
                end_value=window.end_utc().isoformat() if window.partitioned else None,
                last_value_func=latest_timestamp,
                # No boundary dedup: an order re-read at the cursor loads again, so raw's lineage columns
                # name the newest landed file, exactly as a replay from the lake would.
                primary_key=(),
            ),
        ) -> Iterator[Page]:
            params = {"limit": PAGE_SIZE, "updated_at_min": updated_at.start_value, "order": "updated_at asc"}
            if spec is ORDERS:
                params["status"] = "any"
            if updated_at.end_value is not None:
                params["updated_at_max"] = updated_at.end_value
            day = parse_timestamp(updated_at.start_value).astimezone(dt.UTC).date()
            path = f"/admin/api/{API_VERSION}/{endpoint}.json"
            for page in paginate(client, path, params, endpoint):
                yield landing.land(spec.name, day, page, spec.contract)

        return resource(spec, pages)

    return [updated_since(ORDERS, "orders"), updated_since(CUSTOMERS, "customers")]
