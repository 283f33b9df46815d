"""Ground truth for commerce: every order as of a clock time, with money in cents.

Computed from the world and `commerce.order_money` directly, never from rendered API bodies, so a
test comparing the warehouse with it checks the whole path: API → lake → raw → dbt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brightcart_pipeline.simulator.commerce import order_money, shop_date
from brightcart_pipeline.simulator.world import World


@dataclass(frozen=True)
class TrueOrder:
    order_id: int
    person_id: int
    order_date: str  # shop-local ISO date
    is_test: bool
    gross_cents: int
    discount_cents: int
    returns_cents: int
    total_cents: int
    updated_us: int  # the last change (placed, fulfilled, refunded) by the clock

    @property
    def net_sales_cents(self) -> int:
        return self.gross_cents - self.discount_cents - self.returns_cents


def true_orders(world: World, as_of_us: int) -> list[TrueOrder]:
    """Orders placed by `as_of_us`, refunds counted only once they have happened."""
    found: list[TrueOrder] = []
    for day in world.days():
        orders = day.orders
        assert orders is not None
        for i in np.flatnonzero(orders.created_ts <= as_of_us):
            money = order_money(orders, int(i))
            refunded = 0 <= int(orders.refund_ts[i]) <= as_of_us
            changes = [int(orders.created_ts[i]), int(orders.fulfilled_ts[i]), int(orders.refund_ts[i])]
            found.append(TrueOrder(
                order_id=int(orders.order_id[i]),
                person_id=int(orders.person_id[i]),
                order_date=shop_date(int(orders.created_ts[i])).isoformat(),
                is_test=bool(orders.is_test[i]),
                gross_cents=money.gross_cents,
                discount_cents=money.discount_cents,
                returns_cents=money.refund_subtotal_cents if refunded else 0,
                total_cents=money.total_cents,
                updated_us=max(t for t in changes if 0 <= t <= as_of_us),
            ))
    return found
