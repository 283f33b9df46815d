"""The semantic layer: every metric queried through MetricFlow equals the simulator's ground truth.

One small world goes through the whole pipeline (five simulated APIs → lake → DuckDB → dbt), then each
metric is read through `brightcart_pipeline.metrics` for several groupings and compared with numbers
computed straight from the world (`truth_commerce`, `truth_ads`). Ratios are checked to be ratios of
sums, and the dashboard code is checked to read nothing but the metrics interface.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import re
from collections import defaultdict
from collections.abc import Iterator

import duckdb
import pytest
from click.testing import CliRunner

from brightcart_pipeline import metrics
from brightcart_pipeline.settings import PROJECT_ROOT
from brightcart_pipeline.simulator.catalog import ACCOUNT_BY_PLATFORM, rate_to_usd
from brightcart_pipeline.simulator.truth_ads import true_ad_rows
from brightcart_pipeline.simulator.truth_commerce import TrueOrder, true_orders
from tests.conftest import BuiltWorld
from tests.support.channels import channel_of

pytestmark = pytest.mark.integration

SOURCES = ("shopify", "google_ads", "meta_ads", "ga4", "hubspot")
PLATFORMS = ("google_ads", "meta_ads")

DASHBOARDS = PROJECT_ROOT / "brightcart_pipeline" / "dashboards"


@pytest.fixture(scope="module")
def built(built_world: BuiltWorld) -> Iterator[BuiltWorld]:
    result = built_world
    previous = os.environ.get("BRIGHTCART_SEMANTIC_MANIFEST")
    os.environ["BRIGHTCART_SEMANTIC_MANIFEST"] = str(result.manifest)
    yield result
    if previous is None:
        os.environ.pop("BRIGHTCART_SEMANTIC_MANIFEST", None)
    else:
        os.environ["BRIGHTCART_SEMANTIC_MANIFEST"] = previous


def query(built: BuiltWorld, names: list[str], group_by: list[str] = (), **kwargs: object) -> list[dict]:  # type: ignore[assignment]
    frame = metrics.query(names, list(group_by), settings=built.settings, **kwargs)  # type: ignore[arg-type]
    return frame.to_dict("records")


def day_key(value: object) -> str:
    return value.date().isoformat() if hasattr(value, "date") else str(value)[:10]


# -- ground truth ---------------------------------------------------------------------------------
def truth_orders(built: BuiltWorld) -> list[TrueOrder]:
    return [o for o in true_orders(built.world, built.as_of_us) if not o.is_test]


def truth_by_order_day(built: BuiltWorld, value: str) -> dict[str, float]:
    found: dict[str, float] = defaultdict(float)
    for order in truth_orders(built):
        found[order.order_date] += 1 if value == "orders" else getattr(order, value) / 100
    return dict(found)


def truth_ads(built: BuiltWorld) -> dict[str, list]:
    return {platform: true_ad_rows(built.world, platform) for platform in PLATFORMS}


def truth_by_channel(built: BuiltWorld) -> dict[str, list[tuple[str, object]]]:
    """Channel → (platform, ad row) of every final ad-platform row."""
    found: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for platform, rows in truth_ads(built).items():
        for row in rows:
            found[channel_of(row.campaign_id)].append((platform, row))
    return dict(found)


def usd(platform: str, micros: int, day: dt.date) -> float:
    return micros / 1e6 * rate_to_usd(ACCOUNT_BY_PLATFORM[platform].currency, day)


# -- commerce -------------------------------------------------------------------------------------
def test_orders_gross_sales_and_discounts_by_day_equal_ground_truth(built):
    rows = {day_key(r["metric_time__day"]): r for r in query(built, ["orders", "gross_sales", "discounts"],
                                                             ["metric_time__day"])}
    for metric, truth_field in (("orders", "orders"), ("gross_sales", "gross_cents"), ("discounts", "discount_cents")):
        truth = truth_by_order_day(built, truth_field)
        built_values = {day: r[metric] for day, r in rows.items() if r[metric]}
        assert built_values.keys() == {d for d, v in truth.items() if v}, metric
        for day, value in truth.items():
            assert rows[day][metric] == pytest.approx(value, abs=0.005), (metric, day)


def test_net_sales_total_and_per_order_day_equal_ground_truth(built):
    truth_net = sum(o.net_sales_cents for o in truth_orders(built)) / 100
    # Finance books returns on the refund day; over the whole world every refund so far is inside.
    (total,) = query(built, ["net_sales", "refunds", "order_net_sales"])
    assert total["net_sales"] == pytest.approx(truth_net, abs=0.005)
    assert total["order_net_sales"] == pytest.approx(truth_net, abs=0.005)
    assert total["refunds"] == pytest.approx(sum(o.returns_cents for o in truth_orders(built)) / 100, abs=0.005)
    by_order_day = truth_by_order_day(built, "net_sales_cents")
    rows = query(built, ["order_net_sales"], ["metric_time__day"])
    got = {day_key(r["metric_time__day"]): r["order_net_sales"] for r in rows}
    assert got == pytest.approx(by_order_day, abs=0.005)


def test_net_sales_by_currency_adds_up_and_aov_is_a_ratio_of_sums(built):
    by_currency = query(built, ["net_sales", "orders", "net_sales_presentment_currency"], ["currency"])
    assert {r["currency"] for r in by_currency} >= {"USD"}
    (total,) = query(built, ["net_sales", "orders", "aov"])
    assert sum(r["net_sales"] for r in by_currency) == pytest.approx(total["net_sales"], abs=0.01)
    usd_row = next(r for r in by_currency if r["currency"] == "USD")
    assert usd_row["net_sales_presentment_currency"] == pytest.approx(usd_row["net_sales"], abs=0.005)
    assert total["aov"] == pytest.approx(total["net_sales"] / total["orders"])


# -- paid media -----------------------------------------------------------------------------------
def test_spend_by_campaign_and_day_equals_ground_truth_in_account_currency(built):
    truth: dict[tuple[str, str], float] = defaultdict(float)
    for rows in truth_ads(built).values():
        for row in rows:
            truth[(row.campaign_id, row.date.isoformat())] += row.cost_micros / 1e6
    rows = query(built, ["spend_account_currency"], ["campaign", "metric_time__day"])
    got = {(r["campaign"], day_key(r["metric_time__day"])): r["spend_account_currency"] for r in rows
           if r["spend_account_currency"]}
    assert got.keys() == {k for k, v in truth.items() if v}
    assert got == pytest.approx(dict(truth), abs=1e-6)


def test_spend_usd_clicks_impressions_by_channel_equal_ground_truth(built):
    rows = {r["channel"]: r for r in query(built, ["spend", "clicks", "impressions", "ctr", "cpc"], ["channel"])}
    truth = truth_by_channel(built)
    assert set(rows) == set(truth) == {"Paid Search", "Paid Shopping", "Paid Video", "Paid Social"}
    for channel, ad_rows in truth.items():
        row = rows[channel]
        spend = sum(usd(platform, r.cost_micros, r.date) for platform, r in ad_rows)
        clicks = sum(r.clicks for _, r in ad_rows)  # Meta: inline link clicks; other_clicks never counted
        impressions = sum(r.impressions for _, r in ad_rows)
        assert row["spend"] == pytest.approx(spend, abs=0.01)
        assert row["clicks"] == clicks
        assert row["impressions"] == impressions
        assert row["ctr"] == pytest.approx(clicks / impressions)
        assert row["cpc"] == pytest.approx(spend / clicks, rel=1e-6)
    meta_other_clicks = sum(r.other_clicks for r in truth_ads(built)["meta_ads"])
    assert meta_other_clicks > 0  # the world has non-link clicks, and clicks left them out


def test_platform_roas_by_channel_over_the_month_is_sum_over_sum_not_mean_of_days(built):
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    names = ["platform_conversion_value", "spend", "platform_roas"]
    month = {r["channel"]: r for r in query(built, names, ["channel", "metric_time__month"], start=start, end=end)}
    daily = query(built, names, ["channel", "metric_time__day"], start=start, end=end)
    for channel, ad_rows in truth_by_channel(built).items():
        spend = sum(usd(platform, r.cost_micros, r.date) for platform, r in ad_rows)
        days = [r for r in daily if r["channel"] == channel and r["spend"]]
        mean_of_days = sum(r["platform_roas"] for r in days) / len(days)
        assert month[channel]["spend"] == pytest.approx(spend, abs=0.01)
        assert month[channel]["platform_roas"] == pytest.approx(
            sum(r["platform_conversion_value"] for r in days) / sum(r["spend"] for r in days), rel=1e-9)
        assert month[channel]["platform_roas"] == pytest.approx(month[channel]["platform_conversion_value"] / spend,
                                                                rel=1e-6)
        assert abs(month[channel]["platform_roas"] - mean_of_days) > 1e-6
        if all(platform == "google_ads" for platform, _ in ad_rows):
            # Google's claimed value equals the world's; Meta's is checked against the mart (its staging
            # reads purchase values as Meta reports them).
            value = sum(usd(platform, r.conversions_value_micros, r.date) for platform, r in ad_rows)
            assert month[channel]["platform_conversion_value"] == pytest.approx(value, abs=0.01)
    with duckdb.connect(str(built.settings.warehouse_path), read_only=True) as con:
        (mart_value,) = con.sql("select sum(platform_conversions_value * fx_rate_to_reporting) "
                                "from core.fct_campaign_performance_daily").fetchone()  # type: ignore[misc]
    assert sum(r["platform_conversion_value"] for r in month.values()) == pytest.approx(float(mart_value), abs=0.01)


def test_mer_and_contribution_margin_follow_their_definitions(built):
    for group_by in ([], ["metric_time__day"]):
        for row in query(built, ["mer", "net_sales", "spend", "contribution_margin", "orders"], group_by):
            if row["spend"]:
                assert row["mer"] == pytest.approx(row["net_sales"] / row["spend"])
            assert row["contribution_margin"] == pytest.approx(row["net_sales"] - row["spend"] - 6.0 * row["orders"])
    truth_spend = sum(usd(p, r.cost_micros, r.date) for p, rows in truth_ads(built).items() for r in rows)
    (total,) = query(built, ["mer"])
    assert total["mer"] == pytest.approx(sum(o.net_sales_cents for o in truth_orders(built)) / 100 / truth_spend,
                                         rel=1e-6)


def test_ad_level_spend_by_ad_group_and_creative_leaves_out_performance_max(built):
    truth = {p: [r for r in rows if r.ad_id] for p, rows in truth_ads(built).items()}
    by_creative = query(built, ["ad_level_spend"], ["creative"])
    assert {r["creative"] for r in by_creative} == {r.ad_id for rows in truth.values() for r in rows}
    total_ad_level = sum(usd(p, r.cost_micros, r.date) for p, rows in truth.items() for r in rows)
    assert sum(r["ad_level_spend"] for r in by_creative) == pytest.approx(total_ad_level, abs=0.01)
    by_group = query(built, ["ad_level_spend"], ["ad_group__ad_group_name"])
    assert sum(r["ad_level_spend"] for r in by_group) == pytest.approx(total_ad_level, abs=0.01)
    (spend,) = query(built, ["spend"])
    assert spend["spend"] > total_ad_level  # Performance Max spend exists only per campaign


# -- web ----------------------------------------------------------------------------------------
def test_sessions_by_day_equal_the_sessions_mart_without_internal_traffic(built):
    # fct_sessions is the web engineer's mart, proven against GA4 ground truth in their tests; here the
    # metric must equal its non-internal sessions per start day, and internal traffic must exist to exclude.
    with duckdb.connect(str(built.settings.warehouse_path), read_only=True) as con:
        mart = dict(con.sql("select cast(session_date as varchar), count(*) from core.fct_sessions "
                            "where not coalesce(is_internal_traffic, false) group by 1").fetchall())
    rows = query(built, ["sessions"], ["metric_time__day"])
    assert {day_key(r["metric_time__day"]): r["sessions"] for r in rows if r["sessions"]} == mart
    internal = sum(int((d.sessions.ga4_tracked & d.sessions.internal).sum()) for d in built.world.days())
    assert internal > 0  # the world has staff sessions, and the metric leaves them out
    by_channel = query(built, ["sessions"], ["channel"])
    assert "Internal" not in {r["channel"] for r in by_channel if r["sessions"]}
    assert sum(r["sessions"] for r in by_channel) == sum(mart.values())
    truth_total = sum(int((d.sessions.ga4_tracked & ~d.sessions.internal).sum()) for d in built.world.days())
    assert sum(mart.values()) <= truth_total


# -- leads ----------------------------------------------------------------------------------------
def test_leads_by_day_and_channel_equal_the_leads_mart(built):
    # fct_leads is the CRM engineer's mart (one row per contact after merges), proven in their tests.
    with duckdb.connect(str(built.settings.warehouse_path), read_only=True) as con:
        by_day = dict(con.sql("select cast(created_date as varchar), count(*) from core.fct_leads "
                              "group by 1").fetchall())
        by_channel = dict(con.sql("select channel, count(*) from core.fct_leads group by 1").fetchall())
    rows = query(built, ["leads"], ["metric_time__day"])
    assert {day_key(r["metric_time__day"]): r["leads"] for r in rows if r["leads"]} == by_day
    assert {r["channel"]: r["leads"] for r in query(built, ["leads"], ["channel"])} == by_channel


# -- customers, CAC, attribution, cohorts ---------------------------------------------------------
ATTRIBUTION_MODELS = {"first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay",
                      "markov"}


def truth_first_order_dates(built: BuiltWorld) -> dict[int, str]:
    """True person → shop day of their first non-test order (guest checkouts included)."""
    first: dict[int, str] = {}
    for order in truth_orders(built):
        first[order.person_id] = min(first.get(order.person_id, order.order_date), order.order_date)
    return first


def truth_spend_usd(built: BuiltWorld, period: str = "") -> float:
    """Ad spend of record in USD, of the days starting with `period` (a year-month, or all)."""
    return sum(usd(p, r.cost_micros, r.date) for p, rows in truth_ads(built).items() for r in rows
               if r.date.isoformat().startswith(period))


def test_new_and_returning_customers_by_day_are_first_and_later_orders_of_true_persons(built):
    first = truth_first_order_dates(built)
    new_by_day: dict[str, int] = defaultdict(int)
    for day in first.values():
        new_by_day[day] += 1
    returning_by_day: dict[str, set[int]] = defaultdict(set)
    orders_of: dict[int, list[str]] = defaultdict(list)
    for order in truth_orders(built):
        orders_of[order.person_id].append(order.order_date)
    for pid, days in orders_of.items():
        for position, day in enumerate(sorted(days)):
            if position > 0:
                returning_by_day[day].add(pid)
    rows = query(built, ["new_customers", "returning_customers"], ["metric_time__day"])
    assert {day_key(r["metric_time__day"]): r["new_customers"] for r in rows if r["new_customers"]} == new_by_day
    assert {day_key(r["metric_time__day"]): r["returning_customers"] for r in rows if r["returning_customers"]} \
        == {day: len(pids) for day, pids in returning_by_day.items()}
    (total,) = query(built, ["new_customers", "returning_customers"])
    assert total["new_customers"] == len(first)  # one per true person over the whole world
    assert total["returning_customers"] == sum(1 for days in orders_of.values() if len(days) > 1) > 0


def test_cac_is_spend_over_new_customers_summed_first(built):
    first = truth_first_order_dates(built)
    (total,) = query(built, ["cac", "spend", "new_customers"])
    assert total["cac"] == pytest.approx(truth_spend_usd(built) / len(first), rel=1e-6)
    daily = [r for r in query(built, ["cac", "spend", "new_customers"], ["metric_time__day"]) if r["new_customers"]]
    for row in daily:
        assert row["cac"] == pytest.approx(row["spend"] / row["new_customers"])
    assert abs(total["cac"] - sum(r["cac"] for r in daily) / len(daily)) > 1e-6  # not a mean of daily CACs


def test_attributed_orders_and_revenue_per_model_sum_to_the_attributed_orders_net_sales(built):
    truth = truth_orders(built)
    rows = query(built, ["attributed_orders", "attributed_revenue", "attributed_new_customers"],
                 ["attribution_model"])
    assert {r["attribution_model"] for r in rows} == ATTRIBUTION_MODELS
    for row in rows:
        assert row["attributed_orders"] == pytest.approx(len(truth), abs=1e-6)
        assert row["attributed_revenue"] == pytest.approx(sum(o.net_sales_cents for o in truth) / 100, abs=0.005)
        assert row["attributed_new_customers"] == pytest.approx(len(truth_first_order_dates(built)), abs=1e-6)
    by_channel = query(built, ["attributed_revenue"], ["attribution_model", "channel"])
    for model in ATTRIBUTION_MODELS:
        channels = [r for r in by_channel if r["attribution_model"] == model]
        assert sum(r["attributed_revenue"] for r in channels) == pytest.approx(
            sum(o.net_sales_cents for o in truth) / 100, abs=0.01)


def test_attributed_roas_by_channel_and_model_is_revenue_over_spend_summed_first(built):
    names = ["attributed_revenue", "attribution_spend", "attributed_roas"]
    period = query(built, names, ["attribution_model", "channel"])
    daily = query(built, names, ["attribution_model", "channel", "metric_time__day"])
    truth = truth_by_channel(built)
    differs_from_daily_mean = False
    for row in period:
        if row["channel"] not in truth:
            roas = row["attributed_roas"]
            assert not row["attribution_spend"] and (roas is None or roas != roas)  # no spend: NULL (NaN) ROAS
            continue
        spend = sum(usd(platform, r.cost_micros, r.date) for platform, r in truth[row["channel"]])
        assert row["attribution_spend"] == pytest.approx(spend, abs=0.01)
        assert row["attributed_roas"] == pytest.approx(row["attributed_revenue"] / spend, rel=1e-6)
        key = (row["attribution_model"], row["channel"])
        days = [r for r in daily if (r["attribution_model"], r["channel"]) == key and r["attribution_spend"]]
        mean_of_days = sum(r["attributed_roas"] for r in days) / len(days)
        differs_from_daily_mean |= abs(row["attributed_roas"] - mean_of_days) > 1e-6
    assert {r["channel"] for r in period} >= set(truth)
    assert differs_from_daily_mean


def test_cohort_customers_and_ltv_by_cohort_month_equal_ground_truth(built):
    first = truth_first_order_dates(built)
    customers: dict[str, int] = defaultdict(int)
    for day in first.values():
        customers[day[:7]] += 1
    sales: dict[tuple[str, int], int] = defaultdict(int)
    for order in truth_orders(built):
        cohort = first[order.person_id]
        offset = (int(order.order_date[:4]) - int(cohort[:4])) * 12 + int(order.order_date[5:7]) - int(cohort[5:7])
        sales[(cohort[:7], offset)] += order.net_sales_cents
    sizes = {day_key(r["cohort_month"])[:7]: r["cohort_customers"]
             for r in query(built, ["cohort_customers"], ["cohort_month"])}
    assert sizes == customers
    ltv_rows = query(built, ["cohort_ltv", "cohort_retention"], ["cohort_month", "months_since_first_order"])
    assert {day_key(r["cohort_month"])[:7] for r in ltv_rows} == set(customers)
    for row in ltv_rows:
        cohort, offset = day_key(row["cohort_month"])[:7], int(row["months_since_first_order"])
        cumulative = sum(cents for (c, o), cents in sales.items() if c == cohort and o <= offset)
        assert row["cohort_ltv"] == pytest.approx(cumulative / 100 / customers[cohort], rel=1e-9), (cohort, offset)
        if offset == 0:
            assert row["cohort_retention"] == pytest.approx(1.0)


def test_cac_payback_months_is_the_first_month_ltv_reaches_the_cohorts_cac(built):
    first = truth_first_order_dates(built)
    rows = query(built, ["cac_payback_months", "cohort_customers"], ["cohort_month"])
    ltv = query(built, ["cohort_ltv"], ["cohort_month", "months_since_first_order"])
    for row in rows:
        cohort = day_key(row["cohort_month"])[:7]
        cac = truth_spend_usd(built, cohort) / sum(1 for day in first.values() if day.startswith(cohort))
        reached = sorted(int(r["months_since_first_order"]) for r in ltv
                         if day_key(r["cohort_month"])[:7] == cohort and r["cohort_ltv"] >= cac)
        expected = reached[0] if reached else None
        got = row["cac_payback_months"]
        assert (got is None or got != got) if expected is None else got == expected, (cohort, cac)


# -- saved queries, definitions, CLI, glossary ----------------------------------------------------
def test_saved_queries_return_their_metrics_and_groupings(built):
    for name in ("finance_daily_report", "marketing_channel_report", "marketing_attribution_report",
                 "customer_cohort_report"):
        names, group_by = metrics.saved_query_items(name, built.settings)
        frame = metrics.saved_query(name, settings=built.settings)
        assert list(frame.columns) == [*group_by, *names] or set(frame.columns) == {*group_by, *names}
        assert len(frame) > 0
    finance = metrics.saved_query("finance_daily_report", settings=built.settings)
    assert finance["net_sales"].sum() == pytest.approx(sum(o.net_sales_cents for o in truth_orders(built)) / 100,
                                                       abs=0.01)


def test_channel_report_shows_last_non_direct_attributed_roas_beside_platform_roas(built):
    report = metrics.saved_query("marketing_channel_report", settings=built.settings)
    assert {"platform_roas", "attributed_roas_last_non_direct"} <= set(report.columns)
    by_model = {r["channel"]: r for r in query(built, ["attributed_revenue", "attributed_roas"], ["channel"],
                                               where=["{{ Entity('attribution_model') }} = 'last_non_direct'"])}
    paid = 0
    for channel, rows in report.groupby("channel"):
        assert rows["attributed_revenue_last_non_direct"].sum() == pytest.approx(
            by_model[channel]["attributed_revenue"], abs=0.01)
        if rows["spend"].sum() > 0:
            paid += 1
            assert rows["attributed_revenue_last_non_direct"].sum() / rows["spend"].sum() == pytest.approx(
                by_model[channel]["attributed_roas"], rel=1e-6)
    assert paid == 4


def test_every_metric_has_a_label_and_a_business_definition(built):
    found = metrics.list_metrics(built.settings)
    names = {m.name for m in found}
    assert names >= {"spend", "spend_account_currency", "impressions", "clicks", "ctr", "cpc", "orders",
                     "gross_sales", "net_sales", "refunds", "aov", "platform_roas", "mer", "contribution_margin",
                     "sessions", "leads", "new_customers", "returning_customers", "cac", "attributed_orders",
                     "attributed_revenue", "attributed_roas", "cohort_customers", "cohort_ltv", "cac_payback_months"}
    for metric in found:
        assert metric.label and len(metric.description) > 30, metric.name


def test_cli_lists_and_queries_metrics(built, monkeypatch):
    from brightcart_pipeline.cli import main
    from brightcart_pipeline.settings import get_settings

    monkeypatch.setenv("BRIGHTCART_HOME", str(built.settings.home))
    monkeypatch.setenv("BRIGHTCART_API_BASE_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    try:
        listed = CliRunner().invoke(main, ["metrics", "list"])
        assert listed.exit_code == 0, listed.output
        assert "net_sales" in listed.output and "Meta" in listed.output
        with_dimensions = CliRunner().invoke(main, ["metrics", "list", "--dimensions"])
        assert with_dimensions.exit_code == 0, with_dimensions.output
        assert "metric_time" in with_dimensions.output
        result = CliRunner().invoke(main, ["metrics", "query", "--metrics", "net_sales,spend", "--group-by",
                                           "metric_time__day", "--start", "2026-10-01", "--end", "2026-10-04", "--csv"])
        assert result.exit_code == 0, result.output
        lines = result.output.strip().splitlines()
        assert lines[0] == "metric_time__day,net_sales,spend"
        assert len(lines) == 5
    finally:
        get_settings.cache_clear()


def test_glossary_is_generated_from_the_semantic_layer(built):
    committed = (PROJECT_ROOT / "docs" / "metrics.md").read_text()
    assert committed == metrics.glossary_markdown(built.manifest), "run `brightcart metrics docs` and commit"


def test_analyst_schema_masks_pii_and_keeps_joins(built):
    with duckdb.connect(str(built.settings.warehouse_path), read_only=True) as con:
        core = con.sql("select order_id, email_raw from core.fct_orders order by order_id").fetchall()
        analyst = con.sql("select order_id, email_raw from analyst.fct_orders order by order_id").fetchall()
        columns = {name: [c[0] for c in con.sql(f"describe {name}").fetchall()]
                   for name in ("core.fct_orders", "analyst.fct_orders")}
    assert columns["core.fct_orders"] == columns["analyst.fct_orders"]
    assert [o for o, _ in core] == [o for o, _ in analyst]
    hashed = dict(analyst)
    for order_id, email in core:
        if email is None:
            continue
        assert re.fullmatch(r"[0-9a-f]{64}", hashed[order_id]) and email not in hashed[order_id]
    same_email: dict[str, set[str]] = defaultdict(set)
    for order_id, email in core:
        if email:
            same_email[email.strip().lower()].add(hashed[order_id])
    assert all(len(hashes) == 1 for hashes in same_email.values())  # equal emails, equal hashes: joins hold


# -- the dashboards read only the metrics interface -----------------------------------------------
SQL_AGGREGATE = re.compile(r"\b(select|group\s+by|sum\s*\(|count\s*\(|avg\s*\()", re.IGNORECASE)
ALLOWED_IMPORTS = {"brightcart_pipeline.metrics", "brightcart_pipeline", "brightcart_pipeline.dashboards",
                   "streamlit", "pandas", "altair", "datetime", "dataclasses", "__future__"}


def test_dashboard_code_has_no_sql_and_reads_only_the_metrics_interface():
    files = sorted(DASHBOARDS.glob("*.py"))
    assert {f.name for f in files} >= {"app.py", "marketing.py", "finance.py", "common.py"}
    for path in files:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not SQL_AGGREGATE.search(node.value), f"{path.name}: SQL in {node.value[:60]!r}"
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = {alias.name for alias in node.names}
                if module == "brightcart_pipeline":
                    assert names == {"metrics"}, f"{path.name} imports {names} from brightcart_pipeline"
                else:
                    assert module in ALLOWED_IMPORTS or module.startswith("brightcart_pipeline.dashboards"), \
                        f"{path.name} imports {module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name in ALLOWED_IMPORTS, f"{path.name} imports {alias.name}"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "metrics":
                assert hasattr(metrics, node.attr), f"{path.name}: metrics.{node.attr} does not exist"
