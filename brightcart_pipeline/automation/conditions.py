"""Declarative automation: the warehouse builds itself from data arriving, not from a clock.

Ingest stays on schedules (`schedules.py`): a vendor pull needs a partition and a cadence. From the raw
tables down, one mechanism decides, the automation condition sensor:

- The checks on a raw table run on the first tick after an ingest changed it, and the dbt models below
  are requested on the same tick, into the same run: a blocking check that fails stops them in the run.
- Afterwards nothing else (a deletion sweep, another source's load) rebuilds a model while the latest
  blocking check of one of its parents failed or has not run since that parent changed.
- The finance marts are built once a day on a cron condition, an hour before the finance deadline,
  once every parent has been rebuilt since that tick (the 05:00 re-pull of yesterday comes first).
  This replaces a `finance_build` schedule: a schedule would launch a build whatever the checks said,
  and two mechanisms building the same marts would race. The `finance_sla` sensor watches the outcome.
- The daily chores (deletion requests, the extract SLA, lake retention) run on the same daily tick.
"""

from __future__ import annotations

import dagster as dg

from brightcart_pipeline.automation.schedules import hours_before_deadline

DAILY_BUILD_CRON = hours_before_deadline(1)

# A parent's blocking checks passed since it last changed, or the parent is built in the same run (its
# checks ride along and stop this asset in the run if they fail). Dagster's own
# `all_deps_blocking_checks_passed` lacks the second arm, which would build the dbt layers one run at a time.
_parents_checked = dg.AutomationCondition.all_deps_match(
    dg.AutomationCondition.all_checks_match(
        dg.AutomationCondition.check_passed() | dg.AutomationCondition.will_be_requested(), blocking_only=True,
    )
    | dg.AutomationCondition.will_be_requested()
).with_label("parents_checked_or_built_in_this_run")


def after_checked_parents() -> dg.AutomationCondition:
    """dbt models: rebuilt when a parent changed, once the parents' blocking checks passed.

    Dagster's `eager()` without its "no parent partition missing" clause: the raw parents are daily
    partitioned and dbt reads whole tables, so today's partition before its first extract (or an old gap
    waiting for a backfill) must not hold every mart back.
    """
    return (dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())
            & _parents_checked).with_label("after_checked_parents")


def on_finance_deadline() -> dg.AutomationCondition:
    """Finance marts: once a day after the daily tick, from parents rebuilt (and checked) since then."""
    return (dg.AutomationCondition.on_cron(DAILY_BUILD_CRON, "UTC") & _parents_checked).with_label(
        "on_finance_deadline")


def daily() -> dg.AutomationCondition:
    """Daily chores with no data parents: once per daily tick."""
    return dg.AutomationCondition.on_cron(DAILY_BUILD_CRON, "UTC")


def after_ingest() -> dg.AutomationCondition:
    """Raw-table checks: on the tick after a run that changed the table without running them (ingest)."""
    return dg.AutomationCondition.any_deps_updated().with_label("after_ingest")
