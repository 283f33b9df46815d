"""Marketing marts on the shared built world, against the simulator's ground truth.

New vs returning is decided per true person (guest checkouts included, test orders never count); the
channel and campaign marts carry the spend of record per channel and campaign exactly, credit every
non-test order once per attribution model, and keep platform-claimed value apart; the cohort mart's
customers, cumulative net sales, CAC and payback month follow from the world's orders and spend; the
marts compile for Snowflake offline.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import duckdb
import pytest

from brightcart_pipeline.simulator.catalog import ACCOUNT_BY_PLATFORM, rate_to_usd
from brightcart_pipeline.simulator.people import person
from brightcart_pipeline.simulator.truth_ads import true_ad_rows
from brightcart_pipeline.simulator.truth_commerce import TrueOrder, true_orders
from tests.conftest import BuiltWorld
from tests.support.channels import channel_of

pytestmark = pytest.mark.integration

PLATFORMS = ("google_ads", "meta_ads")
MODELS = {"first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay", "markov"}


def rows(built: BuiltWorld, sql: str) -> list[tuple]:
    with duckdb.connect(str(built.settings.warehouse_path), read_only=True) as con:
        return con.sql(sql).fetchall()


def real_orders(built: BuiltWorld) -> list[TrueOrder]:
    return [o for o in true_orders(built.world, built.as_of_us) if not o.is_test]


def first_order_dates(orders: list[TrueOrder]) -> dict[int, str]:
    """True person → shop day of their first order."""
    first: dict[int, str] = {}
    for order in orders:
        first[order.person_id] = min(first.get(order.person_id, order.order_date), order.order_date)
    return first


def usd(platform: str, micros: int, day: dt.date) -> float:
    return micros / 1e6 * rate_to_usd(ACCOUNT_BY_PLATFORM[platform].currency, day)


def month_of(day: str | dt.date) -> str:
    return str(day)[:7]


# -- new vs returning on fct_orders ---------------------------------------------------------------
def test_every_true_person_has_exactly_one_first_order_on_their_first_day(built_world):
    truth = real_orders(built_world)
    person_of = {o.order_id: o.person_id for o in truth}
    first_day = first_order_dates(truth)
    found = rows(built_world, "select order_id, is_first_order, customer_type, cast(order_date as varchar), "
                              "cast(person_first_order_date as varchar), is_test from core.fct_orders")
    firsts: dict[int, int] = defaultdict(int)
    for order_id, is_first, customer_type, order_date, person_first, is_test in found:
        if is_test:
            assert not is_first and customer_type is None and person_first is None
            continue
        pid = person_of[order_id]
        assert customer_type == ("new" if is_first else "returning")
        assert person_first == first_day[pid]
        if is_first:
            firsts[pid] += 1
            assert order_date == first_day[pid]
    assert firsts == {pid: 1 for pid in first_day}
    guests = {pid for pid in first_day if not person(pid).has_account}
    assert guests and guests < set(firsts)  # guest checkouts are new customers too
    assert any(sum(1 for o in truth if o.person_id == pid) > 1 for pid in first_day)  # returning ones exist


# -- the channel and campaign marts ---------------------------------------------------------------
def test_channel_mart_spend_per_channel_and_day_is_the_spend_of_record_on_every_model_row(built_world):
    truth: dict[tuple[str, str], float] = defaultdict(float)
    for platform in PLATFORMS:
        for row in true_ad_rows(built_world.world, platform):
            truth[(row.date.isoformat(), channel_of(row.campaign_id))] += usd(platform, row.cost_micros, row.date)
    found: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    sql = ("select cast(date_day as varchar), channel, attribution_model, spend_reporting "
           "from marketing.fct_marketing_channel_daily")
    for day, channel, model, spend in rows(built_world, sql):
        found[(day, channel)][model] = float(spend)
    for key, spend in truth.items():
        assert set(found[key]) == MODELS
        assert all(value == pytest.approx(spend, abs=1e-4) for value in found[key].values()), key
    unpaid = {key: by_model for key, by_model in found.items() if key not in truth}
    assert unpaid and all(v == 0 for by_model in unpaid.values() for v in by_model.values())


def test_channel_mart_credits_every_order_once_per_model_and_keeps_platform_value_apart(built_world):
    truth = real_orders(built_world)
    new_customers = len(first_order_dates(truth))
    totals = rows(built_world, "select attribution_model, sum(attributed_orders), sum(attributed_new_customers), "
                               "sum(attributed_revenue), sum(attributed_gross_sales), "
                               "sum(platform_conversions_value_reporting) "
                               "from marketing.fct_marketing_channel_daily group by 1")
    assert {model for model, *_ in totals} == MODELS
    platform_values = set()
    for model, orders, new, revenue, gross, platform_value in totals:
        assert orders == pytest.approx(len(truth), abs=1e-6), model
        assert new == pytest.approx(new_customers, abs=1e-6), model
        assert revenue == Decimal(sum(o.net_sales_cents for o in truth)) / 100, model
        assert float(gross) == pytest.approx(sum(o.gross_cents for o in truth) / 100, abs=0.01 * len(truth))
        platform_values.add(round(float(platform_value), 4))
    assert len(platform_values) == 1 and platform_values.pop() > 0
    (ratios_ok,) = rows(built_world, "select bool_and(attributed_roas is null or abs(attributed_roas - "
                                     "attributed_revenue / spend_reporting) < 1e-9) "
                                     "from marketing.fct_marketing_channel_daily")[0]
    assert ratios_ok


def test_campaign_mart_spend_is_exact_in_the_account_currency_and_attribution_is_a_share_of_paid_credit(built_world):
    truth: dict[tuple[str, str, str], int] = defaultdict(int)
    for platform in PLATFORMS:
        for row in true_ad_rows(built_world.world, platform):
            truth[(row.date.isoformat(), platform, row.campaign_id)] += row.cost_micros
    found = rows(built_world, "select cast(date_day as varchar), platform, campaign_id, account_currency, "
                              "spend_micros, channel from marketing.fct_marketing_campaign_daily "
                              "where attribution_model = 'linear' and spend_micros > 0")
    assert {(d, p, c): int(m) for d, p, c, _, m, _ in found} == {k: v for k, v in truth.items() if v}
    for _, platform, campaign_id, currency, _, channel in found:
        assert currency == ACCOUNT_BY_PLATFORM[platform].currency
        assert channel == channel_of(campaign_id)
    by_model = dict(rows(built_world, "select attribution_model, sum(attributed_revenue) "
                                      "from marketing.fct_marketing_campaign_daily group by 1"))
    paid = dict(rows(built_world, "select attribution_model, sum(attributed_revenue) "
                                  "from core.fct_attribution where ad_campaign_id is not null group by 1"))
    assert set(by_model) == MODELS and by_model == paid
    assert any(value > 0 for value in by_model.values())


# -- cohorts --------------------------------------------------------------------------------------
def test_cohorts_customers_ltv_cac_and_payback_follow_from_the_worlds_orders_and_spend(built_world):
    truth = real_orders(built_world)
    first_day = first_order_dates(truth)
    last_month = max(month_of(o.order_date) for o in truth)
    customers: dict[str, int] = defaultdict(int)
    for day in first_day.values():
        customers[month_of(day)] += 1
    sales: dict[tuple[str, str], int] = defaultdict(int)
    for order in truth:
        sales[(month_of(first_day[order.person_id]), month_of(order.order_date))] += order.net_sales_cents
    spend: dict[str, float] = defaultdict(float)
    for platform in PLATFORMS:
        for row in true_ad_rows(built_world.world, platform):
            spend[month_of(row.date)] += usd(platform, row.cost_micros, row.date)
    found = rows(built_world, "select strftime(cohort_month, '%Y-%m'), months_since_first_order, "
                              "strftime(calendar_month, '%Y-%m'), cohort_customers, cumulative_net_sales, ltv, "
                              "cohort_cac, cac_payback_months from marketing.fct_customer_cohorts "
                              "order by 1, 2")
    assert {c for c, *_ in found} == set(customers)
    cumulative: dict[str, int] = defaultdict(int)
    for cohort, _, month, size, cumulative_sales, ltv, cac, payback in found:
        assert month <= last_month and size == customers[cohort]
        cumulative[cohort] += sales.get((cohort, month), 0)
        assert cumulative_sales == Decimal(cumulative[cohort]) / 100
        assert ltv == pytest.approx(cumulative[cohort] / 100 / size)
        assert cac == pytest.approx(spend[cohort] / size, rel=1e-6)
        ltv_by_offset = {o: v for c, o, *_, v, _, _ in found if c == cohort}
        expected = min((o for o, v in ltv_by_offset.items() if v >= spend[cohort] / size), default=None)
        assert payback == expected
    assert max(offset for _, offset, *_ in found) == max(
        (int(last_month[:4]) - int(c[:4])) * 12 + int(last_month[5:]) - int(c[5:]) for c in customers)
