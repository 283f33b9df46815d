"""Freshness policies: how old data may get before Dagster marks it stale (instance `freshness: enabled`)."""

import datetime as dt

import dagster as dg

from brightcart_pipeline.settings import get_settings

# Past the extract SLA a source warns; ten minutes later it has missed its next 15-minute extract too.
MISSED_EXTRACT_GRACE = dt.timedelta(minutes=10)


def ingest_freshness() -> dg.FreshnessPolicy:
    """Raw tables are refreshed within the extract SLA (20 minutes by default) of every scheduled extract."""
    sla = dt.timedelta(minutes=get_settings().extract_sla_minutes)
    return dg.FreshnessPolicy.time_window(fail_window=sla + MISSED_EXTRACT_GRACE, warn_window=sla)


def finance_freshness() -> dg.FreshnessPolicy:
    """The finance marts are rebuilt every day in the two hours before the finance deadline."""
    deadline = get_settings().finance_deadline_utc
    return dg.FreshnessPolicy.cron(deadline_cron=f"{deadline.minute} {deadline.hour} * * *",
                                   lower_bound_delta=dt.timedelta(hours=2), timezone="UTC")
