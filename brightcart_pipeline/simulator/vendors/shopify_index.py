"""Which Shopify orders and customers a clock shows, and in what order, from the world's arrays alone.

A full-scale day holds ~500K orders; rendering every visible order (and every customer's aggregates)
on each request took longer than a client waits. Here the orders visible at a clock are indexed once
as arrays in the order `ShopifyVendor` lists them before sorting (world day, then row); a listing is a
mask and a sort over those arrays, and a page renders only its own records. Customer aggregates are
computed per customer when a page shows one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brightcart_pipeline.simulator.people import has_accounts
from brightcart_pipeline.simulator.world import Day, Orders


@dataclass(frozen=True)
class VisibleOrders:
    """Every order placed by the clock, in (world day, row) order, as parallel arrays."""

    days: tuple[Day, ...]
    day: np.ndarray  # index into `days`
    row: np.ndarray  # the order's row in its day
    order_id: np.ndarray
    person_id: np.ndarray
    created_us: np.ndarray
    updated_us: np.ndarray  # the last change (placed, fulfilled, refunded) by the clock
    fulfilled: np.ndarray  # fulfilled (so closed) by the clock

    def __len__(self) -> int:
        return len(self.row)

    def located(self, position: int) -> tuple[Orders, int]:
        """The day's orders and the row of the order at `position`."""
        orders = self.days[int(self.day[position])].orders
        assert orders is not None
        return orders, int(self.row[position])


def visible_orders(days: list[Day], as_of_us: int) -> VisibleOrders:
    parts = []
    for n, day in enumerate(days):
        orders = day.orders
        assert orders is not None
        rows = np.flatnonzero(orders.created_ts <= as_of_us)
        created = orders.created_ts[rows]
        updated = created.copy()
        for later in (orders.fulfilled_ts[rows], orders.refund_ts[rows]):
            happened = (later >= 0) & (later <= as_of_us)
            updated = np.where(happened, np.maximum(updated, later), updated)
        fulfilled = orders.fulfilled_ts[rows]
        parts.append((np.full(len(rows), n, dtype=np.int32), rows, orders.order_id[rows], orders.person_id[rows],
                      created, updated, (fulfilled >= 0) & (fulfilled <= as_of_us)))
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)] if parts else [np.array([])] * 7
    return VisibleOrders(tuple(days), *columns)


def order_positions(orders: VisibleOrders, updated_min_us: int | None, updated_max_us: int | None,
                     created_min_us: int | None, open_only: bool, by_updated: bool) -> np.ndarray:
    """Positions (into `orders`) of the orders a listing returns, in its order: by (updated_at, id) or by id."""
    keep = np.ones(len(orders), dtype=bool)
    if updated_min_us is not None:
        keep &= orders.updated_us >= updated_min_us
    if updated_max_us is not None:
        keep &= orders.updated_us <= updated_max_us
    if created_min_us is not None:
        keep &= orders.created_us >= created_min_us
    if open_only:
        keep &= ~orders.fulfilled
    chosen = np.flatnonzero(keep)
    if by_updated:
        ranked = np.lexsort((orders.order_id[chosen], orders.updated_us[chosen]))
    else:
        ranked = np.argsort(orders.order_id[chosen], kind="stable")
    return chosen[ranked]


@dataclass(frozen=True)
class Customers:
    """Account holders who have ordered by the clock, one per person, in person order.

    Which of a person's orders is first and last follows the visible orders' (day, row) order, as the
    one-by-one aggregation did: `created_us` and the email come from the first, the last order id from
    the last, `updated_us` is the latest order time.
    """

    person_id: np.ndarray  # sorted
    created_us: np.ndarray
    updated_us: np.ndarray
    # Positions (into the visible orders) of each person's orders: `orders_by_person[starts[k]:starts[k+1]]`.
    orders_by_person: np.ndarray
    starts: np.ndarray

    def __len__(self) -> int:
        return len(self.person_id)

    def order_positions_of(self, pid: int) -> np.ndarray | None:
        """The person's visible orders in (day, row) order, or None for no customer."""
        k = int(np.searchsorted(self.person_id, pid))
        if k == len(self) or int(self.person_id[k]) != pid:
            return None
        return self.orders_by_person[int(self.starts[k]):int(self.starts[k + 1])]


def customers_of(orders: VisibleOrders) -> Customers:
    holders = np.flatnonzero(has_accounts(orders.person_id))
    # A stable sort keeps each person's orders in (day, row) order.
    by_person = holders[np.argsort(orders.person_id[holders], kind="stable")]
    pids = orders.person_id[by_person]
    first = np.flatnonzero(np.concatenate([[True], pids[1:] != pids[:-1]])) if len(pids) else np.array([], int)
    starts = np.concatenate([first, [len(pids)]]).astype(np.int64)
    updated = np.maximum.reduceat(orders.created_us[by_person], first) if len(first) else np.array([], np.int64)
    return Customers(person_id=pids[first], created_us=orders.created_us[by_person[first]], updated_us=updated,
                     orders_by_person=by_person, starts=starts)


def customer_positions(customers: Customers, updated_min_us: int | None, updated_max_us: int | None,
                       by_updated: bool) -> np.ndarray:
    """Positions (into `customers`) a customer listing returns, in its order: by (updated_at, person) or person."""
    keep = np.ones(len(customers), dtype=bool)
    if updated_min_us is not None:
        keep &= customers.updated_us >= updated_min_us
    if updated_max_us is not None:
        keep &= customers.updated_us <= updated_max_us
    chosen = np.flatnonzero(keep)
    if by_updated:
        return chosen[np.lexsort((customers.person_id[chosen], customers.updated_us[chosen]))]
    return chosen  # already in person order
