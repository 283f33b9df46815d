"""Finance: the finance-grade daily table with its currencies, MER and blended CAC, reconciliation status
against the vendors' own totals, and the freshness and SLA status of the latest build."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from brightcart_pipeline import metrics
from brightcart_pipeline.dashboards.common import (
    Filters,
    as_table,
    caption_for,
    data_range,
    formatted,
    have,
    headline,
    missing,
    ready,
    run,
    saved,
    sidebar_filters,
)

FINANCE_REPORT = "finance_daily_report"
CURRENCY = "currency"  # the currency the customer paid in (Shopify's presentment currency)
REPORTING_CURRENCY = "USD"
HEADLINE = ["net_sales", "refunds", "mer", "cac", "contribution_margin", "cac_payback_months"]
BY_CURRENCY = ["orders", "net_sales_presentment_currency", "net_sales"]


def finance_page() -> None:
    st.title("Finance")
    if not ready():
        return
    filters = sidebar_filters()
    st.caption(f"{filters.start} to {filters.end}. Amounts are in {REPORTING_CURRENCY}, the reporting currency, "
               "converted at each day's reference rate, except where a column says *customer's currency*.")
    headline(HEADLINE, filters)
    daily_section(filters)
    currency_section(filters)
    reconciliation_section(filters)
    freshness_section()


def daily_section(filters: Filters) -> None:
    st.header("Daily finance table")
    metric_names, _ = metrics.saved_query_items(FINANCE_REPORT)
    frame = saved(FINANCE_REPORT, filters.start, filters.end)
    st.dataframe(as_table(frame, metric_names).rename(columns={CURRENCY: "currency paid in"}), hide_index=True,
                 use_container_width=True)
    st.caption(f"One row per shop-local day and currency customers paid in. Every amount is in "
               f"{REPORTING_CURRENCY} except *Net sales (customer's currency)*, which is in the row's currency.")
    caption_for(metric_names)


def currency_section(filters: Filters) -> None:
    st.header("Currencies: presentment and reporting")
    if missing(BY_CURRENCY):
        return
    frame = run(tuple(BY_CURRENCY), (CURRENCY,), filters.start, filters.end)
    currencies = [str(code) for code in frame[CURRENCY].dropna()]
    st.markdown(f"Customers paid in {', '.join(f'**{code}**' for code in currencies)}; the reporting currency is "
                f"**{REPORTING_CURRENCY}**. Sums in customers' currencies are only comparable within a row.")
    shown = formatted(frame, ["orders", "net_sales"])
    shown["net_sales_presentment_currency"] = [
        f"{amount:,.2f} {code}" for amount, code in zip(frame["net_sales_presentment_currency"], frame[CURRENCY],
                                                       strict=True)]
    st.table(as_table(shown, BY_CURRENCY).rename(columns={CURRENCY: "currency paid in"}).set_index(
        "currency paid in"))
    caption_for(BY_CURRENCY)


def reconciliation_section(filters: Filters) -> None:
    st.header("Reconciliation with the vendors' totals")
    names = ["reconciliation_checks", "reconciliation_mismatches", "reconciliation_unreported"]
    if missing(names):
        return
    source, checked = "reconciliation_check__source_system", "reconciliation_check__checked_metric"
    frame = run(tuple(names), (source, checked), filters.start, filters.end)
    totals = run(tuple(names), (), filters.start, filters.end).fillna(0)
    checks, mismatched, unreported = (int(totals[n].iloc[0]) if not totals.empty else 0 for n in names)
    if mismatched:
        st.error(f"**Does not reconcile**: {mismatched} of {checks} checks disagree with the vendor in this period.")
    elif unreported:
        st.warning(f"**Reconciled where reported**: no mismatch, but {unreported} of {checks} checks have no vendor "
                   "total to compare with yet (status not_reported).")
    elif checks:
        st.success(f"**Reconciled**: all {checks} checks in this period match the vendors' own totals.")
    else:
        st.info("No reconciliation checks ran for this period.")
    st.dataframe(as_table(frame, names).rename(columns={source: "source", checked: "checked metric"}),
                 hide_index=True, use_container_width=True)
    caption_for(names)


def freshness_section() -> None:
    st.header("Freshness and SLA")
    status = metrics.data_status()
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    if status.last_build_at is None:
        st.warning(f"Last build: unknown ({status.last_build_source}).")
    else:
        built = status.last_build_at
        text = f"Last build {built:%Y-%m-%d %H:%M} UTC, read from {status.last_build_source}."
        if built.date() > yesterday:
            st.success(f"**Fresh**: {text} It includes yesterday ({yesterday}).")
        else:
            st.warning(f"**Stale**: {text} No build has finished since {yesterday} ended.")
    newest = data_range("orders")
    if newest is not None:
        st.caption(f"Newest order day in the warehouse: {newest[1]} (shop-local).")
    if status.finance_sla_alerts:
        latest = status.finance_sla_alerts[0]
        st.error(f"**Finance SLA missed**: {latest.title} ({latest.at}): {latest.detail}")
    else:
        st.success("**Finance SLA met**: no finance SLA alert recorded.")
    if status.alerts:
        st.dataframe([{"at": a.at, "kind": a.kind, "title": a.title, "detail": a.detail} for a in status.alerts[:20]],
                     use_container_width=True, hide_index=True)
    else:
        st.caption("No alerts recorded.")
    if have("orders"):
        st.caption("Alerts are what the automation recorded (its finance SLA and run-failure sensors); the build "
                   "time is the Dagster instance's latest materialisation of the orders mart.")
