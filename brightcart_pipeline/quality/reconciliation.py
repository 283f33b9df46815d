"""Reconciliation: raw tables against what each source itself reports, tolerance zero where it is exact.

| source     | the source's own number                                   | raw side                          |
|------------|-----------------------------------------------------------|-----------------------------------|
| Google Ads | GAQL daily cost_micros per date (FROM campaign, summed)   | campaign_metrics_daily            |
| Meta Ads   | insights level=account, time_increment=1: spend per day   | ad_insights_daily summed          |
| HubSpot    | contacts search `total` (created before the cursor)       | contacts − archived − merged-away |
|            |                                                           | + erased on request               |
| GA4        | Data API runReport eventCount / sessions per date         | export events (internal excluded) |
|            |                                                           | + erased on request               |
| Shopify    | orders/count.json (status=any)                            | orders + erased on request        |

Both sides are read at the same moment, so platform restatements between extract and check show up
as differences: the checks run straight after the ingest they belong to. Records erased for a deletion
request are gone from raw while the vendor still counts them: their tombstones
(`privacy.erased_records`) are added back to the warehouse side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import duckdb
import orjson

from brightcart_pipeline.quality.outcome import CheckOutcome
from brightcart_pipeline.quality.tables import columns_of, table_exists
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.sources import google_ads, hubspot, meta_ads
from brightcart_pipeline.sources.http import VendorClient

Number = int | Decimal


def compare_daily(subject: str, reported: Mapping[Any, Number], loaded: Mapping[Any, Number],
                  **metadata: Any) -> CheckOutcome:
    """Exact per-key comparison of the source's figures with the warehouse's."""
    problems = [f"{key}: source reports {reported.get(key, 0)}, warehouse has {loaded.get(key, 0)}"
                for key in sorted(set(reported) | set(loaded), key=str) if reported.get(key, 0) != loaded.get(key, 0)]
    summary = {"days": len(set(reported) | set(loaded)), "source_total": str(sum(reported.values())),
               "warehouse_total": str(sum(loaded.values())), **metadata}
    if problems:
        return CheckOutcome.failed(problems, f"{subject} differs from the source", **summary)
    return CheckOutcome.ok(f"{subject} equals the source on every day", **summary)


def erased_records(con: duckdb.DuckDBPyConnection, source: str, resource: str,
                   created_before: dt.datetime | None = None) -> int:
    """Records of `source.resource` erased for deletion requests (created before `created_before`, if given)."""
    if not table_exists(con, "privacy", "erased_records"):
        return 0
    row = con.execute("select count(distinct record_key_hash) from privacy.erased_records "
                      "where source = ? and resource = ? and (?::timestamptz is null or created_at < ?::timestamptz)",
                      [source, resource, created_before, created_before]).fetchone()
    return int(row[0]) if row else 0


def _date_range(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[dt.date, dt.date] | None:
    low, high = con.execute(sql).fetchone() or (None, None)
    return (low, high) if low is not None else None


def google_ads_spend(con: duckdb.DuckDBPyConnection, client: VendorClient, settings: Settings) -> CheckOutcome:
    """Account spend per day. The simulated API has no `FROM customer`, so the same figure is asked FROM
    campaign (every campaign, Performance Max included, is in it) and summed per date."""
    table = "raw_google_ads.campaign_metrics_daily"
    if not table_exists(con, "raw_google_ads", "campaign_metrics_daily"):
        return CheckOutcome.ok(f"{table} has not been loaded yet")
    span = _date_range(con, f"select min(segments__date::date), max(segments__date::date) from {table}")
    if span is None:
        return CheckOutcome.ok(f"{table} is empty")
    query = (f"SELECT segments.date, metrics.cost_micros FROM campaign "
             f"WHERE segments.date BETWEEN '{span[0]}' AND '{span[1]}'")
    reported: dict[str, int] = {}
    for page in google_ads.search_pages(client, settings.google_ads_customer_id, query):
        for row in page:
            day = row["segments"]["date"]
            reported[day] = reported.get(day, 0) + int(row["metrics"]["costMicros"])
    # coalesce: a day whose cost arrived under another name (schema drift) sums to null; it must fail, not crash.
    loaded = dict(con.execute(f"select segments__date, coalesce(sum(metrics__cost_micros::hugeint), 0)::bigint "
                              f"from {table} group by 1").fetchall())
    return compare_daily(f"{table} cost_micros per day", reported, loaded, table=table, query=query)


def meta_ads_spend(con: duckdb.DuckDBPyConnection, client: VendorClient, settings: Settings) -> CheckOutcome:
    """Account spend per day from insights at level=account, to the cent."""
    table = "raw_meta_ads.ad_insights_daily"
    if not table_exists(con, "raw_meta_ads", "ad_insights_daily"):
        return CheckOutcome.ok(f"{table} has not been loaded yet")
    span = _date_range(con, f"select min(date_start::date), max(date_start::date) from {table}")
    if span is None:
        return CheckOutcome.ok(f"{table} is empty")
    params = {"level": "account", "time_increment": "1", "fields": "spend", "limit": meta_ads.INSIGHTS_PAGE_LIMIT,
              "time_range": orjson.dumps({"since": str(span[0]), "until": str(span[1])}).decode()}
    path = f"/{meta_ads.API_VERSION}/{settings.meta_ads_account_id}/insights"
    reported: dict[str, Decimal] = {}
    for page in meta_ads.paginate(client, path, params):
        for row in page:
            reported[row["date_start"]] = reported.get(row["date_start"], Decimal(0)) + Decimal(row["spend"])
    loaded = {day: Decimal(str(v)) for day, v in con.execute(
        f"select date_start, coalesce(sum(spend::decimal(18, 2)), 0) from {table} group by 1").fetchall()}
    return compare_daily(f"{table} spend per day", reported, loaded, table=table, level="account")


def hubspot_contacts(con: duckdb.DuckDBPyConnection, client: VendorClient) -> CheckOutcome:
    """Search `total` of contacts created before the newest modification loaded (all of which raw must hold)
    against raw contacts, less those since archived (search never returns them) and those merged away
    (a survivor's `hs_merged_object_ids` names them; HubSpot lists only the survivor), plus those erased."""
    table = "raw_hubspot.contacts"
    if not table_exists(con, "raw_hubspot", "contacts"):
        return CheckOutcome.ok(f"{table} has not been loaded yet")
    cutoff = con.execute(f"select max(properties__lastmodifieddate::timestamptz) from {table}").fetchone()
    if not cutoff or cutoff[0] is None:
        return CheckOutcome.ok(f"{table} is empty")
    cutoff_ms = int(cutoff[0].timestamp() * 1000)
    # HubSpot ids arrive as strings: compare them as numbers on both sides.
    archived = ("select id::bigint from raw_hubspot.archived_contacts"
                if table_exists(con, "raw_hubspot", "archived_contacts") else "select -1")
    merged = ("select unnest(string_split(properties__hs_merged_object_ids, ';'))::bigint from raw_hubspot.contacts "
              "where properties__hs_merged_object_ids is not null"
              if "properties__hs_merged_object_ids" in columns_of(con, "raw_hubspot", "contacts")
              else "select -1")
    loaded, n_archived, n_merged = con.execute(
        f"select count(distinct id) filter (where not (id in ({archived}) or id in ({merged}))), "
        f"count(distinct id) filter (where id in ({archived})), count(distinct id) filter (where id in ({merged})) "
        f"from (select id::bigint as id, properties__createdate from {table}) "
        "where epoch_ms(properties__createdate::timestamptz) < ?", [cutoff_ms]).fetchone() or (0, 0, 0)
    body = {"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "LT", "value": str(cutoff_ms)}]}],
            "properties": ["hs_object_id"], "limit": 1}
    reported = int(client.post_json("/crm/v3/objects/contacts/search", body)["total"])
    n_erased = erased_records(con, "hubspot", "contacts", created_before=cutoff[0])
    metadata = {"table": table, "hubspot_total": reported, "warehouse_contacts": loaded, "archived": n_archived,
                "merged_away": n_merged, "erased": n_erased, "created_before": str(cutoff[0])}
    if reported == loaded + n_erased:
        return CheckOutcome.ok(f"{table} equals HubSpot's search total ({reported})", **metadata)
    return CheckOutcome.failed([f"HubSpot reports {reported} contacts created before {cutoff[0]}, warehouse has "
                                f"{loaded} (after removing {n_archived} archived and {n_merged} merged away) and "
                                f"erased {n_erased} on request"], f"{table} differs from HubSpot", **metadata)


GA4_SESSION_ID = ("list_filter(from_json(event_params, "
                  "'[{\"key\": \"VARCHAR\", \"value\": {\"int_value\": \"BIGINT\"}}]'), "
                  "lambda p: p.key = 'ga_session_id')[1].value.int_value")
GA4_INTERNAL = ("len(list_filter(from_json(event_params, '[{\"key\": \"VARCHAR\"}]'), "
                "lambda p: p.key = 'traffic_type')) > 0")


def ga4_report(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Events and sessions per date in the export against the Data API report landed beside it
    (`report_daily_sessions`). The report filters internal traffic, so the export side does too; events erased
    on request still count in the report, so their tombstones count on the export side."""
    if not (table_exists(con, "raw_ga4", "events") and table_exists(con, "raw_ga4", "report_daily_sessions")):
        return CheckOutcome.ok("raw_ga4 events or report_daily_sessions has not been loaded yet")
    reported: dict[tuple[str, str], int] = {}
    loaded: dict[tuple[str, str], int] = {}
    for day, events, sessions in con.execute(
            "select date, sum(event_count::bigint), sum(sessions::bigint) from raw_ga4.report_daily_sessions "
            "group by 1").fetchall():
        reported[(day, "events")], reported[(day, "sessions")] = int(events), int(sessions)
    for day, events, sessions in con.execute(
            f"select event_date, count(*), count(distinct (user_pseudo_id, {GA4_SESSION_ID})) from raw_ga4.events "
            f"where not coalesce({GA4_INTERNAL}, false) group by 1").fetchall():
        loaded[(day, "events")], loaded[(day, "sessions")] = int(events), int(sessions)
    if table_exists(con, "privacy", "erased_records"):
        for day, events, sessions in con.execute(
                "select report_day, count(distinct record_key_hash), count(distinct session_hash) "
                "from privacy.erased_records where source = 'ga4' and resource = 'events' group by 1").fetchall():
            loaded[(day, "events")] = loaded.get((day, "events"), 0) + int(events)
            loaded[(day, "sessions")] = loaded.get((day, "sessions"), 0) + int(sessions)
    return compare_daily("raw_ga4.events per date (events, sessions)", reported, loaded,
                         table="raw_ga4.events", report_table="raw_ga4.report_daily_sessions")


def hubspot_client(settings: Settings) -> VendorClient:
    return hubspot.build_client(settings)
