"""The Dagster code location loads, and its asset graph is the one we mean (a snapshot of keys and deps)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import yaml

from brightcart_pipeline.assets.transform import brightcart_dbt_models
from brightcart_pipeline.automation.schedules import hours_before_deadline
from brightcart_pipeline.definitions import defs
from brightcart_pipeline.settings import PROJECT_ROOT, get_settings
from brightcart_pipeline.sources import available_sources, source_module


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


def test_every_ingest_asset_has_a_freshness_policy_and_the_finance_marts_a_cron_deadline():
    graph = defs.resolve_asset_graph()
    settings = get_settings()
    ingest = [key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "ingest"]
    assert len(ingest) == sum(len(source_module(source).RESOURCES) for source in available_sources())
    for key in ingest:
        policy = graph.get(key).freshness_policy
        assert policy is not None, key
        assert policy.warn_window.to_timedelta() == dt.timedelta(minutes=settings.extract_sla_minutes)
        assert policy.fail_window.to_timedelta() > policy.warn_window.to_timedelta()
    finance = [key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "finance"]
    assert {key.path[-1] for key in finance} == {"finance_daily", "finance_spend_daily", "reconciliation_daily"}
    deadline = settings.finance_deadline_utc
    for key in finance:
        policy = graph.get(key).freshness_policy
        assert policy is not None, key
        assert (policy.deadline_cron, policy.timezone) == (f"{deadline.minute} {deadline.hour} * * *", "UTC")


def label(condition: dg.AutomationCondition | None) -> str | None:
    return condition.get_label() if condition else None


def test_the_automation_sensor_builds_the_models_and_the_finance_marts_on_the_daily_tick():
    graph = defs.resolve_asset_graph()
    sensor = defs.resolve_sensor_def("automation")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    groups = {key: graph.get(key).group_name for key in graph.get_all_asset_keys()}
    for key in brightcart_dbt_models.keys:
        expected = "on_finance_deadline" if groups[key] == "finance" else "after_checked_parents"
        assert label(graph.get(key).automation_condition) == expected, key
    finance_cron = graph.get(dg.AssetKey(["finance", "finance_daily"])).automation_condition
    assert f"on_cron({hours_before_deadline(1)}, UTC)" in {label(child) for child in finance_cron.children}
    assert {label(graph.get(key).automation_condition) for key in groups if groups[key] == "ingest"} == {None}
    raw_checks = {key for key in graph.asset_check_keys if groups[key.asset_key] == "ingest"}
    assert {label(graph.get(key).automation_condition) for key in raw_checks} == {"after_ingest"}
    # The schedules only call the vendors: the marts have one builder, the automation sensor.
    assert {schedule.job_name for schedule in defs.schedules} == {"ingest_daily", "sync_audiences"}


def test_only_vendor_calls_are_retried_never_a_check():
    ingest = defs.resolve_job_def("ingest_daily")
    assert ingest.op_retry_policy is not None and ingest.op_retry_policy.max_retries > 0
    assert ingest.asset_layer.asset_graph.asset_check_keys == set()
    assert defs.resolve_job_def("build_marts").op_retry_policy is None
    # Nor a whole run for a failed step: the instance retries runs whose worker died.
    instance = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    assert instance["run_retries"]["retry_on_asset_or_op_failure"] is False
