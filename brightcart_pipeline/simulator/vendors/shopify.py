"""Shopify Admin REST: orders, customers and counts, as the real API pages and throttles them.

Orders are rendered as of the simulator clock: fulfilment and refunds appear (and move
`updated_at`) only once they have happened. Fulfilled orders are closed (auto-archive), so a client
must ask for `status=any` to see them, as with the real shop.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np
import orjson

from brightcart_pipeline.simulator.catalog import (
    PRODUCTS,
    SHOP_CURRENCY,
    SHOP_DOMAIN,
    SHOP_TIMEZONE,
)
from brightcart_pipeline.simulator.commerce import OrderMoney, money, order_money
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.people import email_variant, person
from brightcart_pipeline.simulator.server import RateLimit, Request, Response, Route, SimulatorContext
from brightcart_pipeline.simulator.truth_web import session_traffic
from brightcart_pipeline.simulator.vendors.common import page_limit
from brightcart_pipeline.simulator.world import US_PER_SECOND, Day

SHOP_TZ = ZoneInfo(SHOP_TIMEZONE)
MAX_LIMIT = 250
DEFAULT_LIMIT = 50
BUCKET_SIZE = 40
CURSOR_ONLY_PARAMS = {"page_info", "limit", "fields"}
CHECKOUT_ID_OFFSET = 30_000_000_000_000  # checkouts are numbered apart from orders, as Shopify's are


def shop_time(ts_us: int) -> str:
    """Shopify's timestamp format: shop timezone with offset, whole seconds."""
    return dt.datetime.fromtimestamp(ts_us // US_PER_SECOND, SHOP_TZ).isoformat()


def parse_shop_time(value: str) -> int:
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * US_PER_SECOND)


def money_set(cents: int, m: OrderMoney) -> dict[str, Any]:
    return {
        "shop_money": {"amount": money(cents), "currency_code": SHOP_CURRENCY},
        "presentment_money": {"amount": money(m.to_presentment(cents)), "currency_code": m.presentment_currency},
    }


def token(*parts: object) -> str:
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()


@dataclass(frozen=True)
class OrderRef:
    day: Day
    row: int
    updated_us: int

    @property
    def order_id(self) -> int:
        return int(self.day.orders.order_id[self.row])  # type: ignore[union-attr]


class ShopifyVendor:
    NAME = "shopify"
    RATE_LIMIT = RateLimit(requests=2, seconds=1.0)  # standard plan: a 40-call bucket leaking 2/s

    def __init__(self, context: SimulatorContext) -> None:
        self.context = context

    def routes(self) -> list[Route]:
        base = r"/admin/api/(?P<version>\d{4}-\d{2})"
        return [
            Route.of("GET", f"{base}/orders\\.json", self.list_orders),
            Route.of("GET", f"{base}/orders/count\\.json", self.count_orders),
            Route.of("GET", f"{base}/customers\\.json", self.list_customers),
            Route.of("GET", f"{base}/customers/count\\.json", self.count_customers),
        ]

    # -- protocol ---------------------------------------------------------------------------------
    def unauthorized(self, request: Request) -> Response | None:
        if request.header("X-Shopify-Access-Token") == DEV_CREDENTIALS["shopify_access_token"]:
            return None
        return Response.json(
            {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, 401)

    def throttled(self, request: Request) -> Response:
        return Response.json(
            {"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume "
                       "uninterrupted service."},
            429, {"Retry-After": "2.0", "X-Shopify-Shop-Api-Call-Limit": f"{BUCKET_SIZE}/{BUCKET_SIZE}"})

    def server_error(self, request: Request, status: int) -> Response:
        return Response.json({"errors": "Internal Server Error"}, status)

    # -- orders -----------------------------------------------------------------------------------
    def _visible_orders(self) -> list[OrderRef]:
        as_of = self.context.as_of_us
        refs = []
        for day in self.context.world.days():
            orders = day.orders
            assert orders is not None
            visible = np.flatnonzero(orders.created_ts <= as_of)
            for row in visible:
                updated = int(orders.created_ts[row])
                for later in (int(orders.fulfilled_ts[row]), int(orders.refund_ts[row])):
                    if 0 <= later <= as_of:
                        updated = max(updated, later)
                refs.append(OrderRef(day, int(row), updated))
        return refs

    def _filtered_orders(self, filters: dict[str, str]) -> list[OrderRef]:
        refs = self._visible_orders()
        if "updated_at_min" in filters:
            low = parse_shop_time(filters["updated_at_min"])
            refs = [r for r in refs if r.updated_us >= low]
        if "updated_at_max" in filters:
            high = parse_shop_time(filters["updated_at_max"])
            refs = [r for r in refs if r.updated_us <= high]
        if "created_at_min" in filters:
            low = parse_shop_time(filters["created_at_min"])
            refs = [r for r in refs if int(r.day.orders.created_ts[r.row]) >= low]  # type: ignore[union-attr]
        status = filters.get("status", "open")
        if status == "open":
            refs = [r for r in refs if not 0 <= int(r.day.orders.fulfilled_ts[r.row]) <= self.context.as_of_us]  # type: ignore[union-attr]
        if filters.get("order", "id asc").startswith("updated_at"):
            refs.sort(key=lambda r: (r.updated_us, r.order_id))
        else:
            refs.sort(key=lambda r: r.order_id)
        return refs

    def list_orders(self, request: Request, version: str) -> Response:
        customers = self._customers()  # embedded customers carry their current aggregates, as Shopify's do
        return self._paged(request, version, "orders", self._filtered_orders,
                           lambda ref: self._render_order(ref, customers))

    def count_orders(self, request: Request, version: str) -> Response:
        filters = {k: v[0] for k, v in request.query.items()}
        return self._ok({"count": len(self._filtered_orders(filters))})

    def _render_order(self, ref: OrderRef, customers: dict[int, dict[str, Any]]) -> dict[str, Any]:
        day, i, as_of = ref.day, ref.row, self.context.as_of_us
        orders, sessions = day.orders, day.sessions
        assert orders is not None and sessions is not None
        m = order_money(orders, i)
        buyer = person(int(orders.person_id[i]))
        order_id = int(orders.order_id[i])
        number = int(orders.order_number[i])
        created = int(orders.created_ts[i])
        fulfilled = int(orders.fulfilled_ts[i]) <= as_of
        refunded = 0 <= int(orders.refund_ts[i]) <= as_of
        email = email_variant(buyer, int(orders.email_variant[i]))
        landing_site, referring_site = self._landing(day, int(orders.session_row[i]))
        line_items = [
            {
                "id": order_id * 10 + n, "variant_id": PRODUCTS[line.product_index].variant_id,
                "product_id": PRODUCTS[line.product_index].product_id, "title": PRODUCTS[line.product_index].title,
                "sku": PRODUCTS[line.product_index].sku, "quantity": line.quantity,
                "price": money(line.price_cents), "total_discount": money(line.discount_cents),
                "price_set": money_set(line.price_cents, m), "grams": 400, "requires_shipping": True,
                "taxable": True, "gift_card": False, "fulfillment_service": "manual",
                "fulfillment_status": "fulfilled" if fulfilled else None, "vendor": "BrightCart",
                "name": PRODUCTS[line.product_index].title, "variant_title": "Default Title",
                "variant_inventory_management": "shopify", "properties": [], "product_exists": True,
            }
            for n, line in enumerate(m.lines)
        ]
        refunds = []
        if refunded and m.refund_line is not None:
            line = m.lines[m.refund_line]
            refund_ts = int(orders.refund_ts[i])
            refunds.append({
                "id": order_id * 10 + 9, "order_id": order_id, "created_at": shop_time(refund_ts),
                "processed_at": shop_time(refund_ts), "note": "customer return", "restock": True,
                "user_id": None,
                "refund_line_items": [{
                    "id": order_id * 100 + m.refund_line, "quantity": line.quantity,
                    "line_item_id": order_id * 10 + m.refund_line,
                    "line_item": line_items[m.refund_line] | {
                        "fulfillable_quantity": 0,
                        "tax_lines": [{"title": "Sales Tax", "price": money(m.refund_tax_cents), "rate": 0.08}]
                        if m.refund_tax_cents else []},
                    "subtotal": money(m.refund_subtotal_cents), "total_tax": money(m.refund_tax_cents),
                    "subtotal_set": money_set(m.refund_subtotal_cents, m),
                }],
                "transactions": [{
                    "id": order_id * 10 + 8, "order_id": order_id, "kind": "refund", "status": "success",
                    "amount": money(m.refund_subtotal_cents + m.refund_tax_cents), "currency": SHOP_CURRENCY,
                    "gateway": "shopify_payments", "created_at": shop_time(refund_ts), "test": False,
                    "message": None, "authorization": f"re_{order_id}", "location_id": None, "user_id": None,
                    "parent_id": order_id * 10 + 6, "device_id": None, "receipt": {}, "error_code": None,
                    "source_name": "web",
                }],
                "order_adjustments": [],
            })
        customer = self._render_customer(buyer.pid, customers[buyer.pid]) if buyer.pid in customers else None
        return {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "email": email,
            "contact_email": email,
            "closed_at": shop_time(int(orders.fulfilled_ts[i])) if fulfilled else None,
            "created_at": shop_time(created),
            "updated_at": shop_time(ref.updated_us),
            "processed_at": shop_time(created),
            "number": number - 1000,
            "order_number": number,
            "name": f"#{number}",
            "note": None,
            "token": token("order", order_id),
            "cart_token": token("cart", order_id),
            "checkout_token": token("checkout", order_id),
            "gateway": "shopify_payments",
            "payment_gateway_names": ["shopify_payments"],
            "test": bool(orders.is_test[i]),
            "total_price": money(m.total_cents),
            "subtotal_price": money(m.subtotal_cents),
            "total_line_items_price": money(m.gross_cents),
            "total_discounts": money(m.discount_cents),
            "total_tax": money(m.tax_cents),
            "total_price_usd": money(m.total_cents),
            "total_weight": 400 * sum(line.quantity for line in m.lines),
            "taxes_included": False,
            "currency": SHOP_CURRENCY,
            "presentment_currency": m.presentment_currency,
            "total_price_set": money_set(m.total_cents, m),
            "subtotal_price_set": money_set(m.subtotal_cents, m),
            "total_line_items_price_set": money_set(m.gross_cents, m),
            "total_discounts_set": money_set(m.discount_cents, m),
            "total_tax_set": money_set(m.tax_cents, m),
            "total_shipping_price_set": money_set(m.shipping_cents, m),
            "financial_status": "partially_refunded" if refunds else "paid",
            "fulfillment_status": "fulfilled" if fulfilled else None,
            "confirmed": True,
            "buyer_accepts_marketing": buyer.marketing_consent,
            "referring_site": referring_site,
            "landing_site": landing_site,
            "landing_site_ref": None,
            "source_name": "web",
            "cancelled_at": None,
            "cancel_reason": None,
            "reference": None,
            "user_id": None,
            "location_id": None,
            "source_identifier": None,
            "source_url": None,
            "device_id": None,
            "phone": buyer.phone if int(orders.email_variant[i]) % 2 == 0 else None,
            "customer_locale": "en" if buyer.country != "DE" else "de",
            "app_id": 580111,
            "browser_ip": f"203.0.113.{buyer.pid % 250 + 1}",
            "client_details": {"accept_language": "en-US", "browser_height": None,
                               "browser_ip": f"203.0.113.{buyer.pid % 250 + 1}", "browser_width": None,
                               "session_hash": None, "user_agent": "Mozilla/5.0"},
            "tags": "",
            "order_status_url": f"https://{SHOP_DOMAIN}/orders/{token('order', order_id)}",
            "discount_codes": [{"code": "WELCOME10", "amount": money(m.discount_cents), "type": "percentage"}]
            if m.discount_cents else [],
            "shipping_lines": [{"code": "Standard", "price": money(m.shipping_cents), "source": "shopify",
                                "title": "Standard Shipping"}],
            "tax_lines": [{"price": money(m.tax_cents), "rate": 0.08, "title": "Sales Tax"}] if m.tax_cents else [],
            "line_items": line_items,
            "fulfillments": [self._fulfillment(order_id, int(orders.fulfilled_ts[i]), line_items)] if fulfilled else [],
            "note_attributes": [],
            "processing_method": "direct",
            "checkout_id": CHECKOUT_ID_OFFSET + order_id,
            "source": None,
            "payment_details": {"credit_card_bin": None, "avs_result_code": None, "cvv_result_code": None,
                                "credit_card_number": f"•••• •••• •••• {buyer.pid % 10_000:04d}",
                                "credit_card_company": ("Visa", "Mastercard", "American Express")[buyer.pid % 3]},
            "refunds": refunds,
            "billing_address": self._address(buyer.pid),
            "shipping_address": self._address(buyer.pid),
            "customer": customer,
        }

    @staticmethod
    def _landing(day: Day, session_row: int) -> tuple[str | None, str | None]:
        """`landing_site` and `referring_site`: the visit's own landing page (`truth_web.session_traffic`)."""
        if session_row < 0:
            return None, None
        traffic = session_traffic(day, session_row)
        return traffic.landing_path(), traffic.referrer

    # -- customers --------------------------------------------------------------------------------
    def _customers(self) -> dict[int, dict[str, Any]]:
        """Account holders who have ordered by the clock, with their order aggregates."""
        as_of = self.context.as_of_us
        found: dict[int, dict[str, Any]] = {}
        for day in self.context.world.days():
            orders = day.orders
            assert orders is not None
            for row in np.flatnonzero(orders.created_ts <= as_of):
                buyer = person(int(orders.person_id[row]))
                if not buyer.has_account:
                    continue
                created = int(orders.created_ts[row])
                entry = found.setdefault(buyer.pid, {"created": created, "updated": created, "count": 0,
                                                     "spent": 0, "last_id": 0, "last_number": 0,
                                                     "email_variant": int(orders.email_variant[row])})
                m = order_money(orders, int(row))
                entry["count"] += 1
                entry["spent"] += m.total_cents
                entry["updated"] = max(entry["updated"], created)
                entry["last_id"], entry["last_number"] = int(orders.order_id[row]), int(orders.order_number[row])
        return found

    def _filtered_customers(self, filters: dict[str, str]) -> list[tuple[int, dict[str, Any]]]:
        items = list(self._customers().items())
        if "updated_at_min" in filters:
            low = parse_shop_time(filters["updated_at_min"])
            items = [(p, e) for p, e in items if e["updated"] >= low]
        if "updated_at_max" in filters:
            high = parse_shop_time(filters["updated_at_max"])
            items = [(p, e) for p, e in items if e["updated"] <= high]
        if filters.get("order", "id asc").startswith("updated_at"):
            items.sort(key=lambda item: (item[1]["updated"], item[0]))
        else:
            items.sort(key=lambda item: item[0])
        return items

    def list_customers(self, request: Request, version: str) -> Response:
        return self._paged(request, version, "customers", self._filtered_customers,
                           lambda item: self._render_customer(*item))

    def count_customers(self, request: Request, version: str) -> Response:
        return self._ok({"count": len(self._customers())})

    def _customer_stub(self, pid: int, email: str, created_us: int) -> dict[str, Any]:
        p = person(pid)
        customer_id = p.shopify_customer_id
        return {
            "id": customer_id, "email": email, "first_name": p.first_name, "last_name": p.last_name,
            "phone": p.phone, "created_at": shop_time(created_us), "updated_at": shop_time(created_us),
            "state": "enabled", "verified_email": True, "currency": SHOP_CURRENCY, "tags": "",
            "tax_exempt": False, "note": None, "multipass_identifier": None,
            "accepts_marketing": p.marketing_consent, "marketing_opt_in_level": None,
            "accepts_marketing_updated_at": shop_time(created_us),
            "email_marketing_consent": self._consent(p.marketing_consent, created_us),
            "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
            "default_address": self._address(pid) | {"id": customer_id, "customer_id": customer_id,
                                                      "default": True, "country_name": self._address(pid)["country"]},
        }

    def _render_customer(self, pid: int, entry: dict[str, Any]) -> dict[str, Any]:
        p = person(pid)
        body = self._customer_stub(pid, email_variant(p, entry["email_variant"]), entry["created"])
        body.update({
            "updated_at": shop_time(entry["updated"]), "orders_count": entry["count"],
            "total_spent": money(entry["spent"]), "last_order_id": entry["last_id"],
            "last_order_name": f"#{entry['last_number']}", "addresses": [body["default_address"]],
            "tax_exemptions": [], "sms_marketing_consent": None,
        })
        return body

    @staticmethod
    def _fulfillment(order_id: int, at_us: int, line_items: list[dict[str, Any]]) -> dict[str, Any]:
        tracking = f"1Z{order_id % 10**8:08d}"
        url = f"https://www.ups.com/track?tracknum={tracking}"
        return {"id": order_id * 10 + 7, "order_id": order_id, "status": "success", "service": "manual",
                "created_at": shop_time(at_us), "updated_at": shop_time(at_us), "tracking_company": "UPS",
                "tracking_number": tracking, "tracking_numbers": [tracking], "tracking_url": url,
                "tracking_urls": [url], "receipt": {}, "line_items": line_items}

    @staticmethod
    def _consent(subscribed: bool, at_us: int) -> dict[str, Any]:
        return {"state": "subscribed" if subscribed else "not_subscribed",
                "opt_in_level": "single_opt_in" if subscribed else None,
                "consent_updated_at": shop_time(at_us) if subscribed else None}

    @staticmethod
    def _address(pid: int) -> dict[str, Any]:
        p = person(pid)
        country = {"US": "United States", "IE": "Ireland", "DE": "Germany", "GB": "United Kingdom"}[p.country]
        return {"first_name": p.first_name, "last_name": p.last_name, "name": f"{p.first_name} {p.last_name}",
                "address1": f"{pid % 900 + 1} Market Street", "address2": "", "city": p.city, "zip": "10001",
                "province": None, "province_code": None, "country_code": p.country, "phone": p.phone,
                "company": None, "country": country, "latitude": 40.7128, "longitude": -74.006}

    # -- paging -----------------------------------------------------------------------------------
    def _paged(self, request: Request, version: str, key: str, select: Any, render: Any) -> Response:
        limit = page_limit(request, DEFAULT_LIMIT, MAX_LIMIT)
        if limit is None:
            return Response.json({"errors": {"limit": [f"must be between 1 and {MAX_LIMIT}"]}}, 400)
        page_info = request.param("page_info")
        if page_info:
            extra = set(request.query) - CURSOR_ONLY_PARAMS
            if extra:
                return Response.json({"errors": {"page_info": [
                    f"cannot be combined with {', '.join(sorted(extra))}"]}}, 400)
            try:
                cursor = orjson.loads(base64.urlsafe_b64decode(page_info.encode()))
            except ValueError:
                return Response.json({"errors": {"page_info": ["Invalid value."]}}, 400)
            filters, offset = cursor["filters"], cursor["offset"]
        else:
            filters = {k: v[0] for k, v in request.query.items() if k not in CURSOR_ONLY_PARAMS}
            offset = 0
        items = self.context.faults.faulted(self.NAME, key, select(filters), day_of=_order_day)
        records = [f.render(render(f.item), _malform) for f in items[offset:offset + limit]]
        headers = {"X-Shopify-Shop-Api-Call-Limit": f"1/{BUCKET_SIZE}"}
        if offset + limit < len(items):
            # The cursor pins the filters, as Shopify's page_info does; the offset is our own detail.
            next_info = base64.urlsafe_b64encode(orjson.dumps({"filters": filters, "offset": offset + limit}))
            path = f"/admin/api/{version}/{key}.json"
            query = urlencode({"limit": limit, "page_info": next_info.decode()})
            headers["Link"] = f'<{request.base_url}{path}?{query}>; rel="next"'
        return Response.json({key: records}, headers=headers)

    def _ok(self, payload: dict[str, Any]) -> Response:
        return Response.json(payload, headers={"X-Shopify-Shop-Api-Call-Limit": f"1/{BUCKET_SIZE}"})


def _order_day(item: Any) -> dt.date | None:
    """An order's data day (its world day); customers meet no data faults."""
    return item.day.date if isinstance(item, OrderRef) else None


def _malform(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "created_at"} | {"total_price": "N/A"}


def build(context: SimulatorContext) -> ShopifyVendor:
    return ShopifyVendor(context)
