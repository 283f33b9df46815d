"""One sync: every audience to every destination, sending only what changed since the last sync.

For each audience and destination:
- wanted = the audience's members whose consent covers the destination, who have asked for no deletion,
  and whom the destination can address;
- compliance removals = members the destination holds who withdrew consent, asked to be forgotten or are
  gone from the warehouse: always sent, whatever the size guard says;
- the rest is the membership diff against what was last sent, held (nothing sent, a hold audited) when the
  audience's size is implausible (`changes.size_hold_reason`).
State is written after each successful request, so a sync that dies half-way resumes without resending.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from brightcart_pipeline.activation import state
from brightcart_pipeline.activation.changes import Changes, Membership, SizePolicy, diff, size_hold_reason
from brightcart_pipeline.activation.destinations import AudienceMember, Destination, Operation
from brightcart_pipeline.privacy.deletion import REQUEST_TYPES, identifier_hash

MEMBERS_SQL = """
select audience_name, person_key, hubspot_contact_id, email_trimmed_lower, phone_e164
from audiences.audience_members
"""
# Consent as the warehouse's latest raw data says it, not as of the last audience build: a view.
CONSENT_SQL = "select person_key from intermediate.int_persons__consent where {consent}"


@dataclass
class SyncReport:
    sync_id: str
    sent: list[state.AuditEntry] = field(default_factory=list)
    holds: list[state.AuditEntry] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.sent)


def sync_audiences(con: duckdb.DuckDBPyConnection, destinations: Sequence[Destination],
                   policy: SizePolicy | None = None, now: dt.datetime | None = None) -> SyncReport:
    policy = policy or SizePolicy()
    now = now or dt.datetime.now(dt.UTC)
    state.ensure_schema(con)
    report = SyncReport(str(uuid.uuid4()))
    state.start_sync(con, report.sync_id, now)
    audiences = _audience_members(con)
    forgotten = forgotten_persons(con)
    consented = {d.name: _persons_with_consent(con, d.consent) - forgotten for d in destinations}
    for audience_name in sorted(set(audiences) | state.sent_audiences(con)):
        members = audiences.get(audience_name, [])
        for destination in destinations:
            _sync_one(con, report, audience_name, members, destination, consented[destination.name], policy, now)
    return report


def _sync_one(con: duckdb.DuckDBPyConnection, report: SyncReport, audience_name: str,
              members: list[AudienceMember], destination: Destination, allowed: set[str], policy: SizePolicy,
              now: dt.datetime) -> None:
    """`allowed`: persons whose consent covers the destination now and who asked for no deletion."""
    wanted: Membership = {}
    for member in members:
        key = destination.member_key(member)
        if key is not None and member.person_key in allowed:
            wanted[member.person_key] = key
    sent = state.sent_members(con, audience_name, destination.name)
    compliance = {person: key for person, key in sent.items() if person not in allowed}
    membership = diff(wanted, {p: k for p, k in sent.items() if p not in compliance})

    if not compliance and membership.empty:
        return
    remote = state.remote_id(con, audience_name, destination.name)
    if remote is None:
        remote = destination.ensure_audience(audience_name)
        state.remember_remote_id(con, audience_name, destination.name, remote)
    if compliance:
        _send(con, report, audience_name, destination, remote, "remove", compliance, "consent_or_deletion", now)
    hold = size_hold_reason(len(wanted), len(sent) - len(compliance), policy)
    if hold is not None and not membership.empty:
        entry = state.AuditEntry(report.sync_id, audience_name, destination.name, remote, "hold", "size_guard",
                                 len(wanted), hold)
        state.audit(con, entry, now)
        report.holds.append(entry)
        return
    _apply(con, report, audience_name, destination, remote, membership, now)


def _apply(con: duckdb.DuckDBPyConnection, report: SyncReport, audience_name: str, destination: Destination,
           remote: str, changes: Changes, now: dt.datetime) -> None:
    # Removals first: a member whose key changed is removed under the old key, then added under the new one.
    _send(con, report, audience_name, destination, remote, "remove", changes.removals, "membership", now)
    _send(con, report, audience_name, destination, remote, "add", changes.additions, "membership", now)


def _send(con: duckdb.DuckDBPyConnection, report: SyncReport, audience_name: str, destination: Destination,
          remote: str, operation: Operation, members: Membership, reason: str, now: dt.datetime) -> None:
    persons = sorted(members)
    batches = [persons[i:i + destination.batch_size] for i in range(0, len(persons), destination.batch_size)]
    for number, batch in enumerate(batches, start=1):
        detail = destination.send(remote, operation, [members[p] for p in batch], number, len(batches))
        if operation == "add":
            state.record_sent(con, audience_name, destination.name, {p: members[p] for p in batch}, now)
        else:
            state.forget_sent(con, audience_name, destination.name, batch)
        entry = state.AuditEntry(report.sync_id, audience_name, destination.name, remote, operation, reason,
                                 len(batch), detail)
        state.audit(con, entry, now)
        report.sent.append(entry)


def _audience_members(con: duckdb.DuckDBPyConnection) -> dict[str, list[AudienceMember]]:
    found: dict[str, list[AudienceMember]] = {}
    for audience_name, *fields in con.execute(MEMBERS_SQL).fetchall():
        found.setdefault(audience_name, []).append(AudienceMember(*fields))
    return found


def _persons_with_consent(con: duckdb.DuckDBPyConnection, consent: str) -> set[str]:
    """Persons in the warehouse whose consent covers a destination; anyone else a destination holds (withdrawn,
    erased) is removed from it."""
    return {person for (person,) in con.execute(CONSENT_SQL.format(consent=consent)).fetchall()}


def forgotten_persons(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Persons with an identifier named in a deletion request, pending or completed: never sent again, even
    when a later extract brings their records back before the vendor has erased them too."""
    if not con.execute("select 1 from information_schema.tables where table_schema = 'privacy' "
                       "and table_name = 'deletion_requests'").fetchone():
        return set()
    requested = {h for (h,) in con.execute("select identifier_hash from privacy.deletion_requests").fetchall()}
    if not requested:
        return set()
    nodes = con.execute("select person_key, identifier_node from intermediate.int_identity_graph "
                        "where split_part(identifier_node, ':', 1) in (select unnest(?::varchar[]))",
                        [list(REQUEST_TYPES)]).fetchall()
    forgotten = set()
    for person, node in nodes:
        kind, _, value = node.partition(":")
        if identifier_hash(kind, value) in requested:
            forgotten.add(person)
    return forgotten
