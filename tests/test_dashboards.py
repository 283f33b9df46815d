"""The dashboards in a real browser: Streamlit served headless on loopback, driven by headless Chromium.

Each page renders without an exception element, its headline figures equal the same metrics queried
through `brightcart_pipeline.metrics`, every figure carries its definition, and with an empty warehouse
the app says to run `make demo` first. The attribution side-by-side table and the cohort heat map show
exactly what the semantic layer returns. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
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
TABLE = '[data-testid="stTable"]'
DEFAULT_MODEL = "last_non_direct"  # the marketing page's default attribution model


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


def open_page(browser, url: str, ready_text: str, height: int = 1000):
    """`height`: Streamlit scrolls inside its main block, so a screenshot shows only what the viewport holds."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
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


def table_cells(table) -> list[list[str]]:
    """The text of every row (header row first) of a static table (st.table) on the page."""
    return [[cell.strip() for cell in row.locator("th, td").all_inner_texts()] for row in table.locator("tr").all()]


def grid(table) -> dict[tuple[str, str], str]:
    """(row heading, column heading) → displayed cell of a pivoted st.table."""
    header, *rows = [row for row in table_cells(table) if row]
    columns = header[-(len(rows[0]) - 1):]  # the header may lead with an empty corner cell
    return {(row[0], column): value for row in rows for column, value in zip(columns, row[1:], strict=True)}


@pytest.fixture(scope="module")
def built(built_world: BuiltWorld) -> Iterator[BuiltWorld]:
    """The shared warehouse, with metrics read through the semantic manifest of its own build."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIGHTCART_SEMANTIC_MANIFEST", str(built_world.manifest))
        yield built_world


@pytest.fixture(scope="module")
def dashboard(built: BuiltWorld) -> Iterator[tuple[str, object]]:
    """The app served over the shared built warehouse, and a browser to read it with."""
    with streamlit(built.settings.home, built.manifest) as url, chromium() as browser:
        yield url, browser


@pytest.fixture(scope="module")
def period(built: BuiltWorld) -> tuple[dt.date, dt.date]:
    """The page's default date range: every day with orders."""
    return metrics.metric_date_range("orders", built.settings)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def marketing(dashboard):
    url, browser = dashboard
    page = open_page(browser, url, "Cohort LTV", height=7200)
    page.screenshot(path=str(artifact("dashboard_marketing.png")), full_page=True)
    return page


@pytest.fixture(scope="module")
def finance(dashboard):
    url, browser = dashboard
    page = open_page(browser, f"{url}/finance", "Freshness and SLA", height=3200)
    page.screenshot(path=str(artifact("dashboard_finance.png")), full_page=True)
    return page


def test_marketing_page_headline_figures_equal_the_metrics_layer(built, marketing, period):
    assert marketing.locator(EXCEPTION).count() == 0, marketing.locator(EXCEPTION).all_inner_texts()
    definitions = metrics.definitions(built.settings)
    first, last = period
    (plain,) = metrics.query(["net_sales", "spend", "mer", "cac"], start=first, end=last,
                             settings=built.settings).to_dict("records")
    under_default_model = [f"{{{{ Entity('attribution_model') }}}} = '{DEFAULT_MODEL}'"]
    (attributed,) = metrics.query(["attributed_revenue", "attributed_roas"], start=first, end=last,
                                  where=under_default_model, settings=built.settings).to_dict("records")
    shown = figures(marketing)
    assert shown[definitions["net_sales"].label] == money(plain["net_sales"])
    assert shown[definitions["spend"].label] == money(plain["spend"])
    assert shown[definitions["cac"].label] == money(plain["cac"])
    assert shown[definitions["mer"].label] == f"{plain['mer']:.2f}×"
    assert shown[definitions["attributed_revenue"].label] == money(attributed["attributed_revenue"])
    assert shown[definitions["attributed_roas"].label] == f"{attributed['attributed_roas']:.2f}×"
    body = marketing.locator("body").inner_text()
    for name in ("net_sales", "spend", "mer", "cac", "attributed_revenue", "attributed_roas", "platform_roas",
                 "clicks", "sessions", "leads", "orders", "new_customers", "returning_customers", "cohort_ltv"):
        assert definitions[name].description[:40] in body, name  # each figure carries its definition
    assert "Not in the semantic layer yet" not in body
    assert marketing.locator('[data-testid="stVegaLiteChart"]').count() >= 6


def test_attribution_side_by_side_table_equals_attributed_revenue_by_channel_and_model(built, marketing, period):
    first, last = period
    expected = metrics.query(["attributed_revenue"], ["channel", "attribution_model"], first, last,
                             settings=built.settings)
    assert expected["attribution_model"].nunique() > 1  # several models to compare
    shown = grid(marketing.locator(TABLE).nth(0))
    assert shown == {(row.channel, row.attribution_model): money(row.attributed_revenue)
                     for row in expected.itertuples()}


def test_cohort_heat_map_cells_equal_cohort_ltv(built, marketing):
    expected = metrics.query(["cohort_ltv"], ["cohort_month", "months_since_first_order"], settings=built.settings)
    expected = expected[expected["cohort_ltv"].notna()]
    assert not expected.empty
    heat_map = marketing.locator(TABLE).last
    shown = {cell: value for cell, value in grid(heat_map).items() if value != "–"}  # months not reached yet
    assert shown == {(str(row.cohort_month)[:7], str(row.months_since_first_order)): money(row.cohort_ltv)
                     for row in expected.itertuples()}
    coloured = heat_map.locator("td").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell).backgroundColor)")
    assert len(set(coloured)) > 1 or len(shown) == 1  # cells are shaded by value: a heat map


def test_finance_page_shows_the_daily_table_currencies_reconciliation_and_freshness(built, finance, period):
    assert finance.locator(EXCEPTION).count() == 0, finance.locator(EXCEPTION).all_inner_texts()
    definitions = metrics.definitions(built.settings)
    first, last = period
    (expected,) = metrics.query(["net_sales", "refunds", "mer", "cac"], start=first, end=last,
                                settings=built.settings).to_dict("records")
    shown = figures(finance)
    assert shown[definitions["net_sales"].label] == money(expected["net_sales"])
    assert shown[definitions["refunds"].label] == money(expected["refunds"])
    assert shown[definitions["mer"].label] == f"{expected['mer']:.2f}×"
    assert shown[definitions["cac"].label] == money(expected["cac"])
    by_currency = metrics.query(["net_sales_presentment_currency", "net_sales"], ["currency"], first, last,
                                settings=built.settings)
    currencies = {row[0]: row for row in table_cells(finance.locator(TABLE).first)[1:] if row}
    assert set(currencies) == set(by_currency["currency"])
    for row in by_currency.itertuples():
        assert f"{row.net_sales_presentment_currency:,.2f} {row.currency}" in currencies[row.currency]
        assert money(row.net_sales) in currencies[row.currency]
    body = finance.locator("body").inner_text()
    assert "Daily finance table" in body and "Last build" in body
    assert any(status in body for status in ("Reconciled", "Does not reconcile", "Reconciled where reported"))
    assert "Finance SLA met" in body  # the built world raised no finance SLA alert


def test_empty_warehouse_says_to_run_make_demo_first(tmp_path, built, dashboard):
    _, browser = dashboard  # one Playwright per process: the module's browser reads this second app too
    with streamlit(tmp_path / "empty_home", built.manifest) as url:
        for path in ("", "/finance"):
            page = open_page(browser, url + path, "make demo")
            page.screenshot(path=str(artifact(f"dashboard_empty{path.replace('/', '_') or '_marketing'}.png")))
            assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).all_inner_texts()
            assert "run make demo first" in page.locator("body").inner_text()
