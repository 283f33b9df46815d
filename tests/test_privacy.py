"""Deletion requests: one person forgotten everywhere, nobody else touched, every step audited; the identity
graph links everything the data links; the 72-hour sensor alerts only on overdue requests.

What "the person" is comes from the simulator, not from the identity graph: `data_links` rebuilds, from the
world's ground truth, which identifiers the vendors' records tie together (an order's email, customer and
landing click; a tracked visit's browser, login and click; a purchase's browser and order; a contact, its email
and the contact merged into it). A browser that never logged in and never bought, or a click that bounced,
is in no record with anything else of its person: no platform can know it is theirs, so it is not asked for.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import dagster as dg
import duckdb
import numpy as np
import pytest

from brightcart_pipeline.automation import sensors
from brightcart_pipeline.automation.alerts import read_alerts
from brightcart_pipeline.lake.landing import decode_records
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.privacy.deletion import record_request
from brightcart_pipeline.privacy.forget import process_deletion_requests
from brightcart_pipeline.settings import Settings, get_settings
from brightcart_pipeline.simulator.people import canonical_email, email_variant, is_special, person
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.simulator.truth_web import crm_contacts, ga4_date, ga4_sessions
from brightcart_pipeline.simulator.world import Day, World
from tests.conftest import BuiltWorld

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


# -- ground truth: what the data links -------------------------------------------------------------------
class DataLinks:
    """Union-find over identifier nodes (`type:value`, as the identity graph names them) and their people."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self.owner: dict[str, int] = {}

    def _root(self, node: str) -> str:
        self._parent.setdefault(node, node)
        while self._parent[node] != node:
            self._parent[node] = self._parent[self._parent[node]]
            node = self._parent[node]
        return node

    def seen_together(self, pid: int, nodes: Iterable[str]) -> None:
        roots = [self._root(n) for n in nodes]
        for node in nodes:
            self.owner[node] = pid
        for root in roots[1:]:
            self._parent[self._root(root)] = self._root(roots[0])

    def components(self) -> list[set[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for node in self._parent:
            found[self._root(node)].add(node)
        return list(found.values())

    def component_of(self, node: str) -> set[str]:
        root = self._root(node)
        return {n for n in self._parent if self._root(n) == root}


def _click_node(day: Day, click: int) -> str:
    kind = "gclid" if day.clicks.platform[click] == "google_ads" else "fbclid"
    return f"{kind}:{day.clicks.click_id[click]}"


def data_links(world: World, as_of_us: int) -> DataLinks:
    """Identifiers of ordinary people that some record shows together, as of the extraction clock."""
    links = DataLinks()
    received = ga4_sessions(world, as_of_us)
    last_table = f"{world.config.end:%Y%m%d}"  # the first export table after the extracted days
    for day in world.days():
        s, orders = day.sessions, day.orders
        for row in np.flatnonzero(s.ga4_tracked):
            pid = int(s.person_id[row])
            who = person(pid)
            client = who.client_id(int(s.device[row]))
            if is_special(pid) or (client, int(s.start_ts[row]) // 1_000_000) not in received:
                continue
            nodes = [f"client_id:{client}"]
            if s.logged_in[row] and who.has_account:
                nodes.append(f"user_id:{who.shopify_customer_id}")
            if s.click_index[row] >= 0:
                nodes.append(_click_node(day, int(s.click_index[row])))
            purchase = np.flatnonzero(orders.session_row == row)
            # The purchase event sits in the export table of the day the session ends: one past the extracted
            # days (a session over the last midnight) is not in the data yet.
            if s.is_order[row] and len(purchase) and orders.created_ts[purchase[0]] <= as_of_us \
                    and ga4_date(int(s.end_ts[row])) < last_table:
                nodes.append(f"shopify_order_id:{int(orders.order_id[purchase[0]])}")
            links.seen_together(pid, nodes)
        for i in np.flatnonzero((orders.created_ts <= as_of_us) & ~orders.is_test):
            pid = int(orders.person_id[i])
            who = person(pid)
            nodes = [f"shopify_order_id:{int(orders.order_id[i])}",
                     f"email:{canonical_email(email_variant(who, int(orders.email_variant[i])))}"]
            if who.has_account:  # the order's customer, whose account id is GA4's user_id
                nodes += [f"shopify_customer_id:{who.shopify_customer_id}", f"user_id:{who.shopify_customer_id}"]
            session = int(orders.session_row[i])
            if session >= 0 and s.click_index[session] >= 0:  # the landing_site's click id
                nodes.append(_click_node(day, int(s.click_index[session])))
            links.seen_together(pid, nodes)
    for contact in crm_contacts(world, as_of_us).values():
        if is_special(contact.person_id):
            continue
        nodes = [f"hubspot_contact_id:{contact.contact_id}", f"email:{canonical_email(contact.email)}"]
        if contact.merged_into:
            nodes.append(f"hubspot_contact_id:{contact.merged_into}")
        links.seen_together(contact.person_id, nodes)
    return links


def test_identity_graph_links_exactly_what_the_data_links(built_world: BuiltWorld):
    """Every identifier the records tie together is in one person, and no person holds two people's ids."""
    links = data_links(built_world.world, built_world.as_of_us)
    with duckdb.connect(str(built_world.settings.warehouse_path), read_only=True) as con:
        graph = dict(con.sql("select identifier_node, person_key from intermediate.int_identity_graph "
                             "where identifier_node not like 'phone:%'").fetchall())
    members: dict[str, set[str]] = defaultdict(set)
    for node, key in graph.items():
        members[key].add(node)
    components = links.components()
    assert sum(len(c) for c in components) > 1000  # the world is not trivially small
    missing, split, merged = [], [], []
    for component in components:
        missing += sorted(component - set(graph))
        keys = {graph[n] for n in component if n in graph}
        if len(keys) > 1:
            split.append(sorted(component))
        merged += [sorted(members[k] - component) for k in keys if members[k] - component]
    assert not missing
    assert not split
    assert not merged


# -- the person and where they could be left -------------------------------------------------------------
@dataclass(frozen=True)
class Forgettable:
    pid: int
    request_email: str
    identifiers: frozenset[str]  # every value the data links to them: ids, click ids, browsers, deals
    emails: frozenset[str]  # canonical
    kinds: frozenset[str]  # identifier types among them


def forgettable_person(world: World, as_of_us: int) -> Forgettable:
    """The ordinary person the data links to the most kinds of identifier: orders, a CRM contact, a Google
    click (in Google Ads' click view), a Meta click, and more than one browser, when the world has them."""
    links = data_links(world, as_of_us)
    contacts = crm_contacts(world, as_of_us)
    wanted = ("shopify_order_id", "hubspot_contact_id", "gclid", "fbclid", "client_id", "shopify_customer_id")
    best: tuple[tuple[int, ...], set[str]] | None = None
    for component in links.components():
        kinds = [n.split(":", 1)[0] for n in component]
        if "email" not in kinds or len({links.owner[n] for n in component}) != 1:
            continue
        score = (*(kind in kinds for kind in wanted[:4]), kinds.count("client_id"), len(component))
        if best is None or score > best[0]:
            best = (score, component)
    assert best is not None
    component = best[1]
    pid = links.owner[next(iter(component))]
    deals = {str(d) for c in contacts.values() if c.person_id == pid for d in c.deal_ids}
    values = {n.split(":", 1)[1] for n in component if not n.startswith("email:")}
    emails = {n.split(":", 1)[1] for n in component if n.startswith("email:")}
    return Forgettable(pid, email_variant(person(pid), 1).upper(), frozenset(values | deals), frozenset(emails),
                       frozenset(n.split(":", 1)[0] for n in component))


EMAIL = re.compile(r"[^\s\"'<>,;:/?&=|()\[\]{}]+@[^\s\"'<>,;:/?&=|()\[\]{}]+")


class Finder:
    """Finds a person's identifiers in text: whole values (not digits inside a longer number), and any email
    whose canonical form is theirs (any case, plus-tag or gmail dots)."""

    def __init__(self, who: Forgettable) -> None:
        alternatives = "|".join(re.escape(v) for v in sorted(who.identifiers, key=len, reverse=True))
        self._values = re.compile(rf"(?<![A-Za-z0-9_-])(?:{alternatives})(?![A-Za-z0-9_-])")
        self._emails = who.emails

    def found(self, text: str) -> list[str]:
        hits = self._values.findall(text)
        return hits + [e for e in EMAIL.findall(text) if canonical_email(e) in self._emails]

    def in_fields(self, fields: Iterable[tuple[str, object]]) -> list[str]:
        return [hit for _, value in fields
                for hit in self.found(value if isinstance(value, str) else json.dumps(value, default=str))]


def record_fields(value: object, name: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from record_fields(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from record_fields(item, name)
    else:
        yield name, value


def lake_hits(settings: Settings, finder: Finder) -> list[str]:
    """Lake objects (decrypted) with a record of theirs, raw and dead-letter zones alike."""
    lake = open_lake(settings)
    return [key for key in lake.list("") if key.endswith(".jsonl.gz")
            and any(finder.in_fields(record_fields(r)) for r in decode_records(lake.read(key)))]


def warehouse_hits(settings: Settings, finder: Finder) -> set[str]:
    """Tables of the warehouse (raw, dlt's staging copies, staging, intermediate, marts) with a row of theirs.
    Views select from these tables, so they hold nothing the tables do not."""
    hits = set()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = con.sql("select table_schema, table_name from information_schema.tables "
                         "where table_schema <> 'privacy' and table_type = 'BASE TABLE' order by all").fetchall()
        for schema, table in tables:
            result = con.sql(f'select * from "{schema}"."{table}"')
            columns = result.columns
            if any(finder.in_fields(zip(columns, row, strict=True)) for row in result.fetchall()):
                hits.add(f"{schema}.{table}")
    return hits


def load_package_hits(settings: Settings, finder: Finder) -> list[str]:
    """dlt's working files (load packages, state) that mention them; parquet is read as a table."""
    hits = []
    for path in sorted(p for p in settings.dlt_pipelines_dir.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            with duckdb.connect() as con:
                rows = con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
            text = "\n".join(" ".join(str(c) for c in row) for row in rows)
        else:
            blob = path.read_bytes()
            text = (gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob).decode("utf-8", "replace")
        if finder.found(text):
            hits.append(str(path.relative_to(settings.dlt_pipelines_dir)))
    return hits


def measures(settings: Settings) -> tuple[int, int, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        orders, cents = con.sql("select count(*), round(sum(net_sales) * 100) from core.fct_orders").fetchone()
        (sessions,) = con.sql("select count(*) from core.fct_sessions").fetchone()
    return orders, int(cents), sessions


@pytest.mark.integration
def test_forgetting_a_person_removes_them_everywhere_and_nobody_else(built_world: BuiltWorld, tmp_path):
    world, as_of = built_world.world, built_world.as_of_us
    shutil.copytree(built_world.settings.home, tmp_path / "home")  # the shared warehouse stays untouched
    settings = built_world.settings.model_copy(update={"home": tmp_path / "home"})
    who = forgettable_person(world, as_of)
    assert {"shopify_order_id", "hubspot_contact_id", "gclid", "client_id"} <= who.kinds
    finder = Finder(who)
    assert lake_hits(settings, finder), "the person must be in the lake before the request"
    assert {"raw_ga4.events", "raw_shopify.orders", "raw_hubspot.contacts", "core.fct_orders",
            "core.fct_sessions"} <= warehouse_hits(settings, finder)
    their_orders = [o for o in true_orders(world, as_of) if o.person_id == who.pid]
    their_sessions = {s for s in ga4_sessions(world, as_of) if s[0] in who.identifiers}
    assert their_orders and their_sessions
    before = measures(settings)

    with duckdb.connect(str(settings.warehouse_path)) as con:
        request = record_request(con, "email", who.request_email)
    outcome = process_deletion_requests(settings)

    assert outcome.requests == 1 and outcome.lake_files_rewritten > 0 and outcome.raw_rows_deleted > 0
    assert lake_hits(settings, finder) == []
    assert warehouse_hits(settings, finder) == set()
    assert load_package_hits(settings, finder) == []
    after = measures(settings)
    assert before[0] - after[0] == len(their_orders)
    assert before[1] - after[1] == sum(o.net_sales_cents for o in their_orders)
    assert before[2] - after[2] == len(their_sessions)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        steps = [s for (s,) in con.sql(
            "select step from privacy.deletion_audit where request_id = ? order by happened_at",
            params=[request.request_id]).fetchall()]
        stored = con.sql("select status, identifier_value, completed_at is not null "
                         "from privacy.deletion_requests").fetchall()
    assert steps == ["received", "resolved", "lake_rewritten", "raw_deleted", "load_packages_purged", "raw_done",
                     "marts_rebuilt", "completed"]
    assert stored == [("completed", None, True)]
