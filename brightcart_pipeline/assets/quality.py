"""Asset checks that compare the warehouse with what the vendors themselves report."""

import dagster as dg
import duckdb

from brightcart_pipeline.settings import get_settings
from brightcart_pipeline.sources.shopify import API_VERSION, build_client


@dg.asset_check(asset=dg.AssetKey(["raw_shopify", "orders"]),
                description="Raw orders equal Shopify's own orders/count.json (status=any); tolerance zero.")
def shopify_orders_reconcile() -> dg.AssetCheckResult:
    settings = get_settings()
    count_path = f"/admin/api/{API_VERSION}/orders/count.json"
    reported = build_client(settings).get_json(count_path, {"status": "any"})["count"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        loaded, distinct = con.sql("select count(*), count(distinct id) from raw_shopify.orders").fetchone()
    return dg.AssetCheckResult(
        passed=loaded == reported and distinct == loaded,
        metadata={"shopify_count": reported, "warehouse_rows": loaded, "distinct_ids": distinct},
        description=None if loaded == reported else f"warehouse has {loaded} orders, Shopify reports {reported}",
    )
