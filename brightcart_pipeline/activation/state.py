"""The warehouse's `activation` schema: what each destination holds (as last sent), the destinations' audience
ids, and the audit log of every request and every held sync.

`sent_members` keeps the key a destination knows a person by (a contact id, Meta's hashes), because a removal
must name it; a row is deleted as soon as its removal has been sent, so nothing of a removed person stays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from brightcart_pipeline.activation.changes import Membership

SCHEMA_SQL = """
create schema if not exists activation;
create table if not exists activation.sent_members (
    audience_name varchar not null,
    destination varchar not null,
    person_key varchar not null,
    destination_key varchar not null,
    sent_at timestamptz not null,
    primary key (audience_name, destination, person_key)
);
create table if not exists activation.remote_audiences (
    audience_name varchar not null,
    destination varchar not null,
    remote_id varchar not null,
    primary key (audience_name, destination)
);
create table if not exists activation.syncs (
    sync_id varchar primary key,
    started_at timestamptz not null
);
create table if not exists activation.sync_audit (
    sync_id varchar not null,
    happened_at timestamptz not null,
    audience_name varchar not null,
    destination varchar not null,
    remote_id varchar,
    operation varchar not null,
    reason varchar not null,
    members integer not null,
    detail varchar
);
"""


@dataclass(frozen=True)
class AuditEntry:
    """One request sent (operation add/remove) or one audience held (operation hold), as logged."""

    sync_id: str
    audience_name: str
    destination: str
    remote_id: str | None
    operation: str
    reason: str  # membership | consent_or_deletion | size_guard
    members: int
    detail: str


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL)


def sent_members(con: duckdb.DuckDBPyConnection, audience_name: str, destination: str) -> Membership:
    rows = con.execute("select person_key, destination_key from activation.sent_members "
                       "where audience_name = ? and destination = ?", [audience_name, destination]).fetchall()
    return dict(rows)


def sent_audiences(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("select distinct audience_name from activation.sent_members").fetchall()}


def record_sent(con: duckdb.DuckDBPyConnection, audience_name: str, destination: str, members: Membership,
                now: dt.datetime) -> None:
    con.executemany("insert or replace into activation.sent_members values (?, ?, ?, ?, ?)",
                    [[audience_name, destination, person, key, now] for person, key in members.items()])


def forget_sent(con: duckdb.DuckDBPyConnection, audience_name: str, destination: str, persons: list[str]) -> None:
    con.executemany("delete from activation.sent_members where audience_name = ? and destination = ? "
                    "and person_key = ?", [[audience_name, destination, person] for person in persons])


def remote_id(con: duckdb.DuckDBPyConnection, audience_name: str, destination: str) -> str | None:
    row = con.execute("select remote_id from activation.remote_audiences where audience_name = ? "
                      "and destination = ?", [audience_name, destination]).fetchone()
    return row[0] if row else None


def remember_remote_id(con: duckdb.DuckDBPyConnection, audience_name: str, destination: str, remote: str) -> None:
    con.execute("insert or replace into activation.remote_audiences values (?, ?, ?)",
                [audience_name, destination, remote])


def audit(con: duckdb.DuckDBPyConnection, entry: AuditEntry, now: dt.datetime) -> None:
    con.execute("insert into activation.sync_audit values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [entry.sync_id, now, entry.audience_name, entry.destination, entry.remote_id, entry.operation,
                 entry.reason, entry.members, entry.detail])


def start_sync(con: duckdb.DuckDBPyConnection, sync_id: str, now: dt.datetime) -> None:
    con.execute("insert into activation.syncs values (?, ?)", [sync_id, now])


def latest_holds(con: duckdb.DuckDBPyConnection) -> list[AuditEntry]:
    """The audiences the most recent sync held, with why."""
    rows = con.execute("""
        select sync_id, audience_name, destination, remote_id, operation, reason, members, detail
        from activation.sync_audit
        where operation = 'hold'
            and sync_id = (select sync_id from activation.syncs order by started_at desc limit 1)
        order by audience_name, destination
    """).fetchall()
    return [AuditEntry(*row) for row in rows]
