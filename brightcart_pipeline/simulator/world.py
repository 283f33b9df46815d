"""One seeded BrightCart world that every vendor API serves from.

The world is generated day by day, vectorised with numpy and cached, so a tiny day for tests and a
full-scale day (scale 1.0, about 50M events) come from the same code. The causal chain makes joins
across vendors real: ad clicks (gclid/fbclid) become sessions, sessions become leads (HubSpot) and
orders (Shopify), orders get fulfilled and sometimes refunded later.

All timestamps are integer microseconds since the Unix epoch, UTC.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from brightcart_pipeline.simulator.catalog import (
    ACCOUNT_BY_PLATFORM,
    ADS,
    CAMPAIGNS,
    GA4_PROPERTY_TIMEZONE,
    PRODUCTS,
    Campaign,
)
from brightcart_pipeline.simulator.order_items import order_items
from brightcart_pipeline.simulator.people import N_INTERNAL, N_TEST, uniform

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND

# BrightCart's daily volume at scale 1.0.
FULL_SCALE_POPULATION = 20_000_000
FULL_SCALE_ORGANIC_SESSIONS = 3_000_000
FULL_SCALE_CRM_UPDATES = 2_000_000

# Channels of a session, as ground truth knows them.
CHANNELS = ("google_paid", "meta_paid", "organic_search", "direct", "email", "referral")
ORGANIC_CHANNEL_SHARE = np.array([0.0, 0.0, 0.40, 0.33, 0.17, 0.10])
ORDER_RATE = {"google_paid": 0.085, "meta_paid": 0.06, "organic_search": 0.07, "direct": 0.10,
              "email": 0.11, "referral": 0.05}
LEAD_RATE = 0.03
CART_RATE_ABOVE_ORDER = 0.12
GA4_TRACKED_SHARE = 0.93  # the rest declined analytics cookies: no GA4 events, orders still happen
REFUND_RATE = 0.08
PAID_LANDING_RATE = 0.9  # clicks that become a session (the rest bounce before the page loads)
LATE_EVENT_SHARE = 0.03  # sessions whose events reach GA4 up to three days late
DEAL_RATE = 0.3
DEAL_ARCHIVE_RATE = 0.05
CONTACT_DUPLICATE_RATE = 0.04  # contacts created twice (another email variant), merged a day later


def local_midnight_us(day: dt.date, timezone: str) -> int:
    """Microseconds at 00:00 of `day` in `timezone`."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(timezone))
    return int(start.timestamp()) * US_PER_SECOND


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 7
    start: dt.date = dt.date(2026, 10, 1)
    days: int = 3
    scale: float = 0.0005

    @property
    def end(self) -> dt.date:
        """The day after the last simulated day."""
        return self.start + dt.timedelta(days=self.days)

    @property
    def first_utc_day(self) -> dt.date:
        """The earliest UTC day holding activity: an account east of UTC (Meta's, Europe/Dublin) starts its
        first local day on the evening before, so extraction has to begin one day before `start`."""
        return self.start - dt.timedelta(days=1)

    @classmethod
    def extracted_from(cls, first_extracted_day: dt.date, **kwargs: object) -> WorldConfig:
        """The world whose activity begins on `first_extracted_day` (the pipeline's start date)."""
        return cls(start=first_extracted_day + dt.timedelta(days=1), **kwargs)  # type: ignore[arg-type]

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


@dataclass
class AdMetricsDay:
    """True daily metrics per ad (or per campaign where the platform has no ad level)."""

    platform: str
    date: dt.date
    campaign_id: np.ndarray
    ad_group_id: np.ndarray  # "" for campaign-level rows
    ad_id: np.ndarray  # "" for campaign-level rows
    impressions: np.ndarray
    clicks: np.ndarray  # Google clicks; Meta inline link clicks
    other_clicks: np.ndarray  # Meta clicks on the ad that are not link clicks
    cost_micros: np.ndarray  # account currency; Meta spends whole cents
    conversions: np.ndarray  # platform-claimed, deliberately generous
    conversions_value_micros: np.ndarray
    leads: np.ndarray


@dataclass
class Clicks:
    platform: np.ndarray
    click_id: np.ndarray  # gclid or fbclid
    campaign_id: np.ndarray
    ad_group_id: np.ndarray
    ad_id: np.ndarray
    ts: np.ndarray
    person_id: np.ndarray


@dataclass
class Sessions:
    """Every visit to the site on one day, tracked by GA4 or not."""

    session_key: np.ndarray  # globally unique int
    person_id: np.ndarray
    device: np.ndarray
    start_ts: np.ndarray
    channel: np.ndarray  # index into CHANNELS
    click_index: np.ndarray  # row in the day's Clicks, -1 for unpaid
    pageviews: np.ndarray
    is_lead: np.ndarray
    is_cart: np.ndarray
    is_order: np.ndarray
    logged_in: np.ndarray
    ga4_tracked: np.ndarray
    arrival_delay: np.ndarray  # microseconds until GA4 has the session's events
    internal: np.ndarray

    @property
    def end_ts(self) -> np.ndarray:
        return self.start_ts + self.pageviews.astype(np.int64) * 45 * US_PER_SECOND


@dataclass
class Orders:
    order_id: np.ndarray
    order_number: np.ndarray
    person_id: np.ndarray
    session_row: np.ndarray  # row in the same day's Sessions
    created_ts: np.ndarray
    fulfilled_ts: np.ndarray
    is_test: np.ndarray
    email_variant: np.ndarray
    items: Sequence[list[tuple[int, int]]]  # per order: (product index, quantity)
    discount_rate: np.ndarray  # 0 or 0.1
    refund_ts: np.ndarray  # -1 when never refunded
    refund_line: np.ndarray  # which line is refunded in full


@dataclass
class CrmTouches:
    """Moments a person's CRM record is created or changes (leads, orders synced, background edits)."""

    person_id: np.ndarray
    ts: np.ndarray
    kind: np.ndarray  # 0 lead form, 1 order synced from Shopify, 2 background property update
    email_variant: np.ndarray


@dataclass
class Deals:
    deal_id: np.ndarray
    person_id: np.ndarray
    created_ts: np.ndarray
    amount_cents: np.ndarray
    closed_won: np.ndarray
    close_ts: np.ndarray
    archived_ts: np.ndarray  # -1 when never archived


@dataclass
class Day:
    date: dt.date
    index: int
    ads: dict[str, AdMetricsDay] = field(default_factory=dict)
    clicks: Clicks | None = None
    sessions: Sessions | None = None
    orders: Orders | None = None
    crm: CrmTouches | None = None
    deals: Deals | None = None


class World:
    """BrightCart's world for `config`; `day(d)` generates (and caches) one simulated day."""

    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self.population = max(2_000, int(FULL_SCALE_POPULATION * config.scale))
        self._days: dict[dt.date, Day] = {}
        self._day_locks: dict[dt.date, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    # -- public ---------------------------------------------------------------------------------
    def day(self, date: dt.date) -> Day:
        """The day, generated on first use; concurrent requests for it wait for one generation (a full-scale
        day takes seconds, and a client that retries must not start a second one beside the first)."""
        if not self.config.start <= date < self.config.end:
            raise ValueError(f"{date} is outside the simulated range {self.config.start}..{self.config.end}")
        if date not in self._days:
            with self._locks_lock:
                lock = self._day_locks.setdefault(date, threading.Lock())
            with lock:
                if date not in self._days:
                    self._days[date] = self._generate_day(date)
        return self._days[date]

    def days(self) -> list[Day]:
        return [self.day(d) for d in self.config.dates]

    @cached_property
    def campaign_index(self) -> dict[str, Campaign]:
        return {c.campaign_id: c for c in CAMPAIGNS}

    # -- generation -----------------------------------------------------------------------------
    def _rng(self, stream: int, day_index: int) -> np.random.Generator:
        return np.random.default_rng([self.config.seed, stream, day_index])

    def _sample_people(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Returning visitors are common: a skewed draw over the ordinary population."""
        special = N_INTERNAL + N_TEST
        u = rng.random(n)
        return special + np.floor((self.population - special) * u**1.8).astype(np.int64)

    def _generate_day(self, date: dt.date) -> Day:
        index = (date - self.config.start).days
        day = Day(date=date, index=index)
        self._generate_ads(day)
        self._generate_sessions(day)
        self._generate_orders(day)
        self._generate_crm(day)
        return day

    def _generate_ads(self, day: Day) -> None:
        rng = self._rng(1, day.index)
        weekday_factor = (1.0, 0.97, 0.98, 1.0, 1.05, 1.12, 1.08)[day.date.weekday()]
        click_parts: list[dict[str, np.ndarray]] = []
        for platform in ("google_ads", "meta_ads"):
            account = ACCOUNT_BY_PLATFORM[platform]
            day_start = local_midnight_us(day.date, account.timezone)
            day_length = local_midnight_us(day.date + dt.timedelta(days=1), account.timezone) - day_start
            rows: dict[str, list] = {k: [] for k in (
                "campaign_id", "ad_group_id", "ad_id", "impressions", "clicks", "other_clicks",
                "cost_micros", "conversions", "conversions_value_micros", "leads")}
            for campaign in (c for c in CAMPAIGNS if c.platform == platform):
                units = ([(a.ad_group_id, a.ad_id) for a in ADS if a.campaign_id == campaign.campaign_id]
                         if campaign.has_ad_level_metrics else [("", "")])
                mean_clicks = campaign.daily_clicks_at_full_scale * self.config.scale * weekday_factor
                for ad_group_id, ad_id in units:
                    clicks = int(rng.poisson(mean_clicks / len(units)))
                    impressions = int(rng.poisson(max(clicks, 1) / campaign.ctr)) + clicks
                    cpc = campaign.cpc * rng.uniform(0.85, 1.15)
                    if platform == "google_ads":
                        cost_micros = round(clicks * cpc * 1_000_000)
                    else:
                        cost_micros = round(clicks * cpc * 100) * 10_000  # whole cents
                    conversions = round(clicks * ORDER_RATE["google_paid"] * rng.uniform(1.1, 1.6), 2)
                    rows["campaign_id"].append(campaign.campaign_id)
                    rows["ad_group_id"].append(ad_group_id)
                    rows["ad_id"].append(ad_id)
                    rows["impressions"].append(impressions)
                    rows["clicks"].append(clicks)
                    rows["other_clicks"].append(int(rng.poisson(clicks * 0.3)) if platform == "meta_ads" else 0)
                    rows["cost_micros"].append(cost_micros)
                    rows["conversions"].append(conversions)
                    rows["conversions_value_micros"].append(int(conversions * 68_000_000))
                    rows["leads"].append(int(rng.poisson(clicks * 0.05)) if "lead" in campaign.utm_campaign
                                         else 0)
                    if clicks:
                        click_parts.append({
                            "platform": np.full(clicks, platform, dtype=object),
                            "campaign_id": np.full(clicks, campaign.campaign_id, dtype=object),
                            "ad_group_id": np.full(clicks, ad_group_id, dtype=object),
                            "ad_id": np.full(clicks, ad_id, dtype=object),
                            "ts": day_start + (rng.random(clicks) * day_length).astype(np.int64),
                        })
            day.ads[platform] = AdMetricsDay(
                platform=platform, date=day.date,
                **{k: np.array(v, dtype=object if k.endswith("_id") else None) for k, v in rows.items()},
            )
        merged = {k: np.concatenate([p[k] for p in click_parts]) for k in click_parts[0]} if click_parts else {
            k: np.array([], dtype=object) for k in ("platform", "campaign_id", "ad_group_id", "ad_id")
        } | {"ts": np.array([], dtype=np.int64)}
        n = len(merged["ts"])
        day.clicks = Clicks(
            click_id=_click_ids(rng, merged["platform"]),
            person_id=self._sample_people(rng, n),
            **merged,
        )

    def _generate_sessions(self, day: Day) -> None:
        rng = self._rng(2, day.index)
        clicks = day.clicks
        assert clicks is not None
        landed = np.flatnonzero(rng.random(len(clicks.ts)) < PAID_LANDING_RATE)
        n_paid = len(landed)
        n_organic = int(rng.poisson(FULL_SCALE_ORGANIC_SESSIONS * self.config.scale))
        n_internal = int(rng.integers(2, 6))
        n = n_paid + n_organic + n_internal

        day_start = local_midnight_us(day.date, GA4_PROPERTY_TIMEZONE)
        day_length = local_midnight_us(day.date + dt.timedelta(days=1), GA4_PROPERTY_TIMEZONE) - day_start
        start_ts = np.concatenate([
            clicks.ts[landed] + rng.integers(1, 4, n_paid) * US_PER_SECOND,
            day_start + (rng.random(n_organic + n_internal) * day_length).astype(np.int64),
        ])
        channel = np.concatenate([
            np.where(clicks.platform[landed] == "google_ads", 0, 1),
            rng.choice(len(CHANNELS), size=n_organic, p=ORGANIC_CHANNEL_SHARE),
            np.full(n_internal, 3),
        ]).astype(np.int8)
        person_id = np.concatenate([
            clicks.person_id[landed],
            self._sample_people(rng, n_organic),
            rng.integers(0, N_INTERNAL, n_internal),
        ])
        internal = np.zeros(n, dtype=bool)
        internal[n_paid + n_organic:] = True

        order_rate = np.array([ORDER_RATE[c] for c in CHANNELS])[channel]
        u = rng.random(n)
        is_order = (u < order_rate) & ~internal
        is_cart = u < order_rate + CART_RATE_ABOVE_ORDER
        lead_boost = np.zeros(n)
        paid_campaigns = clicks.campaign_id[landed]
        lead_boost[:n_paid] = np.where(np.char.find(paid_campaigns.astype(str), "23850004") >= 0, 0.2, 0.0)
        is_lead = (rng.random(n) < LEAD_RATE + lead_boost) & ~internal
        devices = np.where(uniform(person_id, 8) < 0.35, 2, 1)

        day.sessions = Sessions(
            session_key=(day.index + 1) * 100_000_000 + np.arange(n, dtype=np.int64),
            person_id=person_id,
            device=(rng.random(n) * devices).astype(np.int8),
            start_ts=start_ts,
            channel=channel,
            click_index=np.concatenate([landed, np.full(n_organic + n_internal, -1)]).astype(np.int64),
            pageviews=(1 + rng.poisson(3.0, n) + 2 * is_cart).astype(np.int16),
            is_lead=is_lead,
            is_cart=is_cart,
            is_order=is_order,
            logged_in=(rng.random(n) < 0.3) & (uniform(person_id, 6) < 0.55),
            ga4_tracked=rng.random(n) < GA4_TRACKED_SHARE,
            arrival_delay=np.where(
                rng.random(n) < LATE_EVENT_SHARE,
                rng.integers(US_PER_DAY // 2, 3 * US_PER_DAY, n),
                rng.integers(5 * US_PER_SECOND, 120 * US_PER_SECOND, n),
            ),
            internal=internal,
        )

    def _generate_orders(self, day: Day) -> None:
        rng = self._rng(3, day.index)
        sessions = day.sessions
        assert sessions is not None
        rows = np.flatnonzero(sessions.is_order)
        n_test = int(rng.integers(1, 3))
        n = len(rows) + n_test
        created = np.concatenate([
            sessions.end_ts[rows],
            local_midnight_us(day.date, GA4_PROPERTY_TIMEZONE) + rng.integers(9, 17, n_test) * 3600 * US_PER_SECOND,
        ])
        person_id = np.concatenate([sessions.person_id[rows], N_INTERNAL + rng.integers(0, N_TEST, n_test)])
        is_test = np.zeros(n, dtype=bool)
        is_test[len(rows):] = True
        refunded = (rng.random(n) < REFUND_RATE) & ~is_test
        line_counts = 1 + rng.binomial(2, 0.35, n)
        items = order_items(rng, line_counts, len(PRODUCTS))
        day.orders = Orders(
            order_id=5_100_000_000_000 + day.index * 10_000_000 + np.arange(n, dtype=np.int64),
            order_number=1001 + day.index * 1_000_000 + np.arange(n, dtype=np.int64),
            person_id=person_id,
            session_row=np.concatenate([rows, np.full(n_test, -1)]).astype(np.int64),
            created_ts=created,
            fulfilled_ts=created + rng.integers(6 * 3600, 48 * 3600, n) * US_PER_SECOND,
            is_test=is_test,
            email_variant=rng.integers(0, 6, n).astype(np.int8),
            items=items,
            discount_rate=np.where(rng.random(n) < 0.2, 0.1, 0.0),
            refund_ts=np.where(refunded, created + rng.integers(2, 15, n) * US_PER_DAY, -1),
            refund_line=rng.integers(0, 3, n) % line_counts,
        )

    def _generate_crm(self, day: Day) -> None:
        rng = self._rng(4, day.index)
        sessions, orders = day.sessions, day.orders
        assert sessions is not None and orders is not None
        leads = np.flatnonzero(sessions.is_lead)
        synced = np.flatnonzero(~orders.is_test)
        n_updates = int(rng.poisson(FULL_SCALE_CRM_UPDATES * self.config.scale))
        day_start = local_midnight_us(day.date, "UTC")
        person_id = np.concatenate([
            sessions.person_id[leads], orders.person_id[synced], self._sample_people(rng, n_updates)])
        ts = np.concatenate([
            sessions.end_ts[leads],
            orders.created_ts[synced] + 120 * US_PER_SECOND,
            day_start + (rng.random(n_updates) * US_PER_DAY).astype(np.int64),
        ])
        kind = np.concatenate([
            np.zeros(len(leads)), np.ones(len(synced)), np.full(n_updates, 2)]).astype(np.int8)
        day.crm = CrmTouches(person_id=person_id, ts=ts, kind=kind,
                             email_variant=rng.integers(0, 6, len(ts)).astype(np.int8))
        with_deal = leads[rng.random(len(leads)) < DEAL_RATE]
        k = len(with_deal)
        created = sessions.end_ts[with_deal] + 3600 * US_PER_SECOND
        day.deals = Deals(
            deal_id=7_000_000_000 + day.index * 1_000_000 + np.arange(k, dtype=np.int64),
            person_id=sessions.person_id[with_deal],
            created_ts=created,
            amount_cents=rng.integers(20, 400, k) * 500,
            closed_won=rng.random(k) < 0.4,
            close_ts=created + rng.integers(1, 10, k) * US_PER_DAY,
            archived_ts=np.where(rng.random(k) < DEAL_ARCHIVE_RATE, created + 2 * US_PER_DAY, -1),
        )


_CLICK_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


def _click_ids(rng: np.random.Generator, platform: np.ndarray) -> np.ndarray:
    """gclid-like (Cj0KCQ…) and fbclid-like (IwAR…) ids, unique with overwhelming probability."""
    n = len(platform)
    body = _CLICK_ALPHABET[rng.integers(0, len(_CLICK_ALPHABET), (n, 28))]
    bodies = body.view(f"<U{28}").ravel() if n else np.array([], dtype="<U28")
    prefix = np.where(platform == "google_ads", "Cj0KCQiA", "IwAR")
    return np.char.add(prefix.astype(str), bodies).astype(object)
