"""Order money, computed once: the Shopify API and the ground truth both read it from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from brightcart_pipeline.simulator.catalog import PRESENTMENT_CURRENCY, PRODUCTS, SHOP_TIMEZONE, rate_to_usd
from brightcart_pipeline.simulator.people import person
from brightcart_pipeline.simulator.world import Orders

FREE_SHIPPING_FROM_CENTS = 7500
SHIPPING_CENTS = 599
US_SALES_TAX = 0.08


@dataclass(frozen=True)
class OrderLine:
    product_index: int
    quantity: int
    price_cents: int
    discount_cents: int

    @property
    def gross_cents(self) -> int:
        return self.price_cents * self.quantity


@dataclass(frozen=True)
class OrderMoney:
    """An order's amounts in shop currency (USD) cents, and its presentment currency and rate."""

    lines: tuple[OrderLine, ...]
    subtotal_cents: int  # line items after discounts
    discount_cents: int
    shipping_cents: int
    tax_cents: int
    presentment_currency: str
    presentment_rate: float  # presentment units per USD
    refund_line: int | None
    refund_subtotal_cents: int
    refund_tax_cents: int

    @property
    def gross_cents(self) -> int:
        return sum(line.gross_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.shipping_cents + self.tax_cents

    def to_presentment(self, cents: int) -> int:
        return round(cents * self.presentment_rate)


def shop_date(ts_us: int) -> dt.date:
    return dt.datetime.fromtimestamp(ts_us / 1e6, ZoneInfo(SHOP_TIMEZONE)).date()


def order_money(orders: Orders, i: int) -> OrderMoney:
    """Amounts for order row `i`; the refund is included whatever the clock (callers filter by time)."""
    discount_rate = float(orders.discount_rate[i])
    lines = []
    for product_index, quantity in orders.items[i]:
        price = PRODUCTS[product_index].price_cents
        lines.append(OrderLine(product_index, quantity, price, round(price * quantity * discount_rate)))
    gross = sum(line.gross_cents for line in lines)
    discount = sum(line.discount_cents for line in lines)
    subtotal = gross - discount
    shipping = 0 if subtotal >= FREE_SHIPPING_FROM_CENTS else SHIPPING_CENTS
    buyer = person(int(orders.person_id[i]))
    tax_rate = US_SALES_TAX if buyer.country == "US" else 0.0
    tax = round(subtotal * tax_rate)
    refunded = int(orders.refund_ts[i]) >= 0
    refund_line = int(orders.refund_line[i]) if refunded else None
    refund_subtotal = refund_tax = 0
    if refund_line is not None:
        line = lines[refund_line]
        refund_subtotal = line.gross_cents - line.discount_cents
        refund_tax = round(refund_subtotal * tax_rate)
    currency = PRESENTMENT_CURRENCY[buyer.country]
    created_day = shop_date(int(orders.created_ts[i]))
    return OrderMoney(
        lines=tuple(lines),
        subtotal_cents=subtotal,
        discount_cents=discount,
        shipping_cents=shipping,
        tax_cents=tax,
        presentment_currency=currency,
        presentment_rate=1.0 / rate_to_usd(currency, created_day),
        refund_line=refund_line,
        refund_subtotal_cents=refund_subtotal,
        refund_tax_cents=refund_tax,
    )


def money(cents: int) -> str:
    """Shopify's string money: "199.00"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
