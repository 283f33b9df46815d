"""Where every GA4 export row sits, from the world's arrays alone: nothing is rendered to count or page a table.

A full-scale day holds ~35M events; rendering them all before answering `tables.get` took minutes. Here
a day's events are planned as arrays (session row, position in the session's plan, time, batch index),
a table selects its events by date and arrival with a mask, and buckets them by minute with a linear
radix sort; a minute is ordered (time, user_pseudo_id, batch_event_index, as `GA4Vendor` orders rows)
only when a page reads from it. So `numRows` costs a count, and page N sorts a minute or two, never
pages 0..N-1.

The plan must agree with `GA4Vendor`'s per-session event plan; tests check that it does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from brightcart_pipeline.simulator.people import client_id_parts, has_accounts
from brightcart_pipeline.simulator.world import US_PER_SECOND, Day

PAGE_US = 45 * US_PER_SECOND  # world.Sessions.end_ts: one page view every 45 s
BUCKET_US = 60 * US_PER_SECOND


@dataclass(frozen=True)
class DayEvents:
    """Every export event of one world day's tracked sessions, as parallel arrays."""

    row: np.ndarray  # the session's row in the day
    plan_position: np.ndarray  # the event's index in its session's plan
    ts: np.ndarray
    arrived: np.ndarray  # when GA4 has the event
    batch_event_index: np.ndarray
    client_order: np.ndarray  # sorts as the user_pseudo_id strings do

    def __len__(self) -> int:
        return len(self.ts)


def client_order(pid: np.ndarray, device: np.ndarray) -> np.ndarray:
    """An int64 per client that sorts as its "random.first_visit" string: the random part has 9 or 10 digits,
    and '.' sorts before every digit, so compare its first nine digits, then its tenth (or '.'), then
    the first-visit epoch (always 10 digits)."""
    random_part, first_visit = client_id_parts(pid, device)
    ten_digits = random_part >= 1_000_000_000
    first_nine = np.where(ten_digits, random_part // 10, random_part)
    tenth = np.where(ten_digits, random_part % 10 + 1, 0)
    return (first_nine * 11 + tenth) * 60_000_000 + (first_visit - 1_690_000_000)


def day_events(day: Day) -> DayEvents:
    """The plan of every tracked session, as `GA4Vendor` renders it: events ordered by page, and within a
    page in planning order (session_start, page_view, login, view_item, add_to_cart, begin_checkout;
    purchase and generate_lead on the page after the last)."""
    s = day.sessions
    assert s is not None
    rows = np.flatnonzero(s.ga4_tracked)
    start, pages = s.start_ts[rows], s.pageviews[rows].astype(np.int64)
    end = start + pages * PAGE_US
    logged_in = (s.logged_in[rows] & has_accounts(s.person_id[rows])).astype(np.int64)
    cart, order, lead = (s.is_cart[rows].astype(np.int64), s.is_order[rows].astype(np.int64),
                         s.is_lead[rows].astype(np.int64))
    # An order implies a cart, and a cart three pages: begin_checkout is on page 2 or later.
    assert not (order & (pages < 3)).any(), "an order session with fewer than three pages"
    page1 = 2 + logged_in  # plan position of page 1's page_view
    page2 = page1 + 2
    before_last = page1 + np.where(pages >= 2, 2, 0) + np.where(pages >= 3, cart + pages - 2, 0) + order

    extra = np.maximum(pages - 1, 0)  # page views after the first
    view_session = np.repeat(np.arange(len(rows)), extra)
    k = np.arange(len(view_session)) - np.repeat(np.cumsum(extra) - extra, extra) + 1
    vs = view_session
    view_position = np.where(k == 1, page1[vs], np.where(k == 2, page2[vs], page2[vs] + 1 + cart[vs] + k - 3))

    def part(who: np.ndarray, position: np.ndarray | int, ts: np.ndarray, batch: np.ndarray | int,
             ) -> tuple[np.ndarray, ...]:
        n = len(who)
        return who, np.broadcast_to(position, n), np.broadcast_to(ts, n), np.broadcast_to(batch, n)

    everyone, logged, carts, orders, leads = (np.arange(len(rows)), np.flatnonzero(logged_in), np.flatnonzero(cart),
                                              np.flatnonzero(order), np.flatnonzero(lead))
    two_pages = np.flatnonzero(pages >= 2)
    parts = [  # (session, plan position, time, batch_event_index) per event
        part(everyone, 0, start, 0),  # session_start
        part(everyone, 1, start, 1),  # page_view of page 0
        part(logged, 2, start[logged] + US_PER_SECOND, 2),  # login
        part(vs, view_position, start[vs] + k * PAGE_US, 0),  # page views of pages 1..pages-1
        part(two_pages, page1[two_pages] + 1, start[two_pages] + PAGE_US, 1),  # view_item
        part(carts, page2[carts] + 1, start[carts] + 2 * PAGE_US, 1),  # add_to_cart
        part(orders, (page2 + cart + pages - 2)[orders], (end - 30 * US_PER_SECOND)[orders],
             np.where(pages == 3, 1 + cart, 1)[orders]),  # begin_checkout, on page pages-1
        part(orders, before_last[orders], end[orders], 0),  # purchase
        part(leads, (before_last + order)[leads], end[leads], order[leads]),  # generate_lead
    ]
    session, position, ts, batch = (list(column) for column in zip(*parts, strict=True))
    sessions = np.concatenate(session)
    delay = s.arrival_delay[rows]
    event_ts = np.concatenate(ts)
    return DayEvents(
        row=rows[sessions].astype(np.int32),
        plan_position=np.concatenate(position).astype(np.int16),
        ts=event_ts,
        arrived=event_ts + delay[sessions],
        batch_event_index=np.concatenate(batch).astype(np.int16),
        client_order=client_order(s.person_id[rows], s.device[rows])[sessions],
    )


class ExportTable:
    """One `events_YYYYMMDD` table as of a clock: its events bucketed by minute, each minute sorted when read."""

    def __init__(self, sources: list[DayEvents], low_us: int, high_us: int, as_of_us: int) -> None:
        picked = [(np.flatnonzero((d.ts >= low_us) & (d.ts < high_us) & (d.arrived <= as_of_us)), d)
                  for d in sources]
        self.source = np.concatenate([np.full(len(i), n, dtype=np.int8) for n, (i, _) in enumerate(picked)])
        columns = {name: np.concatenate([getattr(d, name)[i] for i, d in picked])
                   for name in ("row", "plan_position", "ts", "arrived", "batch_event_index", "client_order")}
        self.row, self.plan_position = columns["row"], columns["plan_position"]
        self.ts, self.arrived = columns["ts"], columns["arrived"]
        self.batch_event_index, self.client_order = columns["batch_event_index"], columns["client_order"]
        minute = ((self.ts - low_us) // BUCKET_US).astype(np.int16)
        # A radix sort for 16-bit keys: linear time. The columns stay as they are; pages go through this.
        self._by_minute = np.argsort(minute, kind="stable")
        minutes = int((high_us - low_us + BUCKET_US - 1) // BUCKET_US)
        self._bounds = np.concatenate([[0], np.cumsum(np.bincount(minute, minlength=minutes))])
        self._sorted: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def last_arrival_us(self) -> int:
        return int(self.arrived.max()) if len(self) else 0

    def order(self, start: int, stop: int) -> np.ndarray:
        """Indices (into the table's columns) of the rows at positions start..stop-1 in export order."""
        stop = min(stop, len(self))
        if start >= stop:
            return np.array([], dtype=np.int64)
        first = int(np.searchsorted(self._bounds, start, side="right")) - 1
        last = int(np.searchsorted(self._bounds, stop - 1, side="right")) - 1
        ordered = np.concatenate([self._minute(m) for m in range(first, last + 1)])
        offset = int(self._bounds[first])
        return ordered[start - offset:stop - offset]

    def _minute(self, minute: int) -> np.ndarray:
        if minute not in self._sorted:
            part = self._by_minute[int(self._bounds[minute]):int(self._bounds[minute + 1])]
            # Ties beyond (time, client, batch index) keep the order sessions were planned in, as a stable
            # sort of the rendered rows would.
            ranked = np.lexsort((self.plan_position[part], self.row[part], self.source[part],
                                 self.batch_event_index[part], self.client_order[part], self.ts[part]))
            with self._lock:
                self._sorted[minute] = part[ranked]
        return self._sorted[minute]
