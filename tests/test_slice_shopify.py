"""The vertical slice: Shopify API → lake → raw DuckDB → dbt fct_orders, equal to ground truth.

Run twice: the second run, after the simulator's clock moves a day on, fetches only orders that
changed since the cursor and duplicates nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import duckdb
import pytest

from brightcart_pipeline.ingest import run_ingest, run_replay
from brightcart_pipeline.lake.landing import decode_records, landed_keys
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.simulator.world import US_PER_SECOND
from brightcart_pipeline.sources import ENABLED_SOURCES
from brightcart_pipeline.sources.base import ExtractWindow
from tests.conftest import dbt_build, settings_for

pytestmark = pytest.mark.integration


def cents(value: Decimal) -> int:
    return int(value * 100)


def fct_orders(settings) -> dict[int, tuple[int, int, bool]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.sql("select order_id, net_sales, total_price, is_test from core.fct_orders").fetchall()
    return {order_id: (cents(net), cents(total), is_test) for order_id, net, total, is_test in rows}


def assert_equals_truth(settings, world, as_of_us: int) -> None:
    truth = {o.order_id: (o.net_sales_cents, o.total_cents, o.is_test) for o in true_orders(world, as_of_us)}
    built = fct_orders(settings)
    assert built.keys() == truth.keys()
    assert len(built) == len(truth)
    assert sum(v[0] for v in built.values()) == sum(v[0] for v in truth.values())  # net sales, to the cent
    assert sum(v[1] for v in built.values()) == sum(v[1] for v in truth.values())  # paid, to the cent
    assert built == truth


def landed_order_ids(settings, landing_id: str) -> list[int]:
    lake = open_lake(settings)
    keys = [k for k in landed_keys(lake, "shopify", "orders", dt.date(2000, 1, 1), dt.date(2100, 1, 1))
            if landing_id in k]
    return [r["id"] for k in keys for r in decode_records(lake.read(k))]


def test_slice_twice_equals_ground_truth_and_second_run_fetches_only_changes(simulator, tmp_path):
    world = simulator.world
    settings = settings_for(tmp_path, simulator)
    window = ExtractWindow(world.config.first_utc_day, world.config.end)

    first_clock = dt.datetime.combine(world.config.end - dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC)
    simulator.context.set_clock(first_clock)
    first = run_ingest(settings, "shopify", window)
    # fct_orders tells new from returning customers through the identity graph, which reads every source.
    for source in ENABLED_SOURCES:
        if source != "shopify":
            run_ingest(settings, source, window)
    dbt_build(settings, "--select", "+fct_orders")
    assert_equals_truth(settings, world, simulator.context.as_of_us)
    first_truth = true_orders(world, simulator.context.as_of_us)
    assert first.landed["orders"] == len(first_truth)
    cursor = max(o.updated_us for o in first_truth)

    second_clock = first_clock + dt.timedelta(days=1)
    simulator.context.set_clock(second_clock)
    second = run_ingest(settings, "shopify", window)
    dbt_build(settings, "--select", "+fct_orders")
    assert_equals_truth(settings, world, simulator.context.as_of_us)

    # Only what changed since the cursor (the cursor's own order is re-read at the boundary).
    changed = {o.order_id for o in true_orders(world, simulator.context.as_of_us) if o.updated_us >= cursor}
    fetched = landed_order_ids(settings, second.landing_id)
    assert set(fetched) == changed
    assert len(fetched) == len(set(fetched))
    assert len(changed) < len(first_truth)  # a day of changes, not a full re-read
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows, distinct = con.sql("select count(*), count(distinct id) from raw_shopify.orders").fetchone()
    assert rows == distinct == len(changed | {o.order_id for o in first_truth})
    assert second_clock.timestamp() * US_PER_SECOND == simulator.context.as_of_us


def test_replay_from_the_lake_rebuilds_identical_raw_tables(simulator, tmp_path):
    world = simulator.world
    settings = settings_for(tmp_path, simulator)
    window = ExtractWindow(world.config.first_utc_day, world.config.end)
    run_ingest(settings, "shopify", window)
    # A second run re-reads the orders at the cursor boundary: raw must name the file a replay would.
    second = run_ingest(settings, "shopify", window)
    assert second.landed["orders"] >= 1
    columns = "id, updated_at, total_price, financial_status, refunds, customer__id, _lake_file, _landing_id"
    with duckdb.connect(str(settings.warehouse_path)) as con:
        original = con.sql(f"select {columns} from raw_shopify.orders order by id").fetchall()
        con.sql("drop schema raw_shopify cascade")
    assert any(row[-1] == second.landing_id for row in original)  # the boundary orders loaded again
    # dlt keeps state beside the data; a lost warehouse means a fresh pipeline working folder too.
    for state in settings.dlt_pipelines_dir.glob("brightcart_shopify"):
        shutil.rmtree(state)
    result = run_replay(settings, "shopify", world.config.first_utc_day, world.config.end + dt.timedelta(days=1))
    assert result.landed["orders"] == len(original) + second.landed["orders"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        replayed = con.sql(f"select {columns} from raw_shopify.orders order by id").fetchall()
    assert replayed == original
