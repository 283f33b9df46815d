"""Asset checks on the raw tables: the pure checks of `brightcart_pipeline.quality`, wired to Dagster.

Blocking (a failure stops downstream marts in the run): schema drift, duplicate keys, null spikes,
reconciliation with each source and the expectation suites. Spend anomalies warn and never block:
a doubled budget is usually a marketer's decision, to be looked at, not a broken load.

Every check runs on the automation tick after an ingest changed its table, in the run that builds the
models below it (`automation/conditions.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from brightcart_pipeline.automation.conditions import after_ingest
from brightcart_pipeline.quality import CheckOutcome, expectations, reconciliation
from brightcart_pipeline.quality.duplicates import duplicate_keys
from brightcart_pipeline.quality.null_spikes import NULL_WATCHES, NullWatch, null_spikes
from brightcart_pipeline.quality.schema_drift import schema_drift
from brightcart_pipeline.quality.spend_anomalies import RESTATEMENT_DAYS, SPEND_SOURCES, SpendSource, spend_anomalies
from brightcart_pipeline.quality.tables import RawTable, raw_tables
from brightcart_pipeline.settings import get_settings
from brightcart_pipeline.sources import google_ads, hubspot, meta_ads
from brightcart_pipeline.sources.shopify import API_VERSION, build_client
from brightcart_pipeline.warehouse import connect


@contextmanager
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(get_settings(), read_only=True) as con:
        yield con


def to_result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.WARN if outcome.severity == "WARN" else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(passed=outcome.passed, severity=severity, description=outcome.description,
                               metadata=outcome.metadata)


def raw_key(source: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([f"raw_{source}", table])


def warehouse_check(key: dg.AssetKey, name: str, description: str, run: Callable[[duckdb.DuckDBPyConnection],
                    CheckOutcome], blocking: bool = True) -> dg.AssetChecksDefinition:
    """One asset check running a pure check over the warehouse (read-only)."""
    @dg.asset_check(asset=key, name=name, description=description, blocking=blocking,
                    automation_condition=after_ingest())
    def _check() -> dg.AssetCheckResult:
        with warehouse() as con:
            return to_result(run(con))

    return _check


def _table_checks(table: RawTable) -> list[dg.AssetChecksDefinition]:
    key = raw_key(table.source, table.name)
    return [
        warehouse_check(key, "schema_drift", "New columns warn; a retyped column, or a column the pipeline uses "
                        "receiving no values in the latest load, fails (from dlt's schema history).",
                        lambda con: schema_drift(con, table)),
        warehouse_check(key, "unique_primary_key", f"Each ({', '.join(table.primary_key)}) once: the merge on "
                        "the primary key makes reloading a batch idempotent.", lambda con: duplicate_keys(con, table)),
    ]


def _null_check(watch: NullWatch) -> dg.AssetChecksDefinition:
    return warehouse_check(raw_key(watch.source, watch.table), f"null_spike_{watch.name}",
                           f"Daily null share of {watch.column} (where {watch.where}) stays under the previous 7 "
                           "days' mean + max(5 points, 3 std).", lambda con: null_spikes(con, watch))


def _spend_check(spend: SpendSource) -> dg.AssetChecksDefinition:
    return warehouse_check(raw_key(spend.source, spend.table), "spend_anomalies",
                           "Daily spend per account and campaign within max(5 × MAD × 1.4826, 50 % of median, a floor) "
                           f"of the previous 4 same weekdays; the newest {RESTATEMENT_DAYS} days are still being "
                           "restated by the platform and are not judged.",
                           lambda con: spend_anomalies(con, spend), blocking=False)


def _suite_check(suite: expectations.Suite) -> dg.AssetChecksDefinition:
    rules = ", ".join(kind for kind, _ in suite.expectations)
    return warehouse_check(raw_key(suite.source, suite.table), "expectations",
                           f"Great Expectations suite {suite.name} (via pandas): {rules}.",
                           lambda con: expectations.validate(con, suite))


def _reconcile_checks() -> list[dg.AssetChecksDefinition]:
    return [
        warehouse_check(raw_key("google_ads", "campaign_metrics_daily"), "reconcile_with_source",
                        "Spend per day equals Google Ads' own GAQL figure, to the micro. Asked FROM campaign and "
                        "summed: the simulated API has no FROM customer.",
                        lambda con: reconciliation.google_ads_spend(con, google_ads.build_client(get_settings()),
                                                                    get_settings())),
        warehouse_check(raw_key("meta_ads", "ad_insights_daily"), "reconcile_with_source",
                        "Spend per day equals Meta's account-level insights (time_increment=1), to the cent.",
                        lambda con: reconciliation.meta_ads_spend(con, meta_ads.build_client(get_settings()),
                                                                  get_settings())),
        warehouse_check(raw_key("hubspot", "contacts"), "reconcile_with_source",
                        "Contacts (less archived and merged-away) equal HubSpot's search total.",
                        lambda con: reconciliation.hubspot_contacts(con, hubspot.build_client(get_settings()))),
        warehouse_check(raw_key("ga4", "events"), "reconcile_with_source",
                        "Events and sessions per date (internal traffic excluded) equal the Data API report.",
                        reconciliation.ga4_report),
    ]


@dg.asset_check(asset=dg.AssetKey(["raw_shopify", "orders"]), blocking=True, automation_condition=after_ingest(),
                description="Raw orders (plus those erased on request) equal Shopify's own orders/count.json "
                            "(status=any); tolerance zero.")
def shopify_orders_reconcile() -> dg.AssetCheckResult:
    settings = get_settings()
    count_path = f"/admin/api/{API_VERSION}/orders/count.json"
    reported = build_client(settings).get_json(count_path, {"status": "any"})["count"]
    with warehouse() as con:
        loaded, distinct = con.sql("select count(*), count(distinct id) from raw_shopify.orders").fetchone()
        erased = reconciliation.erased_records(con, "shopify", "orders")
    return dg.AssetCheckResult(
        passed=loaded + erased == reported and distinct == loaded,
        metadata={"shopify_count": reported, "warehouse_rows": loaded, "distinct_ids": distinct,
                  "erased_on_request": erased},
        description=None if loaded + erased == reported else
        f"warehouse has {loaded} orders{f' and erased {erased} on request' if erased else ''}, "
        f"Shopify reports {reported}",
    )


quality_checks: list[dg.AssetChecksDefinition] = [
    shopify_orders_reconcile,
    *(check for table in raw_tables() for check in _table_checks(table)),
    *(_null_check(watch) for watch in NULL_WATCHES),
    *(_spend_check(spend) for spend in SPEND_SOURCES),
    *(_suite_check(suite) for suite in expectations.SUITES),
    *_reconcile_checks(),
]
