"""The columnar decoder of BigQuery's tabledata.list pages (split by DuckDB), and the vectorised contract on it.

Pages come from the simulator's GA4 export; counts and ids are checked against its ground truth, and the
columns against the dict decoder (the shape dlt's row normaliser gave the raw table) on the same pages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import dlt
import duckdb
import orjson
import pyarrow as pa
import pytest
import requests

from brightcart_pipeline.lake.landing import Landing, WirePage, decode_records, decode_wire_page
from brightcart_pipeline.lake.store import LocalLake
from brightcart_pipeline.quality.schema_drift import schema_drift
from brightcart_pipeline.quality.tables import RawTable
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.faults import Fault, FaultPlan, SchemaDrift
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_web import ga4_click_ids, ga4_event_counts, ga4_transaction_ids
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources import bigquery_wire
from brightcart_pipeline.sources.bigquery_duckdb import decode_page
from brightcart_pipeline.sources.bigquery_wire import FLATTEN_DEPTH, decode_row, page_token
from brightcart_pipeline.sources.columnar import batched, land_wire_page
from brightcart_pipeline.sources.ga4 import EVENTS

WORLD = WorldConfig(seed=11, start=dt.date(2026, 10, 1), days=3, scale=0.0001)
CLOCK = dt.datetime(2026, 10, 4, 6, tzinfo=dt.UTC)
DATE = dt.date(2026, 10, 2)
AUTH = {"Authorization": f"Bearer {DEV_CREDENTIALS['ga4_access_token']}"}
DATASET = f"/bigquery/v2/projects/{Settings.model_fields['ga4_export_project'].default}/datasets/analytics_314159265"


@pytest.fixture(scope="module")
def server():
    with SimulatorServer(WORLD) as running:
        running.context.set_clock(CLOCK)
        yield running


def table_pages(server: SimulatorServer, date: dt.date, faults: list[Fault] | None = None) -> list[WirePage]:
    """Every page of one export table, as the wire pages the source lands."""
    server.context.faults.replace(FaultPlan(faults=faults or []))
    try:
        table = f"{server.base_url}{DATASET}/tables/events_{date:%Y%m%d}"
        context = {"fields": requests.get(table, headers=AUTH, timeout=60).json()["schema"]["fields"]}
        pages, token = [], None
        while True:
            params = {"maxResults": 500, **({"pageToken": token} if token else {})}
            body = requests.get(f"{table}/data", params=params, headers=AUTH, timeout=60).content
            pages.append(WirePage(bigquery_wire.FORMAT, context, body))
            token = pages[-1].parsed.get("pageToken")
            if not token:
                return pages
    finally:
        server.context.faults.replace(FaultPlan())


def flattened(record: dict[str, Any], depth: int = 0, prefix: str = "") -> dict[str, Any]:
    """A dict-decoded row as the raw table holds it: objects flattened FLATTEN_DEPTH deep, the rest JSON text."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, dict) and depth < FLATTEN_DEPTH:
            out |= flattened(value, depth + 1, f"{prefix}{name}__")
        elif isinstance(value, dict | list):
            out[prefix + name] = orjson.dumps(value).decode()
        else:
            out[prefix + name] = value
    return out


def without_nulls(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def test_columns_equal_the_dict_decoder_on_the_same_pages(server):
    """Clean and drifted tables (an added column, a retyped one): column for column what the dict decoder gives."""
    drift = SchemaDrift(add="session_traffic_source_last_click", retype=["ecommerce.purchase_revenue"])
    drifted_date = DATE + dt.timedelta(days=1)
    drifted = [Fault(vendor="ga4", kind="schema_drift", on=drifted_date, resource="events", drift=drift)]
    added, retyped = [], set()
    for page in [*table_pages(server, DATE), *table_pages(server, drifted_date, drifted)]:
        rows, fields = page.parsed["rows"], page.context["fields"]
        decoded = decode_page(page.body, fields)
        added += decoded.arrays.get("session_traffic_source_last_click", pa.array([])).to_pylist()
        retyped.add(decoded.arrays["ecommerce__purchase_revenue"].type)
        # Nulls left out on both sides: a record sent as null is one null for the dict decoder and null
        # flattened columns here, and the raw table holds the same NULLs either way.
        expected = [without_nulls(flattened(decode_row(row, fields))) for row in rows]
        assert [without_nulls(row) for row in decoded.table().to_pylist()] == expected
        assert not decoded.malformed
    # The table's rows of the drifted data day carry the added column; the retyped one arrives as text.
    assert set(added) == {"drift"}
    assert retyped == {pa.float64(), pa.string()}


def json_values(row: dict[str, Any], json_columns: set[str]) -> dict[str, Any]:
    """A row with its JSON columns parsed: the decoders agree on values (a number may be spelled differently)."""
    return {k: orjson.loads(v) if k in json_columns and v is not None else v for k, v in row.items()}


def test_nested_edge_values_decode_as_the_dict_decoder_decodes_them():
    """What the export does not send today but BigQuery may: text in nested numbers, NaN, huge floats, booleans,
    escapes, null and empty REPEATED fields, null records at every depth."""
    value = {"name": "value", "type": "RECORD", "mode": "NULLABLE", "fields": [
        {"name": "int_value", "type": "INTEGER", "mode": "NULLABLE"},
        {"name": "float_value", "type": "FLOAT", "mode": "NULLABLE"},
        {"name": "flag", "type": "BOOLEAN", "mode": "NULLABLE"},
        {"name": "text", "type": "STRING", "mode": "NULLABLE"}]}
    fields = [{"name": "id", "type": "INTEGER", "mode": "NULLABLE"},
              {"name": "params", "type": "RECORD", "mode": "REPEATED",
               "fields": [{"name": "key", "type": "STRING", "mode": "NULLABLE"}, value]},
              {"name": "counts", "type": "INTEGER", "mode": "REPEATED"},
              {"name": "device", "type": "RECORD", "mode": "NULLABLE", "fields": [
                  {"name": "category", "type": "STRING", "mode": "NULLABLE"},
                  {"name": "web_info", "type": "RECORD", "mode": "NULLABLE",
                   "fields": [{"name": "browser", "type": "STRING", "mode": "NULLABLE"}]}]}]

    def param(key: str | None, *cells: str | None) -> dict[str, Any]:
        return {"v": {"f": [{"v": key}, {"v": {"f": [{"v": c} for c in cells]} if cells else None}]}}

    params = [param("a", "-7", "1e20", "true", 'say "hi"\n é'), param("b", "N/A", "nan", "false", None),
              param("c"), param(None, None, "abc", None, "")]
    rows = [
        {"f": [{"v": "1"}, {"v": params}, {"v": [{"v": "3"}, {"v": "x"}, {"v": None}]},
               {"v": {"f": [{"v": "mobile"}, {"v": {"f": [{"v": "x"}]}}]}}]},
        {"f": [{"v": "2"}, {"v": []}, {"v": None}, {"v": {"f": [{"v": None}, {"v": None}]}}]},
        {"f": [{"v": "3"}, {"v": None}, {"v": []}, {"v": None}]},
    ]
    decoded = decode_page(orjson.dumps({"rows": rows}), fields)
    json_columns = {"params", "counts", "device__web_info"}
    expected = [without_nulls(json_values(flattened(decode_row(row, fields)), json_columns)) for row in rows]
    assert [without_nulls(json_values(row, json_columns)) for row in decoded.table().to_pylist()] == expected
    assert orjson.loads(decoded.table().column("params")[0].as_py())[1]["value"]["int_value"] == "N/A"


def test_the_cursor_is_read_without_parsing_the_rows():
    assert page_token(orjson.dumps({"rows": [{"f": [{"v": '"pageToken":"not me"'}]}], "pageToken": 'a"b'})) == 'a"b'
    assert page_token(orjson.dumps({"rows": [{"f": [{"v": '"pageToken":"not me"'}]}]})) is None


def test_a_landed_wire_page_reads_back_with_its_body_as_received():
    body = b'{"rows": [{"f": [{"v": "1"}]}],\n "pageToken": "t"}'
    for context in ({"fields": [{"name": "n", "type": "INTEGER"}]}, {"odd": ',"body":', "body": {"nested": True}}):
        page = decode_wire_page(WirePage(bigquery_wire.FORMAT, context, body).encode())
        assert (page.format, page.context, orjson.loads(page.body)) == (bigquery_wire.FORMAT, context,
                                                                         orjson.loads(body))


def test_typed_values_nulls_nested_and_repeated_match_the_truth(server):
    pages = table_pages(server, DATE)
    table = pa.concat_tables([decode_page(p.body, p.context["fields"]).table() for p in pages])
    as_of = int(CLOCK.timestamp() * 1_000_000)

    truth = Counter({name: n for (date, name), n in ga4_event_counts(server.world, as_of).items()
                     if date == f"{DATE:%Y%m%d}"})
    assert Counter(table["event_name"].to_pylist()) == truth
    assert table.schema.field("event_timestamp").type == pa.int64()
    assert table.schema.field("batch_event_index").type == pa.int64()
    assert table.schema.field("is_active_user").type == pa.bool_()
    assert table.schema.field("ecommerce__purchase_revenue").type == pa.float64()

    events = table.to_pylist()
    purchases = [e for e in events if e["event_name"] == "purchase"]
    assert purchases and {e["ecommerce__transaction_id"] for e in purchases} <= ga4_transaction_ids(server.world, as_of)
    assert all(e["ecommerce__purchase_revenue"] > 0 for e in purchases)
    # A record the row does not carry leaves every flattened column null.
    assert all(e["ecommerce__transaction_id"] is None for e in events if e["event_name"] == "page_view")
    gclids = {e["collected_traffic_source__gclid"] for e in events} - {None}
    assert gclids and gclids <= ga4_click_ids(server.world, as_of)
    # Repeated records are JSON lists of the export's {key, value{...}} shape; deeper records JSON objects.
    params = [{p["key"]: p["value"] for p in orjson.loads(e["event_params"])} for e in events]
    assert all(isinstance(p["ga_session_id"]["int_value"], int) for p in params)
    assert all(set(orjson.loads(e["device__web_info"])) == {"browser", "browser_version", "hostname"}
               for e in events if e["device__web_info"] is not None)
    assert all(orjson.loads(e["items"]) for e in purchases)


def test_malformed_cells_are_dead_lettered_with_their_reason_and_the_rest_loads(server, tmp_path):
    faults = [Fault(vendor="ga4", kind="malformed_records", on=DATE, resource="events", count=3)]
    pages = table_pages(server, DATE, faults)
    landing = Landing(LocalLake(tmp_path), "ga4")
    tables = [land_wire_page(landing, EVENTS.name, DATE, page, EVENTS.contract) for page in pages]
    sent = sum(len(p.parsed["rows"]) for p in pages)

    assert landing.landed == {"events": sent} and landing.rejected == {"events": 3}
    assert sum(t.num_rows for t in tables) == sent - 3
    assert all(t.column("event_timestamp").null_count == 0 for t in tables)
    dead = [r for key in landing.lake.list("dead_letter/") for r in decode_records(landing.lake.read(key))]
    assert [d["reason"] for d in dead] == ["field 'event_timestamp' should be an integer, got 'N/A'"] * 3
    assert all(d["record"]["event_timestamp"] == "N/A" and d["record"]["user_pseudo_id"] for d in dead)
    # The raw files hold what BigQuery sent, and read back as the export's records.
    raw = [r for key in landing.lake.list("raw/") for r in decode_records(landing.lake.read(key))]
    assert len(raw) == sent and sum(r["event_timestamp"] == "N/A" for r in raw) == 3


def test_a_number_column_with_text_is_dead_lettered_even_outside_the_contract(tmp_path):
    fields = [{"name": "event_timestamp", "type": "INTEGER", "mode": "NULLABLE"},
              {"name": "event_name", "type": "STRING", "mode": "NULLABLE"},
              {"name": "event_date", "type": "STRING", "mode": "NULLABLE"},
              {"name": "user_pseudo_id", "type": "STRING", "mode": "NULLABLE"},
              {"name": "ecommerce", "type": "RECORD", "mode": "NULLABLE",
               "fields": [{"name": "tax_value", "type": "FLOAT", "mode": "NULLABLE"}]}]

    def row(ts: str | None, tax: str | None, user: str | None = "u1") -> dict[str, Any]:
        return {"f": [{"v": ts}, {"v": "page_view"}, {"v": "20261002"}, {"v": user},
                      {"v": {"f": [{"v": tax}]}}]}

    body = orjson.dumps({"rows": [row("1", "1.5"), row("2", "n/a"), row("3", None, user=None), row(None, "2")]})
    landing = Landing(LocalLake(tmp_path), "ga4")
    table = land_wire_page(landing, "events", DATE, WirePage(bigquery_wire.FORMAT, {"fields": fields}, body),
                           EVENTS.contract)
    assert table.column("event_timestamp").to_pylist() == [1]
    assert table.column("ecommerce__tax_value").to_pylist() == [1.5]
    dead = [r for key in landing.lake.list("dead_letter/") for r in decode_records(landing.lake.read(key))]
    assert [d["reason"] for d in dead] == ["field 'ecommerce.tax_value' should be a number, got 'n/a'",
                                           "required field 'user_pseudo_id' is missing",
                                           "required field 'event_timestamp' is missing"]


def test_text_in_a_loaded_number_column_lands_in_a_variant_column_and_fails_the_drift_check(tmp_path):
    """A vendor retypes a FLOAT to STRING and sends text: the load must not fail, and the drift check must see it."""
    lake = LocalLake(tmp_path / "lake")
    pipeline = dlt.pipeline(pipeline_name="retype", destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
                            dataset_name="raw_ga4", pipelines_dir=str(tmp_path / "dlt"))
    dlt.config["normalize.parquet_normalizer.add_dlt_load_id"] = True

    def page(revenue_type: str, revenue: str, user: str) -> WirePage:
        fields = [{"name": "event_date", "type": "STRING", "mode": "NULLABLE"},
                  {"name": "event_timestamp", "type": "INTEGER", "mode": "NULLABLE"},
                  {"name": "event_name", "type": "STRING", "mode": "NULLABLE"},
                  {"name": "user_pseudo_id", "type": "STRING", "mode": "NULLABLE"},
                  {"name": "purchase_revenue", "type": revenue_type, "mode": "NULLABLE"}]
        row = {"f": [{"v": "20261002"}, {"v": "1"}, {"v": "purchase"}, {"v": user}, {"v": revenue}]}
        return WirePage(bigquery_wire.FORMAT, {"fields": fields}, orjson.dumps({"rows": [row]}))

    def load(wire: WirePage) -> None:
        landing = Landing(lake, "ga4")
        events = dlt.resource(lambda: (yield land_wire_page(landing, "events", DATE, wire, EVENTS.contract)),
                              name="events", primary_key="user_pseudo_id", write_disposition="merge")
        pipeline.run(events, loader_file_format="parquet")

    load(page("FLOAT", "12.5", "u1"))
    load(page("STRING", "twelve", "u2"))
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.execute("select user_pseudo_id, purchase_revenue, purchase_revenue__v_text from raw_ga4.events "
                           "order by 1").fetchall()
        outcome = schema_drift(con, RawTable("ga4", EVENTS))
    assert rows == [("u1", 12.5, None), ("u2", None, "twelve")]
    assert not outcome.passed
    assert "column 'purchase_revenue' changed type (values now land in 'purchase_revenue__v_text')" in (
        outcome.description)


def test_pages_reach_dlt_batched_in_order_split_where_the_schema_changes():
    """dlt gets fewer, bigger tables; no row is lost or reordered, and a drifted page never joins a batch of others."""
    def page(first: int, kind: pa.DataType | None = None) -> pa.Table:
        revenue = pa.array([1.5] * 3).cast(kind or pa.float64())
        return pa.table({"n": pa.array(range(first, first + 3)), "revenue": revenue})

    records = [{"n": 99}]
    items = [page(0), page(3), page(6, pa.string()), records, page(9), page(12), page(15)]
    batches = list(batched(items, rows=6))
    assert [b.num_rows if isinstance(b, pa.Table) else b for b in batches] == [6, 3, records, 6, 3]
    tables = [b for b in batches if isinstance(b, pa.Table)]
    assert [n for t in tables for n in t.column("n").to_pylist()] == list(range(18))
    assert tables[1].schema.field("revenue").type == pa.string()
