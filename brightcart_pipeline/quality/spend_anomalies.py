"""Spend anomalies: daily spend per account and campaign against the same weekday of recent weeks.

Restatement-aware: Google and Meta keep revising the last few days (preliminary spend rises as late
clicks and invalid-click credits settle), so the newest `RESTATEMENT_DAYS` days of each table are
not judged; they are checked once final, on a later run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from brightcart_pipeline.quality.baselines import weekday_breaches
from brightcart_pipeline.quality.outcome import CheckOutcome
from brightcart_pipeline.quality.tables import table_exists

RESTATEMENT_DAYS = 3
ABSOLUTE_FLOOR = 25.0  # account currency: smaller swings are not worth a page


@dataclass(frozen=True)
class SpendSource:
    source: str
    table: str
    sql: str  # (account, campaign, day, spend in account currency) per row

    @property
    def qualified(self) -> str:
        return f"raw_{self.source}.{self.table}"


SPEND_SOURCES = (
    SpendSource("google_ads", "campaign_metrics_daily",
                "select customer__id, campaign__id, segments__date::date, metrics__cost_micros::hugeint / 1e6 "
                "from raw_google_ads.campaign_metrics_daily"),
    SpendSource("meta_ads", "ad_insights_daily",
                "select account_id, campaign_id, date_start::date, sum(spend::decimal(18, 2)) "
                "from raw_meta_ads.ad_insights_daily group by all"),
)


def spend_anomalies(con: duckdb.DuckDBPyConnection, spend: SpendSource) -> CheckOutcome:
    if not table_exists(con, f"raw_{spend.source}", spend.table):
        return CheckOutcome.ok(f"{spend.qualified} has not been loaded yet")
    series: dict[tuple[str, str], dict[dt.date, float]] = {}
    for account, campaign, day, amount in con.execute(spend.sql).fetchall():
        series.setdefault((str(account), str(campaign)), {})[day] = float(amount or 0)
    newest = max((d for s in series.values() for d in s), default=None)
    if newest is None:
        return CheckOutcome.ok(f"{spend.qualified} holds no spend yet")
    last_judged = newest - dt.timedelta(days=RESTATEMENT_DAYS)
    problems, flagged = [], []
    for (account, campaign), days in sorted(series.items()):
        for b in weekday_breaches(days, last_judged, floor=ABSOLUTE_FLOOR):
            flagged.append({"account": account, "campaign": campaign, "day": str(b.day), "spend": round(b.value, 2),
                            "weekday_median": round(b.baseline, 2)})
            problems.append(f"account {account} campaign {campaign} on {b.day}: spent {b.value:,.2f}, "
                            f"same-weekday median {b.baseline:,.2f} (allowed ±{b.limit:,.2f})")
    metadata = {"table": spend.qualified, "campaigns": len(series), "judged_through": str(last_judged),
                "not_judged_restating": f"{last_judged + dt.timedelta(days=1)}..{newest}"}
    if problems:
        return CheckOutcome.failed(problems, f"spend anomaly in {spend.qualified}", anomalies=flagged, **metadata)
    return CheckOutcome.ok(f"{spend.qualified}: spend per campaign in line with its weekdays through {last_judged}",
                           **metadata)
