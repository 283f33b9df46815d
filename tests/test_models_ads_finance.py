"""Paid media, commerce and finance marts against the simulator's ground truth.

One warehouse is built in two loads: first while recent ad days are still preliminary, then after every
day is final (the clock ≥ RESTATEMENT_DAYS past the last day). The second dbt build runs
fct_ad_performance_daily incrementally with a one-day lookback, so the restated days must be picked up
by the lookback window alone; the marts are then compared with truth computed from the world (never
from API bodies), to the micro for spend and to the cent for sales.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner

from brightcart_pipeline.assets.transform import DBT_PROJECT_DIR, dbt_env
from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.simulator.catalog import ACCOUNT_BY_PLATFORM, rate_to_usd
from brightcart_pipeline.simulator.commerce import order_money, shop_date
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_ads import (
    RESTATEMENT_DAYS,
    performance_max_campaign_ids,
    true_ad_rows,
    true_spend_by_ad_day,
    true_spend_by_campaign_day,
)
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.simulator.world import World
from brightcart_pipeline.sources import ENABLED_SOURCES
from brightcart_pipeline.sources.base import ExtractWindow
from tests.conftest import TEST_WORLD, settings_for
from tests.support.warehouse import query

pytestmark = pytest.mark.integration

PLATFORMS = ("google_ads", "meta_ads")
MY_MODELS = (
    "fx_rates_daily", "staging.google_ads", "staging.meta_ads", "staging.shopify", "intermediate.ads",
    "marts.finance", "dim_date", "dim_ad_account", "dim_campaign", "dim_ad_group", "dim_creative",
    "fct_ad_performance_daily", "fct_campaign_performance_daily", "fct_orders", "fct_order_lines", "fct_refunds",
    # fct_orders tells new from returning customers through the identity graph, which reads every source.
    "+int_order_persons",
)
AD_KEY = "date_day, platform, account_id, campaign_id, ad_group_id, ad_id"


class Dbt:
    """dbt in-process on one parsed manifest: parsing dominates a small build, so it is done once."""

    def __init__(self, target_path: str) -> None:
        self.common = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                       "--target-path", target_path]
        parsed = dbtRunner().invoke(["parse", "--quiet", *self.common])
        assert parsed.success, parsed.exception
        self.runner = dbtRunner(manifest=parsed.result)

    def __call__(self, command: str, *args: str) -> None:
        try:
            result = self.runner.invoke([command, "--quiet", *self.common, *args])
        finally:
            # dbt-duckdb keeps its DuckDB instance open for the process; the ingest and the assertions
            # open the same file with another configuration, so it is closed after every command.
            with DuckDBConnectionManager._LOCK:
                if DuckDBConnectionManager._ENV is not None:
                    DuckDBConnectionManager._ENV.close()
                    DuckDBConnectionManager._ENV = None
        failed = [f"{r.node.name}: {r.status} {r.message}" for r in (result.result or []) if
                  str(r.status) in ("error", "fail")] if result.result is not None else []
        assert result.success, (result.exception, failed)


@dataclass
class Built:
    settings: Settings
    world: World
    as_of_us: int
    preliminary_ads: list[tuple]  # fct_ad_performance_daily after the first load
    dbt: Dbt


def ad_rows(settings: Settings) -> list[tuple]:
    return query(settings, f"select {AD_KEY}, impressions, clicks, spend_micros, spend, spend_reporting "
                           f"from core.fct_ad_performance_daily order by {AD_KEY}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    home = tmp_path_factory.mktemp("ads_finance")
    with SimulatorServer(TEST_WORLD) as server, pytest.MonkeyPatch.context() as env:
        world = server.world
        settings = settings_for(home, server)
        for name, value in dbt_env(settings).items():
            env.setenv(name, value)
        dbt = Dbt(str(home / "dbt_target"))
        window = ExtractWindow(world.config.first_utc_day, world.config.end)

        # Load 1: the last day is not reported yet and the two before it are preliminary.
        server.context.set_clock(dt.datetime.combine(world.config.end - dt.timedelta(days=1), dt.time(6),
                                                     tzinfo=dt.UTC))
        for source in PLATFORMS:
            run_ingest(settings, source, window)
        dbt("build", "--select", "+fct_ad_performance_daily", "--indirect-selection", "cautious")
        preliminary = ad_rows(settings)

        # Load 2: every day final; fct_ad_performance_daily runs incrementally with a 1-day lookback.
        server.context.set_clock(dt.datetime.combine(world.config.end + dt.timedelta(days=RESTATEMENT_DAYS + 1),
                                                     dt.time(6), tzinfo=dt.UTC))
        for source in ENABLED_SOURCES:
            run_ingest(settings, source, window)
        dbt("build", "--select", *MY_MODELS, "--indirect-selection", "cautious",
            "--vars", "{ads_restatement_lookback_days: 1}")
        yield Built(settings, world, server.context.as_of_us, preliminary, dbt)


def micros(value: Decimal) -> int:
    return int(value * 1_000_000)


def cents(value: Decimal) -> int:
    return int(value * 100)


# -- spend --------------------------------------------------------------------------------------------
def test_spend_per_day_and_platform_equals_truth_to_the_micro(built):
    truth: dict[tuple[str, str], int] = defaultdict(int)
    for platform in PLATFORMS:
        for row in true_ad_rows(built.world, platform):
            truth[(row.date.isoformat(), platform)] += row.cost_micros
    rows = query(built.settings, "select date_day, platform, account_id, account_currency, spend_micros, spend "
                                 "from finance.finance_spend_daily")
    got = {(d.isoformat(), p): m for d, p, _, _, m, _ in rows}
    assert got == dict(truth)
    for _, platform, account_id, currency, spend_micros, spend in rows:
        account = ACCOUNT_BY_PLATFORM[platform]
        assert (account_id, currency) == (account.account_id.removeprefix("act_"), account.currency)
        assert micros(spend) == spend_micros  # the decimal and the micros agree


def test_spend_per_campaign_and_day_includes_performance_max(built):
    rows = query(built.settings, "select campaign_id, date_day, spend_micros, is_performance_max "
                                 "from core.fct_campaign_performance_daily")
    got = {(c, d.isoformat()): m for c, d, m, _ in rows}
    truth = {**true_spend_by_campaign_day(built.world, "google_ads"),
             **true_spend_by_campaign_day(built.world, "meta_ads")}
    assert got == truth
    pmax = performance_max_campaign_ids()
    assert pmax and {c for c, _, m, is_pmax in rows if is_pmax and m > 0} == pmax


def test_ad_level_spend_equals_truth_and_leaves_out_performance_max(built):
    rows = query(built.settings, "select ad_id, date_day, spend_micros, campaign_id "
                                 "from core.fct_ad_performance_daily")
    truth = {**true_spend_by_ad_day(built.world, "google_ads"), **true_spend_by_ad_day(built.world, "meta_ads")}
    assert {(a, d.isoformat()): m for a, d, m, _ in rows} == truth
    assert not {c for *_, c in rows} & performance_max_campaign_ids()


def test_reporting_currency_uses_the_reference_rate_of_the_reporting_day(built):
    rows = query(built.settings, "select date_day, account_currency, spend, spend_reporting, reporting_currency "
                                 "from core.fct_campaign_performance_daily")
    assert {r[1] for r in rows} == {"USD", "EUR"}
    for day, currency, spend, spend_reporting, reporting_currency in rows:
        assert reporting_currency == "USD"
        expected = Decimal(str(rate_to_usd(currency, day))) * spend
        assert abs(spend_reporting - expected) <= Decimal("0.000001"), (day, currency)


def test_reconciliation_shows_performance_max_as_the_gap_between_campaign_and_ad_level(built):
    rows = query(built.settings, "select date_day, warehouse_value, warehouse_detail_value, source_reported_value "
                                 "from finance.reconciliation_daily where source_system = 'google_ads'")
    pmax = performance_max_campaign_ids()
    truth_gap: dict[str, int] = defaultdict(int)
    for (campaign_id, day), spend in true_spend_by_campaign_day(built.world, "google_ads").items():
        if campaign_id in pmax:
            truth_gap[day] += spend
    assert {d.isoformat(): int(w - a) for d, w, a, _ in rows} == dict(truth_gap)
    assert all(reported is None for *_, reported in rows)  # filled by the reconciliation asset, not dbt


# -- incremental ------------------------------------------------------------------------------------
def test_incremental_run_after_restatement_equals_a_full_refresh(built):
    incremental = ad_rows(built.settings)
    assert incremental != built.preliminary_ads  # restatement really changed numbers
    with pytest.MonkeyPatch.context() as env:
        for name, value in dbt_env(built.settings).items():
            env.setenv(name, value)
        built.dbt("run", "--full-refresh", "--select", "fct_ad_performance_daily")
    assert ad_rows(built.settings) == incremental


# -- commerce and finance -----------------------------------------------------------------------------
def true_finance_by_day(world: World, as_of_us: int) -> dict[str, dict[str, int]]:
    """Per shop-local day: non-test orders, gross, discounts (order day) and returns (refund day), cents."""
    days: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for order in true_orders(world, as_of_us):
        if order.is_test:
            continue
        day = days[order.order_date]
        day["orders"] += 1
        day["gross"] += order.gross_cents
        day["discounts"] += order.discount_cents
    for world_day in world.days():
        orders = world_day.orders
        assert orders is not None
        refunded = (orders.created_ts <= as_of_us) & (orders.refund_ts >= 0) & (orders.refund_ts <= as_of_us)
        for i in np.flatnonzero(refunded & ~orders.is_test):
            refund_day = shop_date(int(orders.refund_ts[i])).isoformat()
            days[refund_day]["returns"] += order_money(orders, int(i)).refund_subtotal_cents
    return {d: {k: v.get(k, 0) for k in ("orders", "gross", "discounts", "returns")} | {
        "net": v.get("gross", 0) - v.get("discounts", 0) - v.get("returns", 0)} for d, v in days.items()}


def test_orders_gross_and_net_sales_per_order_day_equal_truth_to_the_cent(built):
    truth: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for order in true_orders(built.world, built.as_of_us):
        if not order.is_test:
            day = truth[order.order_date]
            day[0] += 1
            day[1] += order.gross_cents - order.discount_cents
            day[2] += order.net_sales_cents
    rows = query(built.settings, "select order_date, count(*), sum(gross_sales - discounts), sum(net_sales) "
                                 "from core.fct_orders where not is_test group by order_date")
    assert {d.isoformat(): [n, cents(g), cents(net)] for d, n, g, net in rows} == dict(truth)
    lines = query(built.settings, "select order_id, sum(net_sales) from core.fct_order_lines group by order_id")
    orders = dict(query(built.settings, "select order_id, net_sales from core.fct_orders"))
    assert dict(lines) == orders  # lines add up to their order


def test_finance_daily_equals_truth_with_returns_on_the_refund_day(built):
    rows = query(built.settings, "select date_day, sum(orders), sum(gross_sales), sum(discounts), "
                                 "sum(sales_returns), sum(net_sales) from finance.finance_daily group by date_day")
    got = {d.isoformat(): {"orders": n, "gross": cents(g), "discounts": cents(disc), "returns": cents(r),
                           "net": cents(net)} for d, n, g, disc, r, net in rows}
    truth = true_finance_by_day(built.world, built.as_of_us)
    assert got == truth


def test_finance_daily_splits_by_presentment_currency(built):
    truth: dict[tuple[str, str], int] = defaultdict(int)
    for world_day in built.world.days():
        orders = world_day.orders
        assert orders is not None
        for i in np.flatnonzero((orders.created_ts <= built.as_of_us) & ~orders.is_test):
            money = order_money(orders, int(i))
            truth[(shop_date(int(orders.created_ts[i])).isoformat(), money.presentment_currency)] += 1
    rows = query(built.settings, "select date_day, presentment_currency, orders, currency from finance.finance_daily "
                                 "where orders > 0")
    assert {(d.isoformat(), c): n for d, c, n, _ in rows} == dict(truth)
    assert {r[3] for r in rows} == {"USD"}
