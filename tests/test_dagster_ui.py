"""The Dagster web UI, for real: `brightcart demo` fills an instance, `dagster dev` serves it on 127.0.0.1,
and headless Chromium sees the ingest → staging → marts lineage and the completed runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightcart_pipeline.settings import PROJECT_ROOT
from tests.support.browser import artifact, chromium, free_port, wait_for_http

pytestmark = pytest.mark.browser
BIN = Path(sys.executable).parent


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIGHTCART_", "DAGSTER_", "DBT_"))}
    return {**env, "BRIGHTCART_HOME": str(home), "BRIGHTCART_SIMULATOR_SCALE": "0.0002",
            "DAGSTER_HOME": str(home / "dagster_home")}


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("ui")
    env = clean_env(home)
    demo = subprocess.run([str(BIN / "brightcart"), "demo", "--days", "1"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=900)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    port = free_port()
    # Its own session, SIGINT restored: a background `dagster dev` otherwise ignores the signals that stop it.
    server = subprocess.Popen(
        [str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/server_info", timeout_seconds=240, process_alive=lambda: server.poll() is None)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def test_asset_lineage_runs_from_ingest_through_staging_to_marts(dagster_ui):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        # fct_order_lines: a mart whose upstream is one source end to end (fct_orders also reads the identity
        # graph over every source, too wide a picture to read).
        page.goto(f"{dagster_ui}/assets/core/fct_order_lines?view=lineage&lineageScope=upstream",
                  wait_until="networkidle")
        page.get_by_role("button", name="Skip").click()  # the first-run dialog of a fresh instance
        page.get_by_role("button", name="All", exact=True).click()  # every upstream level, back to ingest
        page.get_by_text("ingest", exact=True).first.wait_for(timeout=30_000)
        page.wait_for_timeout(2_000)  # let the node cards finish loading their status
        page.screenshot(path=artifact("dagster_lineage_fct_order_lines.png"))
        text = page.inner_text("body")
    for expected in ("ingest", "staging", "core", "orders", "stg_shopify__orders", "stg_shopify__refund_lines",
                     "fct_order_lines"):
        assert expected in text


def test_completed_runs_are_listed(dagster_ui):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{dagster_ui}/runs", wait_until="networkidle")
        page.get_by_text("build_marts").first.wait_for(timeout=30_000)
        page.screenshot(path=artifact("dagster_runs.png"))
        text = page.inner_text("body")
    assert "ingest_daily" in text and "build_marts" in text
    assert "Success" in text and "Failure" not in text
