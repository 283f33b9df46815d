"""Deletion requests ("forget me"): resolve the person, then remove every record carrying any of their
identifiers from the lake (files rewritten), the raw tables (and dlt's copies of loaded data) and, by a
rebuild, everything downstream.

A person is what the identity graph links to the identifier of the request: every identifier the data ties
to it (an order's email, customer and landing click; a visit's browser, login and click; a purchase's
browser; a contact and the contacts merged into it), plus the deals associated with their contacts. A
browser that never logged in and never bought, or an ad click that never became a visit, carries nothing
that ties it to anyone: such records stay, and nothing in them names the person.

The request table and the audit trail live in the warehouse's `privacy` schema, so a request and each of its
steps can be shown and checked. A request keeps the identifier it was made with only until it completes;
afterwards only a salted hash remains.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.common.storages import FileStorage, LoadStorage, PackageStorage

from brightcart_pipeline.lake.landing import DEAD_LETTER, RAW, LakeKey, decode_records, encode_records
from brightcart_pipeline.lake.store import LakeStore
from brightcart_pipeline.privacy.identifiers import normalise_email, normalise_identifier
from brightcart_pipeline.sources import source_module

REQUEST_TYPES = ("email", "hubspot_contact_id", "shopify_customer_id")
STAGING_DATASET = "{dataset}_staging"  # dlt's merge staging dataset keeps the rows of the last load
DEADLINE = dt.timedelta(hours=72)
_naming = NamingConvention()

SCHEMA_SQL = """
create schema if not exists privacy;
create table if not exists privacy.deletion_requests (
    request_id varchar primary key,
    received_at timestamptz not null,
    identifier_type varchar not null,
    identifier_hash varchar not null,
    identifier_value varchar,
    status varchar not null,
    completed_at timestamptz
);
create table if not exists privacy.deletion_audit (
    request_id varchar not null,
    happened_at timestamptz not null,
    step varchar not null,
    detail varchar
);
create table if not exists privacy.erased_records (
    request_id varchar not null,
    source varchar not null,
    resource varchar not null,
    record_key_hash varchar not null,
    created_at timestamptz,
    report_day varchar,
    session_hash varchar
);
"""
# What reconciliation compares a vendor's totals by: when a record was created (HubSpot objects, Shopify orders),
# and for GA4 events the export day and the session they count towards.
CREATED_AT_FIELDS = ("createdAt", "created_at")
MERGED_IDS_PROPERTY = "hs_merged_object_ids"  # a HubSpot survivor names the contacts merged into it


def identifier_hash(identifier_type: str, value: str, salt: str = "brightcart") -> str:
    return hashlib.sha256(f"{salt}:{identifier_type}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class DeletionRequest:
    request_id: str
    received_at: dt.datetime
    identifier_type: str
    identifier_value: str


# Record ids (orders, customers, contacts, deals) are plain numbers, and numbers of other kinds can equal them (a
# checkout, line item or fulfillment id, a timestamp): they identify the person only where a record names them as such,
# as its own top-level `id` or under one of these keys. Browser, login and click ids are distinctive strings.
RECORD_ID_KEYS = frozenset({"order_id", "last_order_id", "customer_id", "user_id", "toObjectId", "hs_object_id"})
RECORD_ID_PATHS = frozenset({("customer", "id"), ("from", "id")})  # an order's customer, an association's contact
RECORD_ID_KINDS = frozenset({"shopify_order_id", "shopify_customer_id", "user_id", "hubspot_contact_id"})


@dataclass
class ErasureSet:
    """Every identifier of one person, as the matcher looks for them in records."""

    emails: set[str] = field(default_factory=set)  # canonical
    values: set[str] = field(default_factory=set)  # browser and click ids: theirs wherever they appear
    record_ids: set[str] = field(default_factory=set)  # order, customer, contact and deal ids

    def add(self, kind: str, value: str) -> None:
        if kind == "email":
            self.emails.add(value)
        elif kind in RECORD_ID_KINDS:
            self.record_ids.add(value)
        else:
            self.values.add(value)

    def matches(self, record: Any) -> bool:
        return any(self._is_theirs(path, value) for path, value in _fields(record))

    def _is_theirs(self, path: tuple[str, ...], value: Any) -> bool:
        if isinstance(value, bool) or value is None:
            return False
        text = str(value).strip()
        if text in self.values:
            return True
        if text in self.record_ids:
            return path == ("id",) or path[-1] in RECORD_ID_KEYS or path[-2:] in RECORD_ID_PATHS
        return "@" in text and normalise_email(text) in self.emails


def _fields(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every scalar of a record with the keys leading to it (list positions left out)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _fields(item, (*path, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from _fields(item, path)
    else:
        yield path, value


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL)


def audit(con: duckdb.DuckDBPyConnection, request_id: str, step: str, detail: str = "") -> None:
    con.execute("insert into privacy.deletion_audit values (?, ?, ?, ?)",
                [request_id, dt.datetime.now(dt.UTC), step, detail])


def record_request(con: duckdb.DuckDBPyConnection, identifier_type: str, value: str,
                   received_at: dt.datetime | None = None) -> DeletionRequest:
    if identifier_type not in REQUEST_TYPES:
        raise ValueError(f"identifier type {identifier_type!r}: expected one of {', '.join(REQUEST_TYPES)}")
    ensure_schema(con)
    request = DeletionRequest(str(uuid.uuid4()), received_at or dt.datetime.now(dt.UTC), identifier_type, value)
    con.execute("insert into privacy.deletion_requests values (?, ?, ?, ?, ?, 'received', null)",
                [request.request_id, request.received_at, identifier_type,
                 identifier_hash(identifier_type, normalise_identifier(identifier_type, value)), value])
    audit(con, request.request_id, "received", identifier_type)
    return request


def pending_requests(con: duckdb.DuckDBPyConnection) -> list[DeletionRequest]:
    ensure_schema(con)
    rows = con.execute("select request_id, received_at, identifier_type, identifier_value "
                       "from privacy.deletion_requests where status <> 'completed' order by received_at").fetchall()
    return [DeletionRequest(*row) for row in rows]


def status_of(con: duckdb.DuckDBPyConnection, request_id: str) -> str:
    row = con.execute("select status from privacy.deletion_requests where request_id = ?", [request_id]).fetchone()
    return row[0] if row else "unknown"


def overdue_requests(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """Requests older than 72 hours and not complete: the legal deadline has passed."""
    if not _table_exists(con, "privacy", "deletion_requests"):
        return []
    return con.execute("select request_id, received_at from privacy.deletion_requests "
                       "where status <> 'completed' and received_at < ?", [now - DEADLINE]).fetchall()


def resolve_person(con: duckdb.DuckDBPyConnection, identifier_type: str, value: str) -> ErasureSet:
    """The person behind one identifier, through the identity graph; every identifier of theirs and the ids
    of the deals associated with their contacts (a deal record names its contact nowhere else)."""
    node = f"{identifier_type}:{normalise_identifier(identifier_type, value)}"
    person_of_node = "select person_key from intermediate.int_identity_graph where identifier_node = ?"
    nodes = [n for (n,) in con.execute(
        "select graph.identifier_node from intermediate.int_identity_graph as graph "
        f"where graph.person_key in ({person_of_node})", [node]).fetchall()] or [node]
    deals = con.execute(f"select cast(deal_id as varchar) from intermediate.int_crm__deals "
                        f"where person_key in ({person_of_node})", [node]).fetchall()
    erasure = ErasureSet(record_ids={deal_id for (deal_id,) in deals})
    for found in nodes:
        kind, _, found_value = found.partition(":")
        erasure.add(kind, found_value)
    return erasure


def scrub_lake(lake: LakeStore, erasure: ErasureSet) -> dict[str, list[dict[str, Any]]]:
    """Rewrite every lake file that holds one of the person's records; returns removed records by raw file."""
    removed: dict[str, list[dict[str, Any]]] = {}
    for zone in (RAW, DEAD_LETTER):
        for key in lake.list(f"{zone}/"):
            records = decode_records(lake.read(key))
            kept = [r for r in records if not erasure.matches(r)]
            if len(kept) == len(records):
                continue
            if zone == RAW:
                removed[key] = [r for r in records if erasure.matches(r)]
            if kept:
                lake.write(key, encode_records(kept))
            else:
                lake.delete(key)
    return removed


def _normalised_value(record: dict[str, Any], column: str) -> Any:
    """The value dlt stores in `column` (a `__`-joined, snake_cased path) for a raw record."""
    value: Any = record
    for part in column.split("__"):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if _naming.normalize_identifier(k) == part), None)
    return value


def delete_from_raw(con: duckdb.DuckDBPyConnection, removed: dict[str, list[dict[str, Any]]]) -> int:
    """Delete the removed records' rows from the raw tables and dlt's staging copies, by primary key."""
    deleted = 0
    by_table: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for key, records in removed.items():
        parsed = LakeKey.parse(key)
        by_table.setdefault((parsed.source, parsed.resource), []).extend(records)
    for (source, resource), records in by_table.items():
        spec = next((s for s in source_module(source).RESOURCES if s.name == resource), None)
        if spec is None:
            continue
        columns = list(spec.primary_key)
        where = " and ".join(f'cast("{c}" as varchar) = ?' for c in columns)
        dataset = f"raw_{source}"
        for schema in (dataset, STAGING_DATASET.format(dataset=dataset)):
            if not _table_exists(con, schema, resource):
                continue
            for record in records:
                values = [str(_normalised_value(record, c)) for c in columns]
                deleted += len(con.execute(f'delete from {schema}."{resource}" where {where} returning 1',
                                           values).fetchall())
    return deleted


def record_erasures(con: duckdb.DuckDBPyConnection, request_id: str,
                    removed: dict[str, list[dict[str, Any]]]) -> int:
    """Keep a tombstone (a hash of the key, what the vendor counts it by) per erased raw record the vendor still
    counts in its own totals, so reconciliation knows how many the warehouse left out on purpose. A contact merged
    into another is not counted by HubSpot (only its survivor is)."""
    tombstones: dict[tuple[str, str, str], tuple[str | None, str | None, str | None]] = {}
    merged_away = {merged for records in removed.values() for record in records
                   for merged in str((record.get("properties") or {}).get(MERGED_IDS_PROPERTY) or "").split(";")
                   if merged}
    for key, records in removed.items():
        parsed = LakeKey.parse(key)
        spec = next((s for s in source_module(parsed.source).RESOURCES if s.name == parsed.resource), None)
        if spec is None:
            continue
        for record in records:
            if parsed.source == "hubspot" and str(record.get("id")) in merged_away:
                continue
            record_key = ":".join(str(_normalised_value(record, c)) for c in spec.primary_key)
            tombstones[(parsed.source, parsed.resource,
                        identifier_hash(f"{parsed.source}.{parsed.resource}", record_key))] = _counted_by(record)
    if tombstones:
        con.executemany("insert into privacy.erased_records values (?, ?, ?, ?, ?::timestamptz, ?, ?)",
                        [[request_id, *key, *counted_by] for key, counted_by in tombstones.items()])
    return len(tombstones)


def _counted_by(record: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """A record's creation time, GA4 export day and a hash of its GA4 session (never the ids themselves)."""
    created = next((record[f] for f in CREATED_AT_FIELDS if isinstance(record.get(f), str)), None)
    session = next((p.get("value", {}).get("int_value") for p in record.get("event_params") or []
                    if isinstance(p, dict) and p.get("key") == "ga_session_id"), None)
    session_hash = (identifier_hash("ga4.session", f"{record.get('user_pseudo_id')}:{session}")
                    if session is not None else None)
    return created, record.get("event_date"), session_hash


def purge_loaded_packages(pipelines_dir: Path) -> int:
    """Delete dlt's archive of loaded packages (the files each load read, in clear) of every pipeline.

    dlt never reads a package again once it is loaded; the lake is the replayable copy."""
    purged = 0
    for loaded_dir in sorted(pipelines_dir.glob(f"*/load/{LoadStorage.LOADED_FOLDER}")):
        loaded = PackageStorage(FileStorage(str(loaded_dir)), "loaded")
        for load_id in loaded.list_packages():
            loaded.delete_package(load_id)
            purged += 1
    return purged


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select 1 from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, table]).fetchone())


def mark(con: duckdb.DuckDBPyConnection, request: DeletionRequest, status: str) -> None:
    """Move a request on; once completed, only the hash of its identifier is kept."""
    if status == "completed":
        con.execute("update privacy.deletion_requests set status = ?, completed_at = ?, identifier_value = null "
                    "where request_id = ?", [status, dt.datetime.now(dt.UTC), request.request_id])
    else:
        con.execute("update privacy.deletion_requests set status = ? where request_id = ?",
                    [status, request.request_id])
    audit(con, request.request_id, status)
