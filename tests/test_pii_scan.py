"""The analyst schema holds no raw PII: after a full pipeline run, no column of any analyst relation contains
anybody's email (in any of the variants the sources send: case, plus-tags, gmail dots, spaces), phone number
(in any punctuation) or name, checked against the simulator's ground truth for every person of the world."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import pytest

from brightcart_pipeline.simulator.people import canonical_email, email_variant, person
from tests.conftest import BuiltWorld

pytestmark = pytest.mark.integration

EMAIL = re.compile(r"[^\s\"'<>,;:/?&=|()\[\]{}]+@[^\s\"'<>,;:/?&=|()\[\]{}]+")
PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")  # digits with the punctuation phones are written with
EMAIL_VARIANTS = 6  # people.email_variant cycles through six spellings


@dataclass
class TruePii:
    """Every person's PII as the sources carry it, in the forms a leak would take."""

    emails: set[str] = field(default_factory=set)  # canonical
    phone_digits: set[str] = field(default_factory=set)  # with and without the country code
    full_names: set[str] = field(default_factory=set)  # lower-cased "first last"
    names: set[str] = field(default_factory=set)  # lower-cased first and last names

    @cached_property
    def _full_name(self) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(n) for n in sorted(self.full_names)))

    def leaks(self, cell: object) -> list[str]:
        if cell is None or isinstance(cell, bool | int | float):
            return []  # numbers: ids and amounts; a phone is text in every source
        text = str(cell)
        lowered = text.lower()
        found = [f"email {e}" for e in EMAIL.findall(text) if canonical_email(e) in self.emails]
        found += [f"phone {p}" for p in PHONE_LIKE.findall(text) if re.sub(r"\D", "", p) in self.phone_digits]
        found += [f"name {n}" for n in self._full_name.findall(lowered)]
        if lowered.strip() in self.names:
            found.append(f"name {text}")
        return found


def true_pii(population: int) -> TruePii:
    pii = TruePii()
    for pid in range(population):
        who = person(pid)
        pii.emails |= {canonical_email(email_variant(who, v)) for v in range(EMAIL_VARIANTS)}
        digits = re.sub(r"\D", "", who.phone)
        pii.phone_digits |= {digits, digits[-10:]}  # E.164, and the national number without the country code
        pii.full_names.add(f"{who.first_name} {who.last_name}".lower())
        pii.names |= {who.first_name.lower(), who.last_name.lower()}
    return pii


@pytest.fixture(scope="module")
def pii(built_world: BuiltWorld) -> TruePii:
    return true_pii(built_world.world.population)


def test_no_analyst_relation_holds_raw_email_phone_or_name(built_world: BuiltWorld, pii: TruePii):
    leaks: dict[str, set[str]] = defaultdict(set)
    scanned: dict[str, int] = {}
    with duckdb.connect(str(built_world.settings.warehouse_path), read_only=True) as con:
        relations = [r for (r,) in con.sql("select table_name from information_schema.tables "
                                           "where table_schema = 'analyst' order by all").fetchall()]
        for relation in relations:
            result = con.sql(f'select * from analyst."{relation}"')
            rows = result.fetchall()
            scanned[relation] = len(rows)
            for row in rows:
                for column, cell in zip(result.columns, row, strict=True):
                    for leak in pii.leaks(cell):
                        leaks[f"{relation}.{column}"].add(leak)
    # The scan covers the schema analysts read, with data in it: customers, orders and sessions at least.
    assert {"dim_customer", "fct_orders", "fct_sessions", "fct_leads"} <= set(scanned)
    assert all(scanned[r] > 0 for r in ("dim_customer", "fct_orders", "fct_sessions", "fct_leads"))
    assert not leaks, {column: sorted(found)[:3] for column, found in leaks.items()}


def test_the_scan_finds_pii_where_it_is(built_world: BuiltWorld, pii: TruePii):
    """The same detector on unmasked CRM contacts finds all three kinds: a scan that finds nothing is not blind."""
    with duckdb.connect(str(built_world.settings.warehouse_path), read_only=True) as con:
        rows = con.sql("select * from staging.stg_hubspot__contacts").fetchall()
    kinds = {leak.split()[0] for row in rows for cell in row for leak in pii.leaks(cell)}
    assert kinds == {"email", "phone", "name"}
