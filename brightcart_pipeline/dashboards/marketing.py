"""Marketing: spend, revenue, ROAS and CAC by channel and campaign; attribution models side by side;
the funnel; new vs returning customers; cohort LTV."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from brightcart_pipeline.dashboards.common import (
    CAMPAIGN,
    CHANNEL,
    Filters,
    as_table,
    caption_for,
    have,
    headline,
    label,
    line_chart,
    missing,
    ready,
    run,
    sidebar_filters,
    values,
)

DAY = "metric_time__day"


def marketing_page() -> None:
    st.title("Marketing")
    if not ready():
        return
    filters = sidebar_filters()
    st.caption(f"{filters.start} to {filters.end}. Every figure is computed by the semantic layer (MetricFlow).")
    models = values("attributed_revenue", "attribution_model") if have("attributed_revenue") else []
    model = st.selectbox("Attribution model for ROAS", models, index=models.index("last_click")
                         if "last_click" in models else 0) if models else None
    roas = f"roas_{model}" if model else "roas"
    headline(["spend", "net_sales", roas, "platform_roas", "cac", "mer"], filters)
    channel_section(filters, roas)
    campaign_section(filters, roas)
    attribution_section(filters, models)
    funnel_section(filters)
    customers_section(filters)
    cohort_section()


def channel_section(filters: Filters, roas: str) -> None:
    st.header("By channel over time")
    if missing(["spend"]):
        return
    # Attributed ROAS once the attribution mart is modelled; platform-claimed ROAS is always shown apart.
    ratio = roas if have(roas) else "platform_roas"
    names = ["spend", ratio]
    frame = run(tuple(names), (DAY, CHANNEL), filters.start, filters.end, filters.where(names))
    left, right = st.columns(2)
    with left:
        line_chart(frame, DAY, "spend", CHANNEL, "Spend by channel")
    with right:
        line_chart(frame, DAY, ratio, CHANNEL, f"{label(ratio)} by channel")
    table = [n for n in ["spend", roas, "platform_roas", "clicks", "cpc", "ctr", "cac"] if have(n)]
    totals = run(tuple(table), (CHANNEL,), filters.start, filters.end, filters.where(table))
    st.dataframe(as_table(totals, table), hide_index=True, use_container_width=True)
    caption_for(table, filters)
    if not have(roas):
        st.info(f"Not in the semantic layer yet: {roas} (attributed revenue ÷ spend).")


def campaign_section(filters: Filters, roas: str) -> None:
    st.header("By campaign")
    names = [n for n in ["spend", "impressions", "clicks", "ctr", "cpc", roas, "platform_roas"] if have(n)]
    if missing(["spend"]):
        return
    frame = run(tuple(names), (CAMPAIGN, CHANNEL), filters.start, filters.end, filters.where(names))
    chart = alt.Chart(frame, title="Spend by campaign").mark_bar().encode(
        y=alt.Y(f"{CAMPAIGN}:N", sort="-x", title="campaign"), x=alt.X("spend:Q", title=label("spend")),
        color=f"{CHANNEL}:N", tooltip=[CAMPAIGN, CHANNEL, *names])
    st.altair_chart(chart, use_container_width=True)
    st.dataframe(as_table(frame.sort_values("spend", ascending=False), names), hide_index=True,
                 use_container_width=True)
    caption_for(names, filters)


def attribution_section(filters: Filters, models: list[str]) -> None:
    st.header("Attribution models side by side")
    names = ["attributed_revenue", "attributed_orders"]
    if missing(names):
        return
    frame = run(tuple(names), (CHANNEL, "attribution_model"), filters.start, filters.end, filters.where(names))
    chart = alt.Chart(frame, title="Attributed revenue per channel under each model").mark_bar().encode(
        x=alt.X("channel:N", title="channel"), xOffset="attribution_model:N",
        y=alt.Y("attributed_revenue:Q", title=label("attributed_revenue")), color="attribution_model:N",
        tooltip=["channel", "attribution_model", "attributed_revenue", "attributed_orders"])
    st.altair_chart(chart, use_container_width=True)
    pivot = frame.pivot_table(index="channel", columns="attribution_model", values="attributed_orders",
                              aggfunc="first").reset_index()
    st.dataframe(pivot, hide_index=True, use_container_width=True)
    st.caption("Orders credited per channel under each model (columns). Each model distributes the same orders.")
    caption_for(names, filters)


def funnel_section(filters: Filters) -> None:
    st.header("Funnel: sessions → leads → orders")
    names = ["sessions", "leads", "orders"]
    if missing(names):
        return
    frame = run(tuple(names), (), filters.start, filters.end, filters.where(names))
    steps = pd.DataFrame({"step": [label(n) for n in names], "count": [frame[n].iloc[0] for n in names],
                          "order": range(len(names))})
    chart = alt.Chart(steps).mark_bar().encode(
        y=alt.Y("step:N", sort=alt.SortField("order")), x=alt.X("count:Q"), tooltip=["step", "count"])
    st.altair_chart(chart, use_container_width=True)
    caption_for(names, filters)


def customers_section(filters: Filters) -> None:
    st.header("New vs returning customers")
    names = ["new_customer_orders", "returning_customer_orders"]
    if missing(names):
        return
    frame = run(tuple(names), (DAY,), filters.start, filters.end)
    long = frame.melt(id_vars=[DAY], value_vars=names, var_name="customers", value_name="orders")
    long["customers"] = long["customers"].map(label)
    chart = alt.Chart(long, title="Orders by new and returning customers").mark_bar().encode(
        x=alt.X(f"{DAY}:T", title="day"), y="orders:Q", color="customers:N", tooltip=[DAY, "customers", "orders"])
    st.altair_chart(chart, use_container_width=True)
    caption_for(names, filters)


def cohort_section() -> None:
    st.header("Cohort LTV by first-order month")
    names = ["cohort_ltv"]
    if missing(names):
        return
    frame = run(("cohort_ltv",), ("metric_time__month", "cohort"), None, None)
    frame = frame[frame["cohort_ltv"].notna()]
    chart = alt.Chart(frame).mark_rect().encode(
        x=alt.X("metric_time__month:T", timeUnit="yearmonth", title="month"),
        y=alt.Y("cohort:N", title="first-order month"), color=alt.Color("cohort_ltv:Q", title=label("cohort_ltv")),
        tooltip=["cohort", "metric_time__month", "cohort_ltv"])
    st.altair_chart(chart, use_container_width=True)
    caption_for(names)
