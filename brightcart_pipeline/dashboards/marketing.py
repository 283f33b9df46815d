"""Marketing: spend, revenue, ROAS and CAC by channel and campaign over time; attribution models side by
side; the funnel; new vs returning customers; cohort LTV as a heat map."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from brightcart_pipeline.dashboards.common import (
    ATTRIBUTION_MODEL,
    CAMPAIGN,
    CHANNEL,
    Filters,
    attribution_models,
    caption_for,
    fmt,
    formatted,
    have,
    headline,
    heat_map,
    label,
    line_chart,
    missing,
    reaches,
    ready,
    run,
    run_filtered,
    sidebar_filters,
)

DAY = "metric_time__day"
HEADLINE = ["spend", "net_sales", "attributed_revenue", "attributed_roas", "cac", "mer"]
# Spend, revenue, ROAS and CAC: what the channel and campaign views follow over time.
PERFORMANCE = ["spend", "attributed_revenue", "attributed_roas", "cac"]
CAMPAIGN_TABLE = ["spend", "attributed_revenue", "attributed_roas", "cac", "impressions", "clicks", "ctr", "cpc",
                  "platform_roas"]
DEFAULT_MODEL = "last_non_direct"  # the usual default: credit to the last touch that was not direct
COHORT_MONTH, MONTHS_SINCE_FIRST_ORDER = "cohort_month", "months_since_first_order"  # the cohort grid's entities


def marketing_page() -> None:
    st.title("Marketing")
    if not ready():
        return
    filters = sidebar_filters()
    models = attribution_models()
    if models:
        filters.attribution_model = st.sidebar.radio(
            "Attribution model", models, index=models.index(DEFAULT_MODEL) if DEFAULT_MODEL in models else 0,
            help="Attributed revenue and ROAS are read under this model; the side-by-side view shows them all.")
    st.caption(f"{filters.start} to {filters.end}"
               + (f", attributed figures under the **{filters.attribution_model}** model" if models else "")
               + ". Every figure is computed by the semantic layer (MetricFlow); its definition is under it.")
    headline(HEADLINE, filters)
    channel_section(filters)
    campaign_section(filters)
    attribution_section(filters)
    funnel_section(filters)
    customers_section(filters)
    cohort_section()


def by(names: list[str], item: str) -> list[str]:
    """The metrics that exist and can be broken down by `item` (the others are named as pending)."""
    return [n for n in names if have(n) and reaches((n,), item)]


def pending(names: list[str], item_words: str) -> None:
    absent = [n for n in names if not have(n)]
    if absent:
        st.info(f"Not in the semantic layer yet{item_words}: {', '.join(absent)}.")


def channel_section(filters: Filters) -> None:
    st.header("By channel over time")
    if missing(["spend"]):
        return
    names = by(PERFORMANCE, CHANNEL)
    charts = st.columns(2)
    for position, name in enumerate(names):
        frame = run((name,), (DAY, CHANNEL), filters.start, filters.end, filters.where([name]))
        with charts[position % 2]:
            line_chart(frame, DAY, name, CHANNEL, f"{label(name)} by channel")
    table = by([*PERFORMANCE, "platform_roas", "clicks", "cpc", "ctr"], CHANNEL)
    totals = run_filtered(table, (CHANNEL,), filters)
    st.dataframe(formatted(totals, table), hide_index=True, use_container_width=True)
    caption_for(table, filters)
    not_by_channel = [n for n in PERFORMANCE if have(n) and n not in names]
    if not_by_channel:
        st.caption(f"Not broken down by channel in the semantic layer: {', '.join(map(label, not_by_channel))} "
                   "(shown as totals above).")
    pending(PERFORMANCE, "")


def campaign_section(filters: Filters) -> None:
    st.header("By campaign")
    if missing(["spend"]):
        return
    names = by(CAMPAIGN_TABLE, CAMPAIGN)
    frame = run_filtered(names, (CAMPAIGN, CHANNEL), filters)
    chart = alt.Chart(frame, title="Spend by campaign").mark_bar().encode(
        y=alt.Y(f"{CAMPAIGN}:N", sort="-x", title="campaign"), x=alt.X("spend:Q", title=label("spend")),
        color=f"{CHANNEL}:N", tooltip=[CAMPAIGN, CHANNEL, *names])
    st.altair_chart(chart, use_container_width=True)
    st.dataframe(formatted(frame.sort_values("spend", ascending=False), names), hide_index=True,
                 use_container_width=True)
    over_time = by(PERFORMANCE, CAMPAIGN)
    shown = st.selectbox("Over time, by campaign", over_time, format_func=label, key="campaign_metric")
    if shown:
        daily = run((shown,), (DAY, CAMPAIGN), filters.start, filters.end, filters.where([shown]))
        line_chart(daily, DAY, shown, CAMPAIGN, f"{label(shown)} by campaign")
    caption_for(names, filters)


def attribution_section(filters: Filters) -> None:
    st.header("Attribution models side by side")
    names = ["attributed_revenue", "attributed_orders"]
    if missing(names):
        return
    frame = run(tuple(names), (CHANNEL, ATTRIBUTION_MODEL), filters.start, filters.end,
                filters.where(names, one_model=False))
    chart = alt.Chart(frame, title="Attributed revenue per channel under each model").mark_bar().encode(
        x=alt.X(f"{CHANNEL}:N", title="channel"), xOffset=f"{ATTRIBUTION_MODEL}:N",
        y=alt.Y("attributed_revenue:Q", title=label("attributed_revenue")),
        color=alt.Color(f"{ATTRIBUTION_MODEL}:N", title="attribution model"),
        tooltip=[CHANNEL, ATTRIBUTION_MODEL, *names])
    st.altair_chart(chart, use_container_width=True)
    for name in names:
        grid = frame.pivot_table(index=CHANNEL, columns=ATTRIBUTION_MODEL, values=name, aggfunc="first")
        st.subheader(f"{label(name)}: channel × attribution model")
        st.table(grid.map(lambda value, metric=name: fmt(metric, value)))
    st.caption("Each column is one model crediting the same orders and revenue to channels in its own way; "
               "compare across a row to see how much a channel's credit depends on the model.")
    caption_for(names, filters)


def funnel_section(filters: Filters) -> None:
    st.header("Funnel: sessions → leads → orders")
    names = ["sessions", "leads", "orders"]
    if missing(names):
        return
    frame = run_filtered(names, (), filters)
    steps = pd.DataFrame({"step": [label(n) for n in names], "count": [frame[n].iloc[0] for n in names],
                          "position": range(len(names))})
    chart = alt.Chart(steps).mark_bar().encode(
        y=alt.Y("step:N", sort=alt.SortField("position"), title=None), x=alt.X("count:Q"),
        tooltip=["step", "count"])
    st.altair_chart(chart + chart.mark_text(align="left", dx=4).encode(text=alt.Text("count:Q", format=",")),
                    use_container_width=True)
    caption_for(names, filters)


def customers_section(filters: Filters) -> None:
    st.header("New vs returning customers")
    names = ["new_customers", "returning_customers"]
    if missing(names):
        return
    frame = run_filtered(names, (DAY,), filters)
    long = frame.melt(id_vars=[DAY], value_vars=names, var_name="metric", value_name="customers")
    long["metric"] = long["metric"].map(label)
    chart = alt.Chart(long, title="Customers ordering, new and returning").mark_bar().encode(
        x=alt.X(f"yearmonthdate({DAY}):O", title="day"), y="customers:Q", xOffset="metric:N",
        color=alt.Color("metric:N", title=None),
        tooltip=[DAY, "metric", "customers"])
    st.altair_chart(chart, use_container_width=True)
    caption_for(names, filters)


def cohort_section() -> None:
    st.header("Cohort LTV: first-order month × months since first order")
    names = ["cohort_ltv", "cohort_customers"]
    if missing(names):
        return
    cohort, age = COHORT_MONTH, MONTHS_SINCE_FIRST_ORDER
    frame = run(("cohort_ltv",), (cohort, age), None, None)
    frame = frame[frame["cohort_ltv"].notna()]
    frame[cohort] = pd.to_datetime(frame[cohort]).dt.strftime("%Y-%m")
    grid = frame.pivot_table(index=cohort, columns=age, values="cohort_ltv", aggfunc="first")
    grid.index.name, grid.columns.name = "first-order month", "months since first order"
    grid.columns = [str(int(months)) for months in grid.columns]
    st.table(heat_map(grid, "cohort_ltv"))
    st.caption("Rows: the month of each customer's first order. Columns: months since that first order. Darker "
               "cells are higher; – marks months a cohort has not reached yet.")
    sizes = run(("cohort_customers",), (cohort,), None, None).set_index(cohort)["cohort_customers"]
    sizes.index = pd.to_datetime(sizes.index).strftime("%Y-%m")
    st.caption("Cohort sizes: " + ", ".join(f"{month}: {int(size):,} customers" for month, size in sizes.items()))
    caption_for(names)
