"""Freshness policies: how old data may get before Dagster marks it stale (instance `freshness: enabled`)."""

import datetime as dt

import dagster as dg

from brightcart_pipeline.settings import get_settings

# Extracts run every 15 minutes and should land within the 20-minute extract SLA: warn past it, fail at 30.
INGEST_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(minutes=30),
                                                  warn_window=dt.timedelta(minutes=20))


def finance_freshness() -> dg.FreshnessPolicy:
    """The finance marts are rebuilt every day in the two hours before the finance deadline."""
    deadline = get_settings().finance_deadline_utc
    return dg.FreshnessPolicy.cron(deadline_cron=f"{deadline.minute} {deadline.hour} * * *",
                                   lower_bound_delta=dt.timedelta(hours=2), timezone="UTC")
