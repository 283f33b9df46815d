"""A run killed with SIGKILL in the middle of an extract loses nothing and duplicates nothing on the rerun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.simulator.faults import Fault, FaultPlan
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.warehouse import connect
from tests.conftest import settings_for

pytestmark = pytest.mark.integration

EXTRACT = """
import datetime as dt, sys
from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.settings import load_settings
from brightcart_pipeline.sources.base import ExtractWindow
window = ExtractWindow(dt.date.fromisoformat(sys.argv[1]), dt.date.fromisoformat(sys.argv[2]))
run_ingest(load_settings(), "shopify", window)
"""


def test_sigkill_mid_extract_then_rerun_equals_ground_truth(simulator, tmp_path):
    world = simulator.world.config
    settings = settings_for(tmp_path, simulator)
    # Slow pages: the run is still fetching when it is killed.
    simulator.context.faults.replace(FaultPlan(faults=[Fault(
        vendor="shopify", kind="slow", on=simulator.context.clock_day, endpoint="orders.json", count=50,
        delay_seconds=1.5)]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTCART_")}
    env |= {"BRIGHTCART_HOME": str(tmp_path), "BRIGHTCART_API_BASE_URL": simulator.base_url}
    process = subprocess.Popen(
        [sys.executable, "-c", EXTRACT, world.first_utc_day.isoformat(), world.end.isoformat()], env=env)
    try:
        lake = open_lake(settings)
        deadline = time.monotonic() + 120
        while not lake.list("raw/shopify/orders/") and time.monotonic() < deadline:
            assert process.poll() is None, "the extract finished before it could be killed"
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        simulator.context.faults.replace(FaultPlan())
    assert process.returncode == -signal.SIGKILL
    landed_before = len(lake.list("raw/shopify/orders/"))
    assert landed_before >= 1

    result = run_ingest(settings, "shopify", ExtractWindow(world.first_utc_day, world.end))

    truth = {o.order_id for o in true_orders(simulator.world, simulator.context.as_of_us)}
    with connect(settings, read_only=True) as con:
        ids = [i for (i,) in con.sql("select id from raw_shopify.orders").fetchall()]
    assert len(ids) == len(set(ids)), "no order twice"
    assert set(ids) == truth, "no order lost"
    assert result.landed["orders"] == len(truth)  # the rerun starts from the last committed cursor
