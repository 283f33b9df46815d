"""Deletion requests: one person forgotten everywhere, nobody else touched, every step audited; the 72-hour
sensor alerts only on overdue requests."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import duckdb
import pytest

from brightcart_pipeline.automation import sensors
from brightcart_pipeline.automation.alerts import read_alerts
from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.lake.landing import decode_records
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.privacy.deletion import record_request
from brightcart_pipeline.privacy.forget import process_deletion_requests
from brightcart_pipeline.privacy.identifiers import normalise_email
from brightcart_pipeline.settings import SOURCES, get_settings
from brightcart_pipeline.simulator.people import email_variant, person
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.simulator.world import CHANNELS
from brightcart_pipeline.sources.base import ExtractWindow
from tests.conftest import dbt_build, settings_for

UTC = dt.UTC


def test_deletion_sla_sensor_alerts_on_overdue_requests_only(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIGHTCART_HOME", str(tmp_path))
    get_settings.cache_clear()
    settings = get_settings()
    now = dt.datetime(2026, 10, 10, 12, tzinfo=UTC)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        old = record_request(con, "email", "old@example.com", received_at=now - dt.timedelta(hours=73))
        record_request(con, "email", "new@example.com", received_at=now - dt.timedelta(hours=2))
    monkeypatch.setattr(sensors, "utcnow", lambda: now)
    context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral())
    sensors.deletion_sla(context)
    sensors.deletion_sla(context)  # a second tick does not alert again
    get_settings.cache_clear()
    alerts = read_alerts(settings)
    assert [a.kind for a in alerts] == ["deletion_sla"]
    assert old.request_id in alerts[0].detail


def person_with_everything(world, as_of_us):
    """A one-browser person with a paid Google click that became a session and an order (so a CRM contact)."""
    for day in world.days():
        sessions, orders = day.sessions, day.orders
        for row in range(len(orders.order_id)):
            session = int(orders.session_row[row])
            # One device: a second browser that never logs in or buys cannot be known to be theirs.
            if session >= 0 and CHANNELS[int(sessions.channel[session])] == "google_paid" \
                    and bool(sessions.ga4_tracked[session]) and int(orders.created_ts[row]) <= as_of_us \
                    and person(int(orders.person_id[row])).devices == 1:
                return int(orders.person_id[row]), day, row
    raise AssertionError("the test world has no person with a paid, tracked, ordering visit")


def their_identifiers(world, pid):
    """Ground truth: every identifier value of this person the sources can carry."""
    who = person(pid)
    values = {who.client_id(d) for d in range(who.devices)}
    values |= {str(who.hubspot_contact_id)}
    if who.shopify_customer_id:
        values.add(str(who.shopify_customer_id))
    for day in world.days():
        clicks = day.clicks
        values |= {str(c) for c in clicks.click_id[clicks.person_id == pid]}
        orders = day.orders
        values |= {str(o) for o in orders.order_id[orders.person_id == pid]}
    return values


def lake_hits(settings, values, email):
    lake = open_lake(settings)
    hits = []
    for key in lake.list(""):
        if not key.endswith(".jsonl.gz"):
            continue
        for record in decode_records(lake.read(key)):
            text = json.dumps(record)
            if any(v in text for v in values) or _mentions_email(record, email):
                hits.append(key)
    return hits


def _mentions_email(value, email):
    if isinstance(value, dict):
        return any(_mentions_email(v, email) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_email(v, email) for v in value)
    return isinstance(value, str) and "@" in value and normalise_email(value) == normalise_email(email)


def warehouse_hits(settings, values, email):
    hits = []
    canonical = normalise_email(email)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = con.sql("select table_schema, table_name from information_schema.tables "
                         "where table_schema not in ('privacy', 'reference') and table_type = 'BASE TABLE'").fetchall()
        for schema, table in tables:
            rows = con.sql(f'select * from "{schema}"."{table}"').fetchall()
            for row in rows:
                text = " ".join(str(c) for c in row)
                if any(v in text for v in values) or canonical in text.lower():
                    hits.append(f"{schema}.{table}")
                    break
    return hits


@pytest.mark.integration
@pytest.mark.xfail(reason="known gap (issue 7): some GA4 events of the person survive the erasure because the "
                          "identity graph does not yet link every visit to the ordering person", strict=False)
def test_forgetting_a_person_removes_them_everywhere_and_nobody_else(simulator, tmp_path):
    world = simulator.world
    settings = settings_for(tmp_path, simulator)
    window = ExtractWindow(world.config.first_utc_day, world.config.end)
    for source in SOURCES:
        run_ingest(settings, source, window)
    dbt_build(settings)
    as_of = simulator.context.as_of_us
    pid, day, row = person_with_everything(world, as_of)
    identifiers = their_identifiers(world, pid)
    email = email_variant(person(pid), int(day.orders.email_variant[row]))
    assert lake_hits(settings, identifiers, email), "the person must be in the lake before the request"

    truth = true_orders(world, as_of)
    theirs = [o for o in truth if o.person_id == pid]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        before = con.sql("select count(*), sum(net_sales) from core.fct_orders").fetchone()

    with duckdb.connect(str(settings.warehouse_path)) as con:
        request = record_request(con, "email", email.upper())
    outcome = process_deletion_requests(settings)

    assert outcome.requests == 1 and outcome.lake_files_rewritten > 0 and outcome.raw_rows_deleted > 0
    assert lake_hits(settings, identifiers, email) == []
    assert warehouse_hits(settings, identifiers, email) == []
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        after = con.sql("select count(*), sum(net_sales) from core.fct_orders").fetchone()
        steps = [s for (s,) in con.sql(
            "select step from privacy.deletion_audit where request_id = ? order by happened_at",
            params=[request.request_id]).fetchall()]
        stored = con.sql("select status, identifier_value, completed_at is not null from privacy.deletion_requests"
                         ).fetchone()
    assert after[0] == before[0] - len(theirs)
    assert round((before[1] - after[1]) * 100) == sum(o.net_sales_cents for o in theirs)
    assert steps == ["received", "resolved", "lake_rewritten", "raw_deleted", "raw_done", "marts_rebuilt",
                     "completed"]
    assert stored == ("completed", None, True)
