"""The Dagster code location loads, and its asset graph is the one we mean (a snapshot of keys and deps)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from brightcart_pipeline.definitions import defs
from brightcart_pipeline.settings import PROJECT_ROOT


def test_dagster_validates_the_code_location(tmp_path):
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT, env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_asset_graph_connects_ingest_to_marts():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw_shopify/orders", "raw_shopify/customers", "staging/stg_shopify__orders",
            "staging/stg_shopify__refund_lines", "core/fct_orders", "reference/fx_rates_daily"} <= keys
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey(["staging", "stg_shopify__orders"])).parent_keys}
    assert parents == {"raw_shopify/orders", "privacy/deletion_requests"}
    fct_parents = {k.to_user_string() for k in graph.get(dg.AssetKey(["core", "fct_orders"])).parent_keys}
    assert fct_parents == {"staging/stg_shopify__orders", "staging/stg_shopify__refund_lines",
                           "intermediate/int_order_persons"}  # new vs returning per resolved person


def test_ingest_assets_are_partitioned_pooled_and_grouped():
    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey(["raw_shopify", "orders"]))
    assert node.partitions_def is not None
    assert node.group_name == "ingest"
    assert node.pools == {"shopify_api"}


def test_jobs_split_ingest_from_the_build():
    assert {job.name for job in defs.resolve_all_job_defs()} >= {"ingest_daily", "build_marts"}
    check_keys = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "shopify_orders_reconcile" in check_keys
