"""Great Expectations suites per raw table family, validated through pandas.

GX's SQL path fails on DuckDB here (it reads results after closing the connection, see STACK.md), so
each table is read into a dataframe with the casts the expectations need, then validated in an
ephemeral context. GX earns its place for the row-level rules (sets, patterns, column pairs) whose
results it reports with counts and sample values; aggregate rules stay in SQL elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from brightcart_pipeline.quality.outcome import CheckOutcome
from brightcart_pipeline.quality.tables import table_exists

# Currencies BrightCart sells and advertises in: anything else means a mis-mapped field.
CURRENCIES = ("USD", "EUR", "GBP")
MONEY_PATTERN = r"^-?\d+(?:\.\d{1,2})?$"


@dataclass(frozen=True)
class Suite:
    name: str
    source: str
    table: str
    sql: str  # the columns the expectations read, cast where the raw table keeps API strings
    expectations: tuple[tuple[str, dict[str, Any]], ...]  # (GX expectation class name, kwargs)

    @property
    def qualified(self) -> str:
        return f"raw_{self.source}.{self.table}"


def _ad_metrics(source: str, table: str, cost: str, clicks: str, impressions: str) -> Suite:
    return Suite(
        f"{source}.{table}", source, table,
        f"select try_cast({cost} as double) as cost, try_cast({clicks} as bigint) as clicks, "
        f"try_cast({impressions} as bigint) as impressions from raw_{source}.{table}",
        (("ExpectColumnValuesToNotBeNull", {"column": "cost"}),
         ("ExpectColumnValuesToBeBetween", {"column": "cost", "min_value": 0}),
         ("ExpectColumnPairValuesAToBeGreaterThanB",
          {"column_A": "impressions", "column_B": "clicks", "or_equal": True,
           "ignore_row_if": "either_value_is_missing"})),
    )


SUITES = (
    Suite("shopify.orders", "shopify", "orders",
          "select id, currency, presentment_currency, total_price from raw_shopify.orders",
          (("ExpectColumnValuesToNotBeNull", {"column": "id"}),
           ("ExpectColumnValuesToBeUnique", {"column": "id"}),
           ("ExpectColumnValuesToBeInSet", {"column": "currency", "value_set": list(CURRENCIES)}),
           ("ExpectColumnValuesToBeInSet", {"column": "presentment_currency", "value_set": list(CURRENCIES)}),
           ("ExpectColumnValuesToNotBeNull", {"column": "total_price"}),
           ("ExpectColumnValuesToMatchRegex", {"column": "total_price", "regex": MONEY_PATTERN}))),
    *(_ad_metrics("google_ads", table, "metrics__cost_micros", "metrics__clicks", "metrics__impressions")
      for table in ("campaign_metrics_daily", "ad_metrics_daily")),
    # Meta's `clicks` counts every click on the ad; only link clicks are bounded by impressions of the link.
    _ad_metrics("meta_ads", "ad_insights_daily", "spend", "inline_link_clicks", "impressions"),
)


@cache
def _context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # slow to import: only when a suite actually runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(con: duckdb.DuckDBPyConnection, suite: Suite) -> CheckOutcome:
    if not table_exists(con, f"raw_{suite.source}", suite.table):
        return CheckOutcome.ok(f"{suite.qualified} has not been loaded yet")
    import great_expectations as gx

    frame = con.execute(suite.sql).df()
    context = _context()
    try:
        data_source = context.data_sources.get(suite.name)
    except (KeyError, ValueError):
        data_source = context.data_sources.add_pandas(suite.name)
        data_source.add_dataframe_asset(suite.table).add_batch_definition_whole_dataframe("all")
    batch = data_source.get_asset(suite.table).get_batch_definition("all").get_batch(
        batch_parameters={"dataframe": frame})
    expectations = gx.ExpectationSuite(
        name=suite.name, expectations=[getattr(gx.expectations, kind)(**kwargs) for kind, kwargs in suite.expectations])
    result = batch.validate(expectations)
    problems = []
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        column = config.kwargs.get("column") or f"{config.kwargs.get('column_A')} vs {config.kwargs.get('column_B')}"
        sample = [str(v) for v in (item.result.get("partial_unexpected_list") or [])[:3]]
        problems.append(f"{config.type} on {column}: {item.result.get('unexpected_count')} of "
                        f"{item.result.get('element_count')} rows fail (e.g. {', '.join(sample)})")
    metadata = {"table": suite.qualified, "suite": suite.name, "rows": len(frame),
                "expectations": len(result.results), "failed_expectations": len(problems)}
    if problems:
        return CheckOutcome.failed(problems, f"expectation suite {suite.name} fails on {suite.qualified}", **metadata)
    return CheckOutcome.ok(f"{suite.qualified}: all {len(result.results)} expectations of {suite.name} hold",
                           **metadata)
