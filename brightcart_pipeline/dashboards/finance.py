"""Finance: the finance-grade daily table with currency, MER and blended CAC, reconciliation status and
the freshness of yesterday's build."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from brightcart_pipeline import metrics
from brightcart_pipeline.dashboards.common import (
    as_table,
    caption_for,
    have,
    headline,
    missing,
    ready,
    run,
    saved,
    sidebar_filters,
)

FINANCE_REPORT = "finance_daily_report"


def finance_page() -> None:
    st.title("Finance")
    if not ready():
        return
    filters = sidebar_filters()
    st.caption(f"{filters.start} to {filters.end}. Money in USD (the reporting currency) unless a currency "
               "column says otherwise.")
    headline(["net_sales", "refunds", "mer", "cac"], filters)
    st.header("Daily finance table")
    frame = saved(FINANCE_REPORT, filters.start, filters.end)
    metric_names, _ = metrics.saved_query_items(FINANCE_REPORT)
    if "currency" in frame.columns:
        st.markdown("Currencies customers paid in this period: "
                    + ", ".join(f"**{c}**" for c in sorted(frame["currency"].dropna().unique()))
                    + ". Every amount is in USD except *Net sales (customer's currency)*.")
    st.dataframe(as_table(frame, metric_names), hide_index=True, use_container_width=True)
    caption_for(metric_names)
    reconciliation_section(filters)
    freshness_section()


def reconciliation_section(filters: object) -> None:
    st.header("Reconciliation")
    names = ["reconciliation_checks", "reconciliation_mismatches", "reconciliation_unreported"]
    if missing(names):
        return
    frame = run(tuple(names), ("reconciliation_check__source_system", "reconciliation_check__checked_metric"),
                filters.start, filters.end)  # type: ignore[attr-defined]
    checks, mismatched, unreported = (int(frame[n].sum()) if not frame.empty else 0 for n in names)
    if mismatched:
        st.error(f"{mismatched} of {checks} checks do not reconcile in this period.")
    elif unreported:
        st.warning(f"No mismatch found, but {unreported} of {checks} checks have no vendor total to compare "
                   "with yet (status not_reported).")
    else:
        st.success(f"All {checks} checks in this period reconcile.")
    st.dataframe(as_table(frame, names), hide_index=True, use_container_width=True)
    caption_for(names)


def freshness_section() -> None:
    st.header("Freshness and SLA")
    status = metrics.data_status()
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    if status.last_build_at is None:
        st.warning(f"Last build: unknown ({status.last_build_source}).")
    else:
        built = status.last_build_at
        fresh = built.date() > yesterday
        text = f"Last build {built:%Y-%m-%d %H:%M} UTC, read from {status.last_build_source}."
        (st.success if fresh else st.warning)(text if fresh else text + f" No build since {yesterday} ended.")
    if status.finance_sla_alerts:
        latest = status.finance_sla_alerts[0]
        st.error(f"Finance SLA: {latest.title} ({latest.at}): {latest.detail}")
    else:
        st.success("No finance SLA alert recorded.")
    if status.alerts:
        st.dataframe([{"at": a.at, "kind": a.kind, "title": a.title, "detail": a.detail} for a in status.alerts[:20]],
                     use_container_width=True)
    else:
        st.caption("No alerts recorded in alerts.jsonl.")
    if have("orders"):
        st.caption("Alerts come from <home>/alerts.jsonl (automation.alerts); the build time from the Dagster "
                   "instance when it recorded one.")
