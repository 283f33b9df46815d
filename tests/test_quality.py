"""Data-quality checks: each one fails, with a useful message, on the fault it exists for, and a clean
30-day world raises no false alarm.

One simulator serves a 30-day world. The clean run ingests every source once over the whole window;
fault tests ingest a few days of one source into their own warehouse, or edit a copy of the clean
warehouse where the simulator has no matching fault (null spikes, spend anomalies, bad values).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import dlt
import duckdb
import pytest

from brightcart_pipeline.assets import quality as quality_assets
from brightcart_pipeline.assets.transform import dbt_env
from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.lake.landing import RAW, RecordContract, lake_key, new_landing_id
from brightcart_pipeline.privacy.deletion import ensure_schema, record_erasures
from brightcart_pipeline.quality import expectations, reconciliation
from brightcart_pipeline.quality.baselines import DayShare, trailing_share_breaches, weekday_breaches
from brightcart_pipeline.quality.duplicates import duplicate_keys
from brightcart_pipeline.quality.null_spikes import NULL_WATCHES, null_spikes
from brightcart_pipeline.quality.schema_drift import schema_drift
from brightcart_pipeline.quality.spend_anomalies import SPEND_SOURCES, spend_anomalies
from brightcart_pipeline.quality.tables import RawTable, raw_table, raw_tables
from brightcart_pipeline.settings import SOURCES, Settings
from brightcart_pipeline.simulator.faults import Fault, FaultPlan, SchemaDrift
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources import google_ads, hubspot, meta_ads
from brightcart_pipeline.sources.base import ExtractWindow, ResourceSpec, resource
from brightcart_pipeline.warehouse import connect
from tests.conftest import settings_for

pytestmark = pytest.mark.integration

# Tiny on purpose: GA4's export dominates the ingest time (measured ~10K events at this scale).
WORLD = WorldConfig(seed=5, start=dt.date(2026, 10, 1), days=30, scale=0.00001)
FIRST = WORLD.first_utc_day


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(WORLD) as running:
        yield running


@pytest.fixture
def clean_faults(server: SimulatorServer) -> Iterator[SimulatorServer]:
    server.context.faults.replace(FaultPlan())
    yield server
    server.context.faults.replace(FaultPlan())


@pytest.fixture(scope="module")
def clean(server: SimulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Every source ingested incrementally over the whole window, one run each."""
    server.context.faults.replace(FaultPlan())
    settings = settings_for(tmp_path_factory.mktemp("clean"), server)
    for source in SOURCES:
        run_ingest(settings, source, ExtractWindow(FIRST, WORLD.end))
    return settings


@pytest.fixture
def edited(clean: Settings, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of the clean warehouse, for faults the simulator cannot produce."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(clean.warehouse_path, copy)
    with connect(clean.model_copy(update={"duckdb_path": copy})) as con:
        yield con


def use_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point the Dagster checks (which read the process settings) at this warehouse and simulator."""
    monkeypatch.setattr(quality_assets, "get_settings", lambda: settings)


def ingest(server: SimulatorServer, home: Path, source: str, days: int, plan: FaultPlan | None = None,
           **overrides: object) -> Settings:
    server.context.faults.replace(plan or FaultPlan())
    settings = settings_for(home, server, **overrides)
    run_ingest(settings, source, ExtractWindow(FIRST, WORLD.start + dt.timedelta(days=days)))
    return settings


def warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    return connect(settings, read_only=True)


# -- the rules ----------------------------------------------------------------------------------------------
def test_trailing_share_rule_flags_a_jump_over_mean_plus_floor_or_three_sigma():
    start = dt.date(2026, 10, 1)
    days = [DayShare(start + dt.timedelta(days=i), 100, 0.10) for i in range(7)]
    assert trailing_share_breaches([*days, DayShare(start + dt.timedelta(days=7), 100, 0.14)]) == []
    (breach,) = trailing_share_breaches([*days, DayShare(start + dt.timedelta(days=7), 100, 0.16)])
    assert breach.day == start + dt.timedelta(days=7) and breach.limit == pytest.approx(0.15)
    assert trailing_share_breaches([*days, DayShare(start + dt.timedelta(days=7), 5, 0.8)]) == []  # too few rows


def test_weekday_rule_is_robust_to_one_odd_week_and_skips_restating_days():
    start = dt.date(2026, 9, 1)
    series = {start + dt.timedelta(weeks=w): v for w, v in enumerate([100.0, 104.0, 400.0, 98.0, 102.0, 300.0])}
    breaches = weekday_breaches(series, last_judged=start + dt.timedelta(weeks=5))
    assert [b.day for b in breaches] == [start + dt.timedelta(weeks=5)]  # week 2's 400 had too little history
    assert weekday_breaches(series, last_judged=start + dt.timedelta(weeks=4)) == []


# -- the clean world: no false alarms ----------------------------------------------------------------------
def test_clean_world_raises_no_false_alarm(clean):
    with warehouse(clean) as con:
        outcomes = [
            *(check(con, table) for table in raw_tables() for check in (schema_drift, duplicate_keys)),
            *(null_spikes(con, watch) for watch in NULL_WATCHES),
            *(spend_anomalies(con, spend) for spend in SPEND_SOURCES),
            *(expectations.validate(con, suite) for suite in expectations.SUITES),
            reconciliation.google_ads_spend(con, google_ads.build_client(clean), clean),
            reconciliation.meta_ads_spend(con, meta_ads.build_client(clean), clean),
            reconciliation.hubspot_contacts(con, hubspot.build_client(clean)),
            reconciliation.ga4_report(con),
        ]
        spend = spend_anomalies(con, SPEND_SOURCES[0])
    failed = [o.description for o in outcomes if not o.passed or o.severity == "WARN"]
    assert failed == []
    assert spend.metadata["judged_through"] == str(WORLD.end - dt.timedelta(days=4))  # restating days skipped


def test_dagster_checks_pass_on_the_clean_world(clean, monkeypatch):
    use_settings(monkeypatch, clean)
    results = {}
    for check in quality_assets.quality_checks:
        (key,) = check.check_keys
        results[key.to_user_string()] = check()
    failed = {name: r.description for name, r in results.items() if not r.passed}
    assert failed == {}
    assert len(results) == len(quality_assets.quality_checks)
    assert "raw_google_ads/campaign_metrics_daily:reconcile_with_source" in results
    blocking = {spec.key.name for check in quality_assets.quality_checks for spec in check.check_specs if spec.blocking}
    assert {"schema_drift", "unique_primary_key", "reconcile_with_source", "expectations"} <= blocking
    assert "spend_anomalies" not in blocking


# -- schema drift (simulator fault) ------------------------------------------------------------------------
def drift_everywhere(vendor: str, resource: str, drift: SchemaDrift) -> FaultPlan:
    """The vendor changes a field for good: every data day from now on is drifted."""
    return FaultPlan(faults=[Fault(vendor=vendor, kind="schema_drift", resource=resource, on=day, drift=drift)
                             for day in [FIRST, *WORLD.dates]])


def test_schema_drift_rename_fails_and_an_added_field_warns(clean_faults, tmp_path):
    server, table = clean_faults, raw_table("google_ads", "campaign_metrics_daily")
    broken = ingest(server, tmp_path / "broken", "google_ads", 4, google_ads_lookback_days=1)
    drift = SchemaDrift(rename={"metrics.costMicros": "spendMicros"})
    ingest(server, tmp_path / "broken", "google_ads", 6, drift_everywhere("google_ads", "campaign", drift),
           google_ads_lookback_days=1)
    with warehouse(broken) as con:
        outcome = schema_drift(con, table)
    assert not outcome.passed and outcome.severity == "ERROR"
    assert "raw_google_ads.campaign_metrics_daily" in outcome.description
    assert "'metrics__cost_micros' received no values" in outcome.description
    assert "metrics__spend_micros" in outcome.metadata["added_columns"]

    added = ingest(server, tmp_path / "added", "google_ads", 4, google_ads_lookback_days=1)
    ingest(server, tmp_path / "added", "google_ads", 6,
           drift_everywhere("google_ads", "campaign", SchemaDrift(add="campaign.labelName")),
           google_ads_lookback_days=1)
    with warehouse(added) as con:
        outcome = schema_drift(con, table)
    assert outcome.passed and outcome.severity == "WARN"
    assert "campaign__label_name" in outcome.description


def test_schema_drift_fails_on_a_retyped_column(tmp_path):
    """The simulator's retype swaps numbers and numeric strings, which dlt coerces back into the existing
    column; a value that cannot be coerced is what makes a variant column, so a real dlt load makes one."""
    spec = ResourceSpec(name="orders", primary_key=("id",), contract=RecordContract(required=("id",)))
    pipeline = dlt.pipeline(pipeline_name="probe", destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
                            dataset_name="raw_probe", pipelines_dir=str(tmp_path / "dlt"))
    pipeline.run([{"id": 1, "total": 10.5}], table_name="orders", primary_key="id", write_disposition="merge")
    pipeline.run([{"id": 2, "total": "ten"}], table_name="orders", primary_key="id", write_disposition="merge")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        outcome = schema_drift(con, RawTable("probe", spec))
    assert not outcome.passed
    assert "column 'total' changed type (values now land in 'total__v_text')" in outcome.description


def hubspot_contact(contact_id: int, merged: str | None = None) -> dict:
    moment = "2026-10-01T09:00:00.000Z"
    return {"id": str(contact_id), "createdAt": moment, "updatedAt": moment,
            "properties": {"lastmodifieddate": moment, "hs_merged_object_ids": merged}}


def probe_pipeline(folder: Path) -> dlt.Pipeline:
    return dlt.pipeline(pipeline_name="probe", destination=dlt.destinations.duckdb(str(folder / "w.duckdb")),
                        dataset_name="raw_hubspot", pipelines_dir=str(folder / "dlt"))


def test_a_documented_hubspot_property_getting_its_first_value_is_not_drift(tmp_path):
    """HubSpot sends `hs_merged_object_ids` as null until a contact absorbs a duplicate: the declared column
    exists from the first load, so the first merge is no new field. Undeclared, the same loads warn."""
    def drift_after_first_merge(spec: ResourceSpec, folder: Path) -> reconciliation.CheckOutcome:
        pipeline = probe_pipeline(folder)
        pipeline.run(resource(spec, [[hubspot_contact(1)]]))
        pipeline.run(resource(spec, [[hubspot_contact(2, merged="1")]]))
        with duckdb.connect(str(folder / "w.duckdb"), read_only=True) as con:
            return schema_drift(con, RawTable("hubspot", spec))

    declared = drift_after_first_merge(hubspot.CONTACTS, tmp_path / "declared")
    assert declared.passed and declared.severity != "WARN", declared.description
    undeclared = drift_after_first_merge(
        ResourceSpec(name="contacts", primary_key=("id",), contract=hubspot.CONTACTS.contract), tmp_path / "bare")
    assert undeclared.severity == "WARN" and "properties__hs_merged_object_ids" in undeclared.description


def test_a_table_receiving_its_first_rows_is_not_drift(tmp_path):
    """Archived deals stay empty until a deal is archived: the schema knew the table (its declared hints) before
    any row came, and its first rows are its first shape."""
    pipeline = probe_pipeline(tmp_path)
    # An empty page, as the archived listing answers: the table enters the schema with its hints only.
    pipeline.run([resource(hubspot.CONTACTS, [[hubspot_contact(1)]]), resource(hubspot.ARCHIVED_DEALS, [[]])])
    archived = {"id": "7", "archivedAt": "2026-10-02T09:00:00.000Z", "archived": True,
                "properties": {"dealname": "upsell", "amount": "10.00"}}
    pipeline.run([resource(hubspot.CONTACTS, [[hubspot_contact(2)]]), resource(hubspot.ARCHIVED_DEALS, [[archived]])])
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        outcome = schema_drift(con, RawTable("hubspot", hubspot.ARCHIVED_DEALS))
        rows = con.sql("select count(*) from raw_hubspot.archived_deals").fetchone()[0]
    assert rows == 1
    assert outcome.passed and outcome.severity != "WARN", outcome.description


def test_reconciliation_counts_records_erased_on_request_as_the_vendor_still_does(clean, server, tmp_path,
                                                                                  monkeypatch):
    """A forgotten person's contact and order are gone from raw while HubSpot and Shopify still count them:
    without their tombstones both reconciliations fail, with them both pass."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(clean.warehouse_path, copy)
    settings = settings_for(tmp_path, server, duckdb_path=copy)
    use_settings(monkeypatch, settings)
    shopify_check = quality_assets.shopify_orders_reconcile
    with connect(settings) as con:
        contact_id, created = con.sql("select id, created_at from raw_hubspot.contacts order by id limit 1").fetchone()
        (order_id,) = con.sql("select id from raw_shopify.orders order by id limit 1").fetchone()
        con.execute("delete from raw_hubspot.contacts where id = ?", [contact_id])
        con.execute("delete from raw_shopify.orders where id = ?", [order_id])
        assert not reconciliation.hubspot_contacts(con, hubspot.build_client(settings)).passed
    assert not shopify_check().passed

    landing = new_landing_id()
    removed = {lake_key(RAW, "hubspot", "contacts", WORLD.start, landing, 1): [{"id": str(contact_id),
                                                                               "createdAt": created.isoformat()}],
               # landed twice, one record
               lake_key(RAW, "shopify", "orders", WORLD.start, landing, 2): [{"id": order_id}] * 2}
    with connect(settings) as con:
        ensure_schema(con)
        assert record_erasures(con, "request-1", removed) == 2
        outcome = reconciliation.hubspot_contacts(con, hubspot.build_client(settings))
        assert outcome.passed, outcome.description
        assert outcome.metadata["erased"] == 1
    result = shopify_check()
    assert result.passed and result.metadata["erased_on_request"].value == 1


# -- duplicates ----------------------------------------------------------------------------------------------
def test_duplicate_records_from_the_api_merge_away_and_a_second_load_of_a_row_fails(clean_faults, tmp_path):
    day = WORLD.start + dt.timedelta(days=1)
    plan = FaultPlan(faults=[Fault(vendor="google_ads", kind="duplicate_records", resource="campaign", on=day,
                                   count=3)])
    settings = ingest(clean_faults, tmp_path, "google_ads", 3, plan)
    ingest(clean_faults, tmp_path, "google_ads", 3, plan)  # the same batch again: still idempotent
    table = raw_table("google_ads", "campaign_metrics_daily")
    assert sum(clean_faults.context.faults.fired.values()) >= 3
    with warehouse(settings) as con:
        assert duplicate_keys(con, table).passed
    with connect(settings) as con:
        # What an append instead of a merge would leave behind: the same key twice.
        con.execute(f"insert into {table.qualified} select * from {table.qualified} limit 1")
        outcome = duplicate_keys(con, table)
    assert not outcome.passed
    assert "1 duplicate rows on (campaign__id, segments__date)" in outcome.description
    assert "raw/google_ads/campaign_metrics_daily/dt=" in outcome.description  # names the landed file


# -- null spikes and spend anomalies (direct edits of a clean warehouse) ----------------------------------
def test_null_spike_in_campaign_id_fails_naming_the_day(edited):
    last = edited.execute("select max(date_start) from raw_meta_ads.ad_insights_daily").fetchone()[0]
    edited.execute("update raw_meta_ads.ad_insights_daily set campaign_id = null where date_start = ? "
                   "and hash(ad_id) % 2 = 0", [last])
    outcome = null_spikes(edited, next(w for w in NULL_WATCHES if w.name == "meta_ads_campaign_id"))
    assert not outcome.passed
    assert "raw_meta_ads.ad_insights_daily.campaign_id" in outcome.description
    assert outcome.metadata["breach_days"] == [last]
    assert "baseline 0.0%" in outcome.description


def test_spend_anomaly_fails_but_a_spike_in_the_restating_days_is_not_judged(edited):
    table = "raw_google_ads.campaign_metrics_daily"
    # The busiest campaign: at this tiny scale the others spend less than the absolute floor.
    campaign, newest = edited.execute(
        f"select arg_max(campaign__id, metrics__cost_micros::hugeint), max(segments__date) from {table}").fetchone()
    settled = (dt.date.fromisoformat(newest) - dt.timedelta(days=5)).isoformat()
    restating = (dt.date.fromisoformat(newest) - dt.timedelta(days=1)).isoformat()
    edited.execute(f"update {table} set metrics__cost_micros = (metrics__cost_micros::hugeint * 100)::varchar "
                   "where campaign__id = ? and segments__date in (?, ?)", [campaign, settled, restating])
    outcome = spend_anomalies(edited, SPEND_SOURCES[0])
    assert not outcome.passed
    assert [(a["campaign"], a["day"]) for a in outcome.metadata["anomalies"]] == [(campaign, settled)]
    assert f"campaign {campaign} on {settled}" in outcome.description and "same-weekday median" in outcome.description


# -- reconciliation (simulator faults: records the extract could not load) --------------------------------
def test_google_and_meta_spend_reconcile_fails_when_rows_were_dead_lettered(clean_faults, tmp_path):
    day = WORLD.start + dt.timedelta(days=1)
    plan = FaultPlan(faults=[Fault(vendor="google_ads", kind="malformed_records", resource="campaign", on=day, count=1),
                             Fault(vendor="meta_ads", kind="malformed_records", resource="insights", on=day, count=2)])
    google = ingest(clean_faults, tmp_path / "google", "google_ads", 3, plan)
    meta = ingest(clean_faults, tmp_path / "meta", "meta_ads", 3, plan)
    clean_faults.context.faults.replace(FaultPlan())  # the API answers the truth again
    with warehouse(google) as con:
        google_outcome = reconciliation.google_ads_spend(con, google_ads.build_client(google), google)
    with warehouse(meta) as con:
        meta_outcome = reconciliation.meta_ads_spend(con, meta_ads.build_client(meta), meta)
    for outcome in (google_outcome, meta_outcome):
        assert not outcome.passed
        assert f"{day}: source reports" in outcome.description
        assert outcome.metadata["problems"] == 1


def test_hubspot_reconcile_fails_when_contacts_were_dead_lettered(clean_faults, tmp_path, monkeypatch):
    day = WORLD.start + dt.timedelta(days=2)
    plan = FaultPlan(faults=[Fault(vendor="hubspot", kind="malformed_records", resource="contacts", on=day, count=2)])
    settings = ingest(clean_faults, tmp_path, "hubspot", 5, plan)
    clean_faults.context.faults.replace(FaultPlan())
    use_settings(monkeypatch, settings)
    check = next(c for c in quality_assets.quality_checks
                 if dg.AssetKey(["raw_hubspot", "contacts"]) in {k.asset_key for k in c.check_keys}
                 and {k.name for k in c.check_keys} == {"reconcile_with_source"})
    result = check()
    assert not result.passed
    assert "HubSpot reports" in result.description and "warehouse has" in result.description
    assert result.metadata["hubspot_total"].value == result.metadata["warehouse_contacts"].value + 2


def test_ga4_reconcile_fails_when_the_export_lost_events_the_report_counts(clean_faults, tmp_path):
    day = WORLD.start + dt.timedelta(days=1)
    plan = FaultPlan(faults=[Fault(vendor="ga4", kind="deleted_records", resource="events", on=day, count=2)])
    settings = ingest(clean_faults, tmp_path, "ga4", 3, plan)
    with warehouse(settings) as con:
        outcome = reconciliation.ga4_report(con)
    assert not outcome.passed
    assert "('" + day.strftime("%Y%m%d") + "', 'events'): source reports" in outcome.description


# -- Great Expectations --------------------------------------------------------------------------------------
def test_expectation_suites_fail_on_negative_cost_clicks_over_impressions_and_bad_currency(edited):
    edited.execute("update raw_google_ads.ad_metrics_daily set metrics__cost_micros = '-5' "
                   "where _dlt_id = (select min(_dlt_id) from raw_google_ads.ad_metrics_daily)")
    edited.execute("update raw_meta_ads.ad_insights_daily set inline_link_clicks = (impressions::bigint + 1)::varchar "
                   "where _dlt_id = (select min(_dlt_id) from raw_meta_ads.ad_insights_daily)")
    edited.execute("update raw_shopify.orders set currency = 'XXX', total_price = 'twelve' "
                   "where id = (select min(id) from raw_shopify.orders)")
    suites = {suite.name: suite for suite in expectations.SUITES}
    google = expectations.validate(edited, suites["google_ads.ad_metrics_daily"])
    meta = expectations.validate(edited, suites["meta_ads.ad_insights_daily"])
    shopify = expectations.validate(edited, suites["shopify.orders"])
    assert not google.passed and "expect_column_values_to_be_between on cost: 1 of" in google.description
    assert not meta.passed and "impressions vs clicks" in meta.description
    assert not shopify.passed and shopify.metadata["failed_expectations"] == 2
    assert "XXX" in shopify.description and "twelve" in shopify.description
    assert expectations.validate(edited, suites["google_ads.campaign_metrics_daily"]).passed


# -- a failing blocking check stops the marts in the run ----------------------------------------------------
SHOPIFY_ORDERS = dg.AssetKey(["raw_shopify", "orders"])
# The Shopify-only models below the raw orders (fct_orders also reads the identity graph, i.e. every source).
MODELS_BELOW_ORDERS = {dg.AssetKey(["staging", "stg_shopify__orders"]),
                       dg.AssetKey(["staging", "stg_shopify__refund_lines"])}


def build_below_orders(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                       instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """The run the automation sensor launches after an ingest of Shopify orders: the raw table's checks and the
    models below it, here through the build_marts job of the real code location, against `settings`."""
    from brightcart_pipeline.definitions import defs

    use_settings(monkeypatch, settings)
    for name, value in dbt_env(settings).items():
        monkeypatch.setenv(name, value)
    checks = {key for key in defs.resolve_asset_graph().asset_check_keys if key.asset_key == SHOPIFY_ORDERS}
    job = defs.resolve_job_def("build_marts").get_subset(asset_selection=MODELS_BELOW_ORDERS,
                                                         asset_check_selection=checks)
    return job.execute_in_process(instance=instance, raise_on_error=False)


def materialised(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def test_failing_orders_reconciliation_stops_the_marts_until_the_orders_are_reloaded(clean_faults, tmp_path,
                                                                                     monkeypatch):
    server = clean_faults
    day = WORLD.start + dt.timedelta(days=3)
    plan = FaultPlan(faults=[Fault(vendor="shopify", kind="malformed_records", resource="orders", on=day, count=2)])
    settings = ingest(server, tmp_path, "shopify", WORLD.days, plan)
    assert sum(server.context.faults.fired.values()) == 2
    server.context.faults.replace(FaultPlan())
    shop_orders = len(true_orders(server.world, server.context.as_of_us))

    with dg.instance_for_test() as instance:
        broken = build_below_orders(settings, monkeypatch, instance)
        (reconcile,) = [e.event_specific_data for e in broken.all_events if e.event_type_value ==
                        "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == "shopify_orders_reconcile"]
        assert not broken.success
        assert not reconcile.passed
        assert reconcile.description == f"warehouse has {shop_orders - 2} orders, Shopify reports {shop_orders}"
        assert materialised(broken) == set()
        assert {e.step_key for e in broken.all_events if e.event_type_value == "STEP_FAILURE"} == {
            "raw_shopify__orders_shopify_orders_reconcile"}

        # The fix: the affected days pulled again from the API, which now answers well.
        run_ingest(settings, "shopify", ExtractWindow(FIRST, WORLD.end, partitioned=True))
        fixed = build_below_orders(settings, monkeypatch, instance)
        assert fixed.success
        assert materialised(fixed) == MODELS_BELOW_ORDERS
    with warehouse(settings) as con:
        assert con.sql("select count(*) from staging.stg_shopify__orders").fetchone()[0] == shop_orders
