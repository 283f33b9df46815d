"""The ad platforms' reporting model and the ground truth tests compare the warehouse with.

Two things live here because both ad vendors and the tests need the same definition of them:

* `reported_metrics`: what a platform shows for a day at a clock time. A day appears once it has
  ended in the account's timezone; until `RESTATEMENT_DAYS` after that day began, the numbers are
  preliminary (deterministically lower clicks, cost and conversions), then final (the world's truth).
* `true_*`: final truth read straight from the world's `AdMetricsDay` and `Clicks`, never through the
  reporting model or an API body, so a test comparing raw tables with it checks the whole path.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from brightcart_pipeline.simulator.catalog import ACCOUNT_BY_PLATFORM, CAMPAIGN_BY_ID
from brightcart_pipeline.simulator.people import uniform
from brightcart_pipeline.simulator.world import World, local_midnight_us

RESTATEMENT_DAYS = 3  # both platforms restate the last days' clicks, cost and conversions
PRELIMINARY_SHARE = (0.80, 0.97)  # the preliminary share of the final value, drawn per row and day
META_CENT_MICROS = 10_000  # Meta spends whole cents of the account currency


@dataclass(frozen=True)
class AdMetricsRow:
    """One platform row (per ad, or per campaign where the platform has no ad level) for one day."""

    platform: str
    date: dt.date
    campaign_id: str
    ad_group_id: str  # "" for campaign-level rows (Performance Max)
    ad_id: str  # "" for campaign-level rows
    impressions: int
    clicks: int  # Google clicks; Meta inline link clicks
    other_clicks: int  # Meta: clicks on the ad that are not link clicks
    cost_micros: int
    conversions: float
    conversions_value_micros: int
    leads: int

    @property
    def unit_id(self) -> str:
        return self.ad_id or self.campaign_id


def day_complete(platform: str, date: dt.date, as_of_us: int) -> bool:
    """A day is reported once it has ended in the account's timezone."""
    timezone = ACCOUNT_BY_PLATFORM[platform].timezone
    return as_of_us >= local_midnight_us(date + dt.timedelta(days=1), timezone)


def is_final(platform: str, date: dt.date, as_of_us: int) -> bool:
    """Metrics of `date` are final from local midnight `RESTATEMENT_DAYS` days after it."""
    timezone = ACCOUNT_BY_PLATFORM[platform].timezone
    return as_of_us >= local_midnight_us(date + dt.timedelta(days=RESTATEMENT_DAYS), timezone)


def preliminary_share(unit_id: str, date: dt.date) -> float:
    """A stable share per (row, day): the same request at the same clock always gets the same body."""
    low, high = PRELIMINARY_SHARE
    key = zlib.crc32(f"{unit_id}/{date.isoformat()}".encode())
    return low + (high - low) * float(uniform(key, 41))


def _world_rows(world: World, platform: str, date: dt.date) -> list[AdMetricsRow]:
    ads = world.day(date).ads[platform]
    return [
        AdMetricsRow(
            platform=platform, date=date, campaign_id=str(ads.campaign_id[i]),
            ad_group_id=str(ads.ad_group_id[i]), ad_id=str(ads.ad_id[i]),
            impressions=int(ads.impressions[i]), clicks=int(ads.clicks[i]),
            other_clicks=int(ads.other_clicks[i]), cost_micros=int(ads.cost_micros[i]),
            conversions=float(ads.conversions[i]),
            conversions_value_micros=int(ads.conversions_value_micros[i]), leads=int(ads.leads[i]),
        )
        # Platforms return no row for a unit that served nothing that day.
        for i in np.flatnonzero(ads.impressions > 0)
    ]


def reported_metrics(world: World, platform: str, date: dt.date, as_of_us: int) -> list[AdMetricsRow]:
    """The rows a platform reports for `date` at `as_of_us` (empty before the day has ended)."""
    if not world.config.start <= date < world.config.end or not day_complete(platform, date, as_of_us):
        return []
    rows = _world_rows(world, platform, date)
    if is_final(platform, date, as_of_us):
        return rows
    preliminary = []
    for row in rows:
        share = preliminary_share(row.unit_id, date)
        cost = round(row.cost_micros * share)
        if platform == "meta_ads":
            cost = round(cost / META_CENT_MICROS) * META_CENT_MICROS
        conversions = round(row.conversions * share, 2)
        preliminary.append(AdMetricsRow(
            platform=platform, date=date, campaign_id=row.campaign_id, ad_group_id=row.ad_group_id,
            ad_id=row.ad_id, impressions=row.impressions, clicks=int(row.clicks * share),
            other_clicks=int(row.other_clicks * share), cost_micros=cost, conversions=conversions,
            conversions_value_micros=int(conversions * 68_000_000), leads=int(row.leads * share),
        ))
    return preliminary


# -- ground truth ---------------------------------------------------------------------------------
def true_ad_rows(world: World, platform: str) -> list[AdMetricsRow]:
    """Final rows of every simulated day (per ad; per campaign for Performance Max)."""
    return [row for date in world.config.dates for row in _world_rows(world, platform, date)]


def true_spend_by_campaign_day(world: World, platform: str) -> dict[tuple[str, str], int]:
    """True spend in account-currency micros per (campaign id, ISO date)."""
    spend: dict[tuple[str, str], int] = defaultdict(int)
    for row in true_ad_rows(world, platform):
        spend[(row.campaign_id, row.date.isoformat())] += row.cost_micros
    return dict(spend)


def true_spend_by_ad_day(world: World, platform: str) -> dict[tuple[str, str], int]:
    """True spend in micros per (ad id, ISO date); campaign-level rows (Performance Max) left out."""
    return {(row.ad_id, row.date.isoformat()): row.cost_micros
            for row in true_ad_rows(world, platform) if row.ad_id}


def true_account_spend_micros(world: World, platform: str) -> int:
    """Total true spend of the platform's account over the simulated days."""
    return sum(row.cost_micros for row in true_ad_rows(world, platform))


def performance_max_campaign_ids() -> set[str]:
    return {c.campaign_id for c in CAMPAIGN_BY_ID.values() if not c.has_ad_level_metrics}


def true_click_ids(world: World, platform: str, as_of_us: int | None = None) -> dict[str, set[str]]:
    """Click ids (gclid for Google, fbclid for Meta) per ISO account-local day, clicked by `as_of_us`."""
    found: dict[str, set[str]] = {}
    for day in world.days():
        clicks = day.clicks
        assert clicks is not None
        mask = clicks.platform == platform
        if as_of_us is not None:
            mask &= clicks.ts <= as_of_us
        found[day.date.isoformat()] = {str(c) for c in clicks.click_id[mask]}
    return found
