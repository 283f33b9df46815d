"""The fixed parts of BrightCart's world: ad accounts, campaign trees, products, name lists, FX.

These do not depend on the scale factor; volumes (people, clicks, sessions, orders) do and live in
`world.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FX_SEED_PATH = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "fx_rates_daily.csv"

SHOP_CURRENCY = "USD"
SHOP_TIMEZONE = "America/New_York"
GA4_PROPERTY_TIMEZONE = "America/New_York"
SHOP_DOMAIN = "www.brightcart.example"


@dataclass(frozen=True)
class AdAccount:
    platform: str  # "google_ads" | "meta_ads"
    account_id: str
    name: str
    currency: str
    timezone: str


@dataclass(frozen=True)
class Campaign:
    platform: str
    campaign_id: str
    name: str
    channel_type: str  # Google advertisingChannelType / Meta objective
    utm_campaign: str
    daily_clicks_at_full_scale: float
    ctr: float
    cpc: float  # average cost per click, account currency
    has_ad_level_metrics: bool = True  # Performance Max reports spend only per campaign


@dataclass(frozen=True)
class AdGroup:
    platform: str
    ad_group_id: str
    campaign_id: str
    name: str


@dataclass(frozen=True)
class Ad:
    platform: str
    ad_id: str
    ad_group_id: str
    campaign_id: str
    name: str
    creative_id: str
    headline: str
    utm_content: str


GOOGLE_ACCOUNT = AdAccount("google_ads", "1234567890", "BrightCart US", "USD", "America/New_York")
META_ACCOUNT = AdAccount("meta_ads", "act_1100220033", "BrightCart EU", "EUR", "Europe/Dublin")
AD_ACCOUNTS = (GOOGLE_ACCOUNT, META_ACCOUNT)

CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("google_ads", "20101", "Brand Search", "SEARCH", "brand_search", 300_000, 0.09, 0.45),
    Campaign("google_ads", "20102", "Generic Search", "SEARCH", "generic_search", 350_000, 0.04, 1.35),
    Campaign("google_ads", "20103", "Shopping - All Products", "SHOPPING", "shopping_all", 250_000, 0.012, 0.80),
    Campaign("google_ads", "20104", "PMax - Prospecting", "PERFORMANCE_MAX", "pmax_prospecting", 200_000,
             0.008, 0.95, has_ad_level_metrics=False),
    Campaign("google_ads", "20105", "YouTube Awareness", "VIDEO", "youtube_awareness", 100_000, 0.004, 0.30),
    Campaign("meta_ads", "23850001", "Prospecting - Broad", "OUTCOME_SALES", "meta_prospecting", 320_000,
             0.011, 0.55),
    Campaign("meta_ads", "23850002", "Retargeting - Cart", "OUTCOME_SALES", "meta_retargeting", 180_000,
             0.024, 0.40),
    Campaign("meta_ads", "23850003", "Lookalike Purchasers", "OUTCOME_SALES", "meta_lookalike", 200_000,
             0.014, 0.60),
    Campaign("meta_ads", "23850004", "Lead Gen - Newsletter", "OUTCOME_LEADS", "meta_leadgen", 100_000,
             0.009, 0.35),
)


def _build_tree() -> tuple[tuple[AdGroup, ...], tuple[Ad, ...]]:
    groups: list[AdGroup] = []
    ads: list[Ad] = []
    for campaign in CAMPAIGNS:
        group_word = "Ad group" if campaign.platform == "google_ads" else "Ad set"
        group_count = 1 if not campaign.has_ad_level_metrics else 2
        for g in range(group_count):
            group_id = f"{campaign.campaign_id}{g + 1:02d}"
            groups.append(AdGroup(campaign.platform, group_id, campaign.campaign_id,
                                  f"{campaign.name} - {group_word} {g + 1}"))
            if not campaign.has_ad_level_metrics:
                continue
            for a in range(2):
                ad_id = f"{group_id}{a + 1:02d}"
                ads.append(Ad(campaign.platform, ad_id, group_id, campaign.campaign_id,
                              f"{campaign.name} - Ad {g + 1}.{a + 1}", f"9{ad_id}",
                              ("Everyday essentials, delivered", "Free shipping over $75")[a],
                              f"ad_{ad_id}"))
    return tuple(groups), tuple(ads)


AD_GROUPS, ADS = _build_tree()
CAMPAIGN_BY_ID = {c.campaign_id: c for c in CAMPAIGNS}
ACCOUNT_BY_PLATFORM = {a.platform: a for a in AD_ACCOUNTS}


@dataclass(frozen=True)
class Product:
    product_id: int
    variant_id: int
    sku: str
    title: str
    price_cents: int


PRODUCTS: tuple[Product, ...] = tuple(
    Product(632910392 + i, 808950810 + i, f"BC-{i + 1:03d}", title, price)
    for i, (title, price) in enumerate([
        ("Organic Cotton Tee", 2400), ("Merino Crew Socks", 1800), ("Everyday Tote", 3900),
        ("Linen Throw", 8900), ("Ceramic Mug Set", 3400), ("Bamboo Toothbrush 4-pack", 1200),
        ("Recycled Notebook", 1500), ("Glass Water Bottle", 2900), ("Wool Beanie", 3200),
        ("Canvas Sneakers", 7900), ("Soy Candle", 2600), ("Cast Iron Skillet", 5900),
        ("Stoneware Bowl", 2200), ("Cork Yoga Mat", 6900), ("Rain Jacket", 12900),
        ("Leather Wallet", 4900), ("Hemp Backpack", 9900), ("Olive Oil Soap", 900),
        ("Beeswax Wraps", 1600), ("Desk Lamp", 7400),
    ])
)

FIRST_NAMES = ("Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
               "Mia", "Mateo", "Amelia", "Ethan", "Harper", "Aoife", "Sean", "Niamh", "Chloe", "Oscar",
               "Grace", "Jack", "Freya", "Leo", "Zoe", "Omar", "Priya", "Kenji", "Lena", "Tomas")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Murphy",
              "Kelly", "Walsh", "Byrne", "Taylor", "Moore", "Martin", "Lee", "Clark", "Lewis", "Walker",
              "Hall", "Young", "King", "Wright", "Lopez", "Hill", "Scott", "Green", "Adams", "Baker",
              "Nelson")
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "gmail.com")
COUNTRIES = ("US", "US", "US", "US", "US", "US", "IE", "DE", "GB", "GB")
PHONE_PREFIX = {"US": "+1212555", "IE": "+35387555", "DE": "+4915155", "GB": "+447700"}
PRESENTMENT_CURRENCY = {"US": "USD", "IE": "EUR", "DE": "EUR", "GB": "GBP"}
CITIES = {"US": "New York", "IE": "Dublin", "DE": "Berlin", "GB": "London"}

INTERNAL_EMAIL_DOMAIN = "brightcart.example"
TEST_ACCOUNT_EMAIL = "qa@brightcart.example"


@lru_cache(maxsize=1)
def fx_rates() -> dict[tuple[str, dt.date], float]:
    """Daily reference rates to USD, shared with dbt as the `fx_rates_daily` seed."""
    rates: dict[tuple[str, dt.date], float] = {}
    with FX_SEED_PATH.open() as handle:
        for row in csv.DictReader(handle):
            rates[(row["currency"], dt.date.fromisoformat(row["rate_date"]))] = float(row["rate_to_usd"])
    return rates


def rate_to_usd(currency: str, day: dt.date) -> float:
    if currency == "USD":
        return 1.0
    try:
        return fx_rates()[(currency, day)]
    except KeyError:
        raise KeyError(f"no FX rate for {currency} on {day} in {FX_SEED_PATH.name}") from None
