"""The dashboards in a real browser: Streamlit served headless on loopback, driven by headless Chromium.

Each page renders without an exception element, its headline figures equal the same metrics queried
through `brightcart_pipeline.metrics`, every figure carries its definition, and with an empty warehouse
the app says to run `make demo` first. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from brightcart_pipeline import metrics
from brightcart_pipeline.settings import PROJECT_ROOT
from tests.support.browser import artifact, chromium, free_port, wait_for_http
from tests.test_metrics import BuiltWorld

pytestmark = [pytest.mark.browser, pytest.mark.integration]

APP = PROJECT_ROOT / "brightcart_pipeline" / "dashboards" / "app.py"
EXCEPTION = '[data-testid="stException"]'
METRIC = '[data-testid="stMetric"]'


@contextmanager
def streamlit(home: Path, manifest: Path | None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "BRIGHTCART_HOME": str(home), "BRIGHTCART_API_BASE_URL": "http://127.0.0.1:9"}
    env.pop("BRIGHTCART_DUCKDB_PATH", None)
    if manifest is not None:
        env["BRIGHTCART_SEMANTIC_MANIFEST"] = str(manifest)
    command = [str(Path(sys.executable).parent / "streamlit"), "run", str(APP), "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    # Own session, SIGINT restored: a non-interactive parent would otherwise leave it deaf to signals.
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/_stcore/health", 60, process_alive=lambda: process.poll() is None)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def open_page(browser, url: str, ready_text: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_text(ready_text, exact=False).first.wait_for(timeout=90_000)
    # Streamlit shows a running indicator until the script has finished; wait for the last section.
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    return page


def figures(page) -> dict[str, str]:
    """Label → displayed value of every st.metric on the page."""
    shown = {}
    for element in page.locator(METRIC).all():
        label = element.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        shown[label] = element.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return shown


def money(value: float) -> str:
    return f"${value:,.2f}"


@pytest.fixture(scope="module")
def built(built_world: BuiltWorld) -> BuiltWorld:
    return built_world


def test_marketing_and_finance_pages_show_the_metrics_layer_numbers(built, monkeypatch):
    monkeypatch.setenv("BRIGHTCART_SEMANTIC_MANIFEST", str(built.manifest))
    definitions = metrics.definitions(built.settings)
    first, last = metrics.metric_date_range("orders", built.settings)  # type: ignore[misc]
    (expected,) = metrics.query(["net_sales", "spend", "mer", "refunds"], start=first, end=last,
                                settings=built.settings).to_dict("records")
    with streamlit(built.settings.home, built.manifest) as url, chromium() as browser:
        marketing = open_page(browser, url, "By channel over time")
        marketing.wait_for_timeout(1000)
        marketing.screenshot(path=str(artifact("dashboard_marketing.png")), full_page=True)
        assert marketing.locator(EXCEPTION).count() == 0, marketing.locator(EXCEPTION).all_inner_texts()
        shown = figures(marketing)
        assert shown[definitions["net_sales"].label] == money(expected["net_sales"])
        assert shown[definitions["spend"].label] == money(expected["spend"])
        assert shown[definitions["mer"].label] == f"{expected['mer']:.2f}×"
        body = marketing.locator("body").inner_text()
        for name in ("net_sales", "spend", "mer", "platform_roas", "clicks"):
            assert definitions[name].description[:40] in body, name  # each figure carries its definition
        assert marketing.locator('[data-testid="stVegaLiteChart"]').count() >= 2

        finance = open_page(browser, f"{url}/finance", "Freshness and SLA")
        finance.wait_for_timeout(1000)
        finance.screenshot(path=str(artifact("dashboard_finance.png")), full_page=True)
        assert finance.locator(EXCEPTION).count() == 0, finance.locator(EXCEPTION).all_inner_texts()
        shown = figures(finance)
        assert shown[definitions["net_sales"].label] == money(expected["net_sales"])
        assert shown[definitions["refunds"].label] == money(expected["refunds"])
        body = finance.locator("body").inner_text()
        assert "Daily finance table" in body and "Last build" in body and "Reconciliation" in body
        assert "EUR" in body  # the presentment currency is visible in the finance table


def test_empty_warehouse_says_to_run_make_demo_first(tmp_path, built):
    with streamlit(tmp_path / "empty_home", built.manifest) as url, chromium() as browser:
        for path in ("", "/finance"):
            page = open_page(browser, url + path, "make demo")
            page.screenshot(path=str(artifact(f"dashboard_empty{path.replace('/', '_') or '_marketing'}.png")))
            assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).all_inner_texts()
            assert "run make demo first" in page.locator("body").inner_text()
