"""Ground truth for the web and CRM side: GA4 sessions and events, HubSpot contacts and deals.

Two kinds of helpers live here. Definitions of what the world *is* (a session's traffic source, a
person's first-touch channel, which contacts and deals exist as of a clock) are written once and
rendered by the GA4 and HubSpot simulators. Expected API outcomes (event counts per export table,
tracked sessions, click ids and transaction ids seen by GA4) are computed here again, vectorised
from the world's arrays, independently of the simulators' row-by-row rendering, so a test comparing
raw tables with them checks the rendering, the extract and the load.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np

from brightcart_pipeline.simulator.catalog import CAMPAIGN_BY_ID, GA4_PROPERTY_TIMEZONE, SHOP_DOMAIN
from brightcart_pipeline.simulator.people import email_variant, has_accounts, is_special, person, pick, uniform
from brightcart_pipeline.simulator.world import CHANNELS, CONTACT_DUPLICATE_RATE, US_PER_DAY, US_PER_SECOND, Day, World

GA4_TZ = ZoneInfo(GA4_PROPERTY_TIMEZONE)
PAGE_SECONDS = 45  # world.Sessions.end_ts: one page view every 45 s
US_PER_HOUR = 3600 * US_PER_SECOND
DUPLICATE_CONTACT_DELAY_US = US_PER_HOUR  # the second form fill that creates the duplicate
MERGE_DELAY_US = US_PER_DAY  # ops merge duplicates a day later

# Where each channel's visits come from (utm_source, utm_medium), as GA4, Shopify and HubSpot all see it.
SOURCE_MEDIUM = {"google_paid": ("google", "cpc"), "meta_paid": ("facebook", "paid_social"),
                 "organic_search": ("google", "organic"), "direct": ("(direct)", "(none)"),
                 "email": ("klaviyo", "email"), "referral": ("partner-blog", "referral")}
# Channels whose landing URLs carry utm_* parameters.
UTM_SOURCE = {channel: SOURCE_MEDIUM[channel] for channel in ("google_paid", "meta_paid", "email", "referral")}
CHANNEL_GROUP = {"google_paid": "Paid Search", "meta_paid": "Paid Social", "organic_search": "Organic Search",
                 "direct": "Direct", "email": "Email", "referral": "Referral"}
HUBSPOT_ANALYTICS_SOURCE = {"google_paid": "PAID_SEARCH", "meta_paid": "PAID_SOCIAL",
                            "organic_search": "ORGANIC_SEARCH", "direct": "DIRECT_TRAFFIC",
                            "email": "EMAIL_MARKETING", "referral": "REFERRALS"}
UNPAID_CAMPAIGN = {"organic_search": "(organic)", "direct": "(direct)", "email": "newsletter",
                   "referral": "partner"}


# -- sessions ---------------------------------------------------------------------------------------
def utm_query(channel: str, campaign: str, content: str | None = None, **click: str) -> str:
    """The utm_* query a tagged channel's links carry (ads' final URLs, creatives' url_tags, landing pages)."""
    source, medium = UTM_SOURCE[channel]
    params = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}
    if content:
        params["utm_content"] = content
    return urlencode(params | click)


@dataclass(frozen=True)
class SessionTraffic:
    """Where one visit came from, as the landing URL carries it (the same UTMs Shopify records)."""

    channel: str
    source: str
    medium: str
    campaign: str
    content: str | None
    click_param: str | None  # "gclid" | "fbclid"
    click_id: str | None
    referrer: str | None

    @property
    def channel_group(self) -> str:
        return CHANNEL_GROUP[self.channel]

    @property
    def tagged(self) -> bool:
        """The landing URL carries utm_* parameters."""
        return self.channel in UTM_SOURCE

    def landing_path(self) -> str:
        """The landing page's path and query: Shopify's `landing_site`."""
        if not self.tagged:
            return "/"
        click = {self.click_param: self.click_id} if self.click_param and self.click_id else {}
        return f"/?{utm_query(self.channel, self.campaign, self.content, **click)}"

    def landing_url(self) -> str:
        """The full landing URL: GA4's `page_location` of the session's first page."""
        return f"https://{SHOP_DOMAIN}{self.landing_path()}"


def session_traffic(day: Day, row: int) -> SessionTraffic:
    sessions, clicks = day.sessions, day.clicks
    assert sessions is not None and clicks is not None
    channel = CHANNELS[int(sessions.channel[row])]
    source, medium = SOURCE_MEDIUM[channel]
    if channel == "organic_search":
        return SessionTraffic(channel, source, medium, "(organic)", None, None, None, "https://www.google.com/")
    if channel == "direct":
        return SessionTraffic(channel, source, medium, "(direct)", None, None, None, None)
    click = int(sessions.click_index[row])
    if click < 0:
        return SessionTraffic(channel, source, medium, UNPAID_CAMPAIGN[channel], None, None, None, None)
    campaign = CAMPAIGN_BY_ID[str(clicks.campaign_id[click])]
    ad_id = str(clicks.ad_id[click])
    return SessionTraffic(channel, source, medium, campaign.utm_campaign, f"ad_{ad_id}" if ad_id else None,
                          "gclid" if channel == "google_paid" else "fbclid", str(clicks.click_id[click]), None)


@dataclass(frozen=True)
class SessionIndex:
    """Every session of the world, sorted by (person, device, start): first touches and session numbers."""

    person_id: np.ndarray
    device: np.ndarray
    start_ts: np.ndarray
    day_index: np.ndarray
    row: np.ndarray


_INDEXES: weakref.WeakKeyDictionary[World, SessionIndex] = weakref.WeakKeyDictionary()


def session_index(world: World) -> SessionIndex:
    if world not in _INDEXES:
        days = world.days()
        parts = [(d.sessions.person_id, d.sessions.device.astype(np.int64), d.sessions.start_ts,  # type: ignore[union-attr]
                  np.full(len(d.sessions.start_ts), d.index), np.arange(len(d.sessions.start_ts)))  # type: ignore[union-attr]
                 for d in days]
        person_id, device, start, day_index, row = (np.concatenate([p[k] for p in parts]) for k in range(5))
        order = np.lexsort((start, device, person_id))
        _INDEXES[world] = SessionIndex(person_id[order], device[order], start[order], day_index[order], row[order])
    return _INDEXES[world]


def _span(index: SessionIndex, pid: int) -> tuple[int, int]:
    """Where a person's sessions are in the index (two scalar searches: cheaper than one over a list)."""
    return int(index.person_id.searchsorted(pid)), int(index.person_id.searchsorted(pid + 1))


def first_channel(world: World, pid: int, before_us: int) -> tuple[str, str | None]:
    """A person's first-touch channel and its campaign, from the first visit at or before `before_us`.

    People whose first visit predates the simulated window get a stable channel from their id.
    """
    index = session_index(world)
    lo, hi = _span(index, pid)
    if hi > lo:
        starts = index.start_ts[lo:hi]
        first = lo + int(np.argmin(starts))
        if int(index.start_ts[first]) <= before_us:
            traffic = session_traffic(world.days()[int(index.day_index[first])], int(index.row[first]))
            detail = {"organic_search": "google", "direct": None}.get(traffic.channel, traffic.campaign)
            return traffic.channel, detail
    channel = CHANNELS[pick(pid, 21, len(CHANNELS))]
    return channel, None


def ga_session_number(world: World, pid: int, device: int, start_us: int) -> int:
    """gtag's session counter: visits before the window (stable per client) plus those inside it."""
    index = session_index(world)
    lo, hi = _span(index, pid)
    earlier = int(np.count_nonzero((index.device[lo:hi] == device) & (index.start_ts[lo:hi] < start_us)))
    return 1 + pick(pid * 2 + device, 13, 9) + earlier


def ga4_date(ts_us: int) -> str:
    """The export table date (property timezone) of an event: `events_YYYYMMDD`."""
    return _ga4_date_of_hour(ts_us // US_PER_HOUR)


@lru_cache(maxsize=1 << 12)
def _ga4_date_of_hour(hour: int) -> str:
    """The property's dates change on whole UTC hours (its offsets are whole hours), so a UTC hour has one."""
    return dt.datetime.fromtimestamp(hour * US_PER_HOUR / US_PER_SECOND, GA4_TZ).strftime("%Y%m%d")


# -- GA4 expected outcomes (vectorised, independent of the simulator's event rendering) -------------
def _tracked(day: Day) -> np.ndarray:
    s = day.sessions
    assert s is not None
    return np.flatnonzero(s.ga4_tracked)


def _local_dates(ts: np.ndarray) -> np.ndarray:
    return np.array([ga4_date(int(t)) for t in ts], dtype=object)


def ga4_event_counts(world: World, as_of_us: int) -> Counter[tuple[str, str]]:
    """(export date, event_name) → number of events GA4 has received by `as_of_us`."""
    counts: Counter[tuple[str, str]] = Counter()
    for day in world.days():
        s = day.sessions
        assert s is not None
        rows = _tracked(day)
        start, delay, pages = s.start_ts[rows], s.arrival_delay[rows], s.pageviews[rows].astype(np.int64)
        end = start + pages * PAGE_SECONDS * US_PER_SECOND
        account = has_accounts(s.person_id[rows])
        planned: list[tuple[str, np.ndarray, np.ndarray]] = [
            ("session_start", start, np.ones(len(rows), bool)),
            ("login", start + US_PER_SECOND, s.logged_in[rows] & account),
            ("view_item", start + PAGE_SECONDS * US_PER_SECOND, pages >= 2),
            ("add_to_cart", start + 2 * PAGE_SECONDS * US_PER_SECOND, s.is_cart[rows]),
            ("begin_checkout", end - 30 * US_PER_SECOND, s.is_order[rows]),
            ("purchase", end, s.is_order[rows]),
            ("generate_lead", end, s.is_lead[rows]),
        ]
        for k in range(int(pages.max(initial=0))):
            planned.append(("page_view", start + k * PAGE_SECONDS * US_PER_SECOND, pages > k))
        for name, ts, happens in planned:
            seen = happens & (ts + delay <= as_of_us)
            for date in _local_dates(ts[seen]):
                counts[(date, name)] += 1
    return counts


def ga4_sessions(world: World, as_of_us: int) -> set[tuple[str, int]]:
    """(user_pseudo_id, ga_session_id) of every session whose session_start GA4 has by `as_of_us`."""
    found: set[tuple[str, int]] = set()
    for day in world.days():
        s = day.sessions
        assert s is not None
        for row in _tracked(day):
            if int(s.start_ts[row]) + int(s.arrival_delay[row]) <= as_of_us:
                client = person(int(s.person_id[row])).client_id(int(s.device[row]))
                found.add((client, int(s.start_ts[row]) // US_PER_SECOND))
    return found


def ga4_click_ids(world: World, as_of_us: int) -> set[str]:
    """gclids/fbclids on landing pages GA4 has received: the join key from ads to sessions."""
    found: set[str] = set()
    for day in world.days():
        s, clicks = day.sessions, day.clicks
        assert s is not None and clicks is not None
        seen = s.ga4_tracked & (s.click_index >= 0) & (s.start_ts + s.arrival_delay <= as_of_us)
        found.update(str(c) for c in clicks.click_id[s.click_index[seen]])
    return found


def ga4_transaction_ids(world: World, as_of_us: int) -> set[str]:
    """Shopify order numbers GA4 has a purchase for (orders placed in tracked sessions)."""
    found: set[str] = set()
    for day in world.days():
        s, orders = day.sessions, day.orders
        assert s is not None and orders is not None
        for i in np.flatnonzero(orders.session_row >= 0):
            row = int(orders.session_row[i])
            if s.ga4_tracked[row] and int(s.end_ts[row]) + int(s.arrival_delay[row]) <= as_of_us:
                found.add(str(int(orders.order_number[i])))
    return found


# -- HubSpot contacts and deals ---------------------------------------------------------------------
@dataclass(frozen=True)
class TrueDeal:
    deal_id: int
    person_id: int
    contact_id: int
    created_us: int
    amount_cents: int
    closed_won: bool
    close_us: int  # expected close; the stage changes only once the clock has passed it
    archived_us: int | None  # set once archived by the clock
    last_modified_us: int

    def stage(self, as_of_us: int) -> str:
        if self.close_us > as_of_us:
            return "appointmentscheduled"
        return "closedwon" if self.closed_won else "closedlost"


@dataclass(frozen=True)
class TrueContact:
    contact_id: int
    person_id: int
    created_us: int
    last_modified_us: int
    email: str
    lifecyclestage: str
    analytics_source: str
    analytics_source_data_1: str | None
    deal_ids: tuple[int, ...]  # active (unarchived) deals
    merged_ids: tuple[int, ...] = ()  # contacts merged into this one by the clock
    merged_into: int | None = None  # set on a duplicate once merged away

    @property
    def listed(self) -> bool:
        """Merged-away contacts disappear from every listing and search."""
        return self.merged_into is None


def has_duplicate_contact(pid: int) -> bool:
    return not is_special(pid) and bool(uniform(pid, 41) < CONTACT_DUPLICATE_RATE)


def crm_deals(world: World, as_of_us: int) -> dict[int, TrueDeal]:
    """Deals created by `as_of_us` (archived ones included, with `archived_us`)."""
    found: dict[int, TrueDeal] = {}
    for day in world.days():
        deals = day.deals
        assert deals is not None
        for i in np.flatnonzero(deals.created_ts <= as_of_us):
            deal = true_deal(int(deals.deal_id[i]), int(deals.person_id[i]), int(deals.created_ts[i]),
                             int(deals.amount_cents[i]), bool(deals.closed_won[i]), int(deals.close_ts[i]),
                             int(deals.archived_ts[i]), as_of_us)
            found[deal.deal_id] = deal
    return found


def true_deal(deal_id: int, pid: int, created: int, amount_cents: int, closed_won: bool, close: int, archived: int,
              as_of_us: int) -> TrueDeal:
    """One deal as of the clock (`archived` < 0 or later than the clock: not archived)."""
    archived_at = archived if 0 <= archived <= as_of_us else None
    modified = max(t for t in (created, close, archived_at or -1) if t <= as_of_us)
    return TrueDeal(deal_id, pid, person(pid).hubspot_contact_id, created, amount_cents, closed_won, close,
                    archived_at, modified)


@dataclass(frozen=True)
class CrmTimeline:
    """The CRM touches seen by a clock, sorted by person then time; one person's are `[starts[k], ends[k])`."""

    person_id: np.ndarray
    ts: np.ndarray
    kind: np.ndarray
    variant: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def crm_timeline(world: World, as_of_us: int) -> CrmTimeline:
    crm = [d.crm for d in world.days()]
    pid = np.concatenate([c.person_id for c in crm])  # type: ignore[union-attr]
    ts = np.concatenate([c.ts for c in crm])  # type: ignore[union-attr]
    kind = np.concatenate([c.kind for c in crm])  # type: ignore[union-attr]
    variant = np.concatenate([c.email_variant for c in crm])  # type: ignore[union-attr]
    seen = ts <= as_of_us
    pid, ts, kind, variant = pid[seen], ts[seen], kind[seen], variant[seen]
    order = np.lexsort((ts, pid))
    pid, ts, kind, variant = pid[order], ts[order], kind[order], variant[order]
    starts = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]]) if len(pid) else np.array([], dtype=np.int64)
    return CrmTimeline(pid, ts, kind, variant, starts, np.r_[starts[1:], len(pid)].astype(np.int64))


def crm_contacts(world: World, as_of_us: int) -> dict[int, TrueContact]:
    """Every contact created by `as_of_us`, merged-away duplicates included (`merged_into` set).

    A contact is created by its person's first CRM touch; `lastmodifieddate` moves with every later
    touch, with deals being associated or archived (num_associated_deals changes) and with a merge.
    """
    line = crm_timeline(world, as_of_us)
    deals_by_person: dict[int, list[TrueDeal]] = {}
    for deal in crm_deals(world, as_of_us).values():
        deals_by_person.setdefault(deal.person_id, []).append(deal)
    found: dict[int, TrueContact] = {}
    for lo, hi in zip(line.starts.tolist(), line.ends.tolist(), strict=True):
        pid = int(line.person_id[lo])
        for contact in person_contacts(world, line, lo, hi, deals_by_person.get(pid, []), as_of_us):
            found[contact.contact_id] = contact
    return found


def person_contacts(world: World, line: CrmTimeline, lo: int, hi: int, deals: list[TrueDeal],
                    as_of_us: int) -> list[TrueContact]:
    """One person's contacts from their touches `line[lo:hi]`: a duplicate (if made by the clock), then the
    contact itself. The HubSpot simulator renders single contacts with this, so both stay one truth."""
    p = person(int(line.person_id[lo]))
    created = int(line.ts[lo])
    kinds = set(line.kind[lo:hi].tolist())
    stage = "customer" if 1 in kinds else "lead" if 0 in kinds else "subscriber"
    channel, detail = first_channel(world, p.pid, created)
    modified = [int(line.ts[hi - 1])] + [d.created_us for d in deals] + [d.archived_us for d in deals if d.archived_us]
    first_variant = int(line.variant[lo])
    common = {"person_id": p.pid, "lifecyclestage": stage, "analytics_source": HUBSPOT_ANALYTICS_SOURCE[channel],
              "analytics_source_data_1": detail}
    found: list[TrueContact] = []
    merged: tuple[int, ...] = ()
    duplicate_created = created + DUPLICATE_CONTACT_DELAY_US
    if has_duplicate_contact(p.pid) and duplicate_created <= as_of_us:
        merged_at = duplicate_created + MERGE_DELAY_US
        is_merged = merged_at <= as_of_us
        duplicate_id = p.hubspot_contact_id + 1
        found.append(TrueContact(
            contact_id=duplicate_id, created_us=duplicate_created, last_modified_us=duplicate_created,
            email=email_variant(p, 1 if first_variant == 2 else 2), deal_ids=(),
            merged_into=p.hubspot_contact_id if is_merged else None, **common))
        if is_merged:
            merged = (duplicate_id,)
            modified.append(merged_at)
    found.append(TrueContact(
        contact_id=p.hubspot_contact_id, created_us=created, last_modified_us=max(modified),
        email=email_variant(p, first_variant),
        deal_ids=tuple(sorted(d.deal_id for d in deals if d.archived_us is None)),
        merged_ids=merged, **common))
    return found
