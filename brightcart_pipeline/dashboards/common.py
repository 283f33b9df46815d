"""What both pages share: cached metric calls, the filters, and figures captioned with their definitions.

Every number comes from `brightcart_pipeline.metrics` (MetricFlow over the semantic layer); this module
only arranges, formats and charts what it returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import altair as alt
import pandas as pd
import streamlit as st

from brightcart_pipeline import metrics

CACHE_SECONDS = 300
CHANNEL = "channel"  # the channel entity: BrightCart's channel grouping
CAMPAIGN = "campaign__campaign_name"
ATTRIBUTION_MODEL = "attribution_model"  # an entity: each attribution model's credit, side by side
GROUP_LABELS = {CHANNEL: "channel", CAMPAIGN: "campaign", ATTRIBUTION_MODEL: "attribution model"}


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def catalog() -> dict[str, dict[str, object]]:
    """Metric name → label and definition."""
    return {m.name: {"label": m.label, "description": m.description} for m in metrics.list_metrics()}


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def run(names: tuple[str, ...], group_by: tuple[str, ...], start: dt.date | None, end: dt.date | None,
        where: tuple[str, ...] = ()) -> pd.DataFrame:
    return metrics.query(list(names), list(group_by), start, end, list(where))


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def saved(name: str, start: dt.date | None, end: dt.date | None, where: tuple[str, ...] = ()) -> pd.DataFrame:
    return metrics.saved_query(name, start, end, list(where))


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def values(metric: str, item: str) -> list[str]:
    return metrics.dimension_values(metric, item)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def reaches(names: tuple[str, ...], item: str) -> bool:
    return metrics.can_group_by(list(names), item)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def data_range(metric: str) -> tuple[dt.date, dt.date] | None:
    return metrics.metric_date_range(metric)


def have(*names: str) -> bool:
    return all(name in catalog() for name in names)


def label(name: str) -> str:
    return str(catalog()[name]["label"])


def definition(name: str) -> str:
    return str(catalog()[name]["description"])


def ready() -> bool:
    """False (with what to run first) while the warehouse or the marts are missing."""
    try:
        found = data_range("orders") if have("orders") else None
    except metrics.MetricsUnavailable as error:
        st.info(f"**No data yet: run `make demo` first.** {error}")
        return False
    if found is None:
        st.info("**No data yet: run `make demo` first** (the warehouse has no orders to report).")
        return False
    return True


@dataclass
class Filters:
    start: dt.date
    end: dt.date
    channels: list[str] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)
    attribution_model: str | None = None  # the model attributed figures are read under, when they have one

    def where(self, metric_names: tuple[str, ...] | list[str], one_model: bool = True) -> tuple[str, ...]:
        """MetricFlow filters for the chosen channels, campaigns and attribution model, where every metric
        has that dimension (`one_model=False` keeps every model, for side-by-side comparisons)."""
        names = tuple(metric_names)
        chosen_items = [(CHANNEL, self.channels), (CAMPAIGN, self.campaigns)]
        if one_model and self.attribution_model:
            chosen_items.append((ATTRIBUTION_MODEL, [self.attribution_model]))
        clauses = []
        for item, chosen in chosen_items:
            if chosen and reaches(names, item):
                quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in chosen)
                kind = "Entity" if "__" not in item else "Dimension"
                clauses.append(f"{{{{ {kind}('{item}') }}}} in ({quoted})")
        return tuple(clauses)

    def applies_to(self, metric_names: tuple[str, ...] | list[str]) -> bool:
        wanted = [chosen for chosen in (self.channels, self.campaigns) if chosen]
        return len(self.where(metric_names, one_model=False)) == len(wanted)


def sidebar_filters() -> Filters:
    first, last = data_range("orders") or (dt.date.today(), dt.date.today())
    st.sidebar.header("Filters")
    picked = st.sidebar.date_input("Date range", value=(first, last), min_value=first - dt.timedelta(days=365),
                                   max_value=last + dt.timedelta(days=365), key="date_range")
    start, end = (picked if isinstance(picked, tuple) and len(picked) == 2 else (first, last))
    channels = st.sidebar.multiselect("Channel", values("spend", CHANNEL)) if have("spend") else []
    campaigns = st.sidebar.multiselect("Campaign", values("spend", CAMPAIGN)) if have("spend") else []
    st.sidebar.caption("Channel and campaign filters apply to the figures that have a channel or campaign; "
                       "the others say so under them.")
    return Filters(start, end, channels, campaigns)


def attribution_models() -> list[str]:
    """The attribution models the semantic layer reports under (empty until attributed metrics exist)."""
    if not have("attributed_revenue"):
        return []
    return values("attributed_revenue", ATTRIBUTION_MODEL)


COUNTS = {"orders", "sessions", "leads", "clicks", "impressions", "new_customers", "returning_customers",
          "cohort_customers", "reconciliation_checks", "reconciliation_mismatches", "reconciliation_unreported"}
RATIOS = {"roas", "mer", "platform_roas", "attributed_roas"}


def fmt(name: str, value: object) -> str:
    """A metric's value as people read it: counts, percentages, multiples, months or USD."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    if name == "ctr" or name.startswith("share"):
        return f"{number:.2%}"
    if name in RATIOS:
        return f"{number:.2f}×"
    if name.endswith("_months"):
        return f"{number:.1f} months"
    if name in COUNTS:
        return f"{number:,.0f}"
    if name == "attributed_orders":  # fractional credit under position-based and linear models
        return f"{number:,.2f}"
    return f"${number:,.2f}"


def run_filtered(names: list[str], group_by: tuple[str, ...], filters: Filters) -> pd.DataFrame:
    """Metrics side by side, each under the filters it can take: metrics sharing the same filters are
    queried together, and the results joined on the group-by columns (attributed figures are read under
    one model while spend, which has no model, is not)."""
    batches: dict[tuple[str, ...], list[str]] = {}
    for name in names:
        batches.setdefault(filters.where([name]), []).append(name)
    frames = [run(tuple(batch), group_by, filters.start, filters.end, where) for where, batch in batches.items()]
    if not frames:
        return pd.DataFrame(columns=list(group_by))
    joined = frames[0]
    for frame in frames[1:]:
        joined = joined.merge(frame, on=list(group_by), how="outer") if group_by else pd.concat([joined, frame],
                                                                                                axis=1)
    return joined[[*group_by, *names]]


def headline(names: list[str], filters: Filters) -> dict[str, object]:
    """One figure per metric over the filtered period, each with its definition; returns the values shown."""
    names = [n for n in names if have(n)]
    if not names:
        return {}
    shown: dict[str, object] = {}
    columns = st.columns(len(names))
    for column, name in zip(columns, names, strict=True):
        frame = run((name,), (), filters.start, filters.end, filters.where([name]))
        value = frame[name].iloc[0] if not frame.empty else None
        shown[name] = value
        with column:
            st.metric(label(name), fmt(name, value), help=definition(name))
            st.caption(definition(name) + ("" if filters.applies_to([name]) else " (not filtered by channel/campaign)"),
                       help=name)
    return shown


def caption_for(names: list[str], filters: Filters | None = None) -> None:
    """The definition text of each metric in a chart or table, under it."""
    for name in names:
        if have(name):
            note = "" if filters is None or filters.applies_to([name]) else " (not filtered by channel/campaign)"
            st.caption(f"**{label(name)}** (`{name}`): {definition(name)}{note}")


def missing(names: list[str]) -> bool:
    """Say which metrics are not in the semantic layer yet; True when some are missing."""
    absent = [n for n in names if not have(n)]
    if absent:
        st.info(f"Not in the semantic layer yet: {', '.join(absent)}.")
    return bool(absent)


def line_chart(frame: pd.DataFrame, x: str, y: str, color: str | None, title: str) -> None:
    encoding = {"x": alt.X(f"{x}:T", title="day"), "y": alt.Y(f"{y}:Q", title=label(y)),
                "tooltip": [x, y] + ([color] if color else [])}
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=GROUP_LABELS.get(color, color))
    st.altair_chart(alt.Chart(frame, title=title).mark_line(point=True).encode(**encoding), use_container_width=True)


def as_table(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Column headings as metric labels (and group-by items in words) for display."""
    return frame.rename(columns={**GROUP_LABELS, **{n: label(n) for n in names if have(n) and n in frame.columns}})


def formatted(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Metric columns as display text (fmt), headed by their labels: for static tables people read."""
    shown = frame.copy()
    for name in names:
        if name in shown.columns:
            shown[name] = shown[name].map(lambda value, metric=name: fmt(metric, value))
    return as_table(shown, names)


HEAT_LOW, HEAT_HIGH = (239, 246, 255), (29, 78, 216)  # light to deep blue


def heat_colour(value: float, low: float, high: float) -> str:
    """A cell's background on a linear scale from `low` to `high`, with text that stays readable."""
    if pd.isna(value):
        return ""
    share = 0.0 if high <= low else (value - low) / (high - low)
    red, green, blue = (round(a + (b - a) * share) for a, b in zip(HEAT_LOW, HEAT_HIGH, strict=True))
    text = "white" if share > 0.55 else "black"
    return f"background-color: rgb({red}, {green}, {blue}); color: {text}"


def heat_map(grid: pd.DataFrame, metric: str) -> object:
    """A pivoted metric as a table whose cells are coloured by value: a heat map whose numbers stay legible."""
    numbers = grid.select_dtypes("number")
    low, high = float(numbers.min().min()), float(numbers.max().max())
    return (grid.style.map(lambda value: heat_colour(value, low, high), subset=list(numbers.columns))
            .format(lambda value: fmt(metric, value), subset=list(numbers.columns)))
