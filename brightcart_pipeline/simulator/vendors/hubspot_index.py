"""Which HubSpot contacts a clock shows, in `lastmodifieddate` order, from the world's arrays alone.

A full-scale clock holds millions of contacts; building each one (`truth_web.crm_contacts`, a Python step
per person) and rendering it before a search could answer took longer than a client waits. Here the
fields a contacts search filters and sorts on (id, last-modified, merged-away, archived) are computed for
every contact at once as arrays; a search is a range of the sorted last-modified dates, and a contact is
built (by `truth_web.person_contacts`, the same function as the truth) only when its page is served.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from brightcart_pipeline.simulator.people import HUBSPOT_CONTACT_ID_BASE, N_INTERNAL, N_TEST, uniform
from brightcart_pipeline.simulator.truth_web import (
    DUPLICATE_CONTACT_DELAY_US,
    MERGE_DELAY_US,
    CrmTimeline,
    TrueContact,
    TrueDeal,
    crm_timeline,
    person_contacts,
    true_deal,
)
from brightcart_pipeline.simulator.world import CONTACT_DUPLICATE_RATE, US_PER_DAY, World

EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class ClockDeals:
    """Deals created by the clock, sorted by person, as parallel arrays."""

    deal_id: np.ndarray
    person_id: np.ndarray
    created_us: np.ndarray
    amount_cents: np.ndarray
    closed_won: np.ndarray
    close_us: np.ndarray
    archived_us: np.ndarray  # < 0 or after the clock: not archived

    def of_person(self, pid: int, as_of_us: int) -> list[TrueDeal]:
        lo, hi = np.searchsorted(self.person_id, [pid, pid + 1])
        return [true_deal(int(self.deal_id[i]), pid, int(self.created_us[i]), int(self.amount_cents[i]),
                          bool(self.closed_won[i]), int(self.close_us[i]), int(self.archived_us[i]), as_of_us)
                for i in range(int(lo), int(hi))]


def clock_deals(world: World, as_of_us: int) -> ClockDeals:
    days = [d.deals for d in world.days() if d.deals is not None]

    def column(name: str) -> np.ndarray:
        return np.concatenate([getattr(d, name) for d in days]) if days else np.array([], dtype=np.int64)

    seen = column("created_ts") <= as_of_us
    order = np.argsort(column("person_id")[seen], kind="stable")
    return ClockDeals(*(column(name)[seen][order] for name in (
        "deal_id", "person_id", "created_ts", "amount_cents", "closed_won", "close_ts", "archived_ts")))


@dataclass(frozen=True)
class ContactIndex:
    """Searchable contacts (listed, not archived) sorted by (last-modified ms, id), and how to build one."""

    as_of_us: int
    modified_ms: np.ndarray  # sorted
    contact_id: np.ndarray  # in the same order
    line: CrmTimeline
    person_id: np.ndarray  # each person of `line` once, sorted (gathered once: a page looks up 200)
    deals: ClockDeals

    def __len__(self) -> int:
        return len(self.contact_id)

    def contact(self, world: World, contact_id: int) -> TrueContact:
        """One contact as `crm_contacts` builds it, from its person's touches and deals only."""
        pid = (contact_id - HUBSPOT_CONTACT_ID_BASE) // 3
        k = int(np.searchsorted(self.person_id, pid))
        lo, hi = int(self.line.starts[k]), int(self.line.ends[k])
        built = person_contacts(world, self.line, lo, hi, self.deals.of_person(pid, self.as_of_us), self.as_of_us)
        return next(c for c in built if c.contact_id == contact_id)


def contact_index(world: World, as_of_us: int, deleted_days: Iterable[tuple[dt.date, int]]) -> ContactIndex:
    """Every contact's id, last-modified and listed flag as `person_contacts` sets them, in bulk.

    `deleted_days` are the `deleted_records` faults (day, count): each archives the first `count` listed
    contacts created on that UTC day, by id, as `HubSpotVendor._deleted_contacts` does.
    """
    line = crm_timeline(world, as_of_us)
    deals = clock_deals(world, as_of_us)
    pids = line.person_id[line.starts]
    created = line.ts[line.starts]
    modified = line.ts[line.ends - 1].copy()
    # A deal moves its contact's lastmodifieddate when created and when archived.
    k = np.searchsorted(pids, deals.person_id)
    has_contact = (k < len(pids)) & (pids[np.minimum(k, max(len(pids) - 1, 0))] == deals.person_id)
    archived = deals.archived_us
    touched = np.where((archived > 0) & (archived <= as_of_us), np.maximum(deals.created_us, archived),
                       deals.created_us)
    np.maximum.at(modified, k[has_contact], touched[has_contact])

    special = pids < N_INTERNAL + N_TEST
    duplicate_created = created + DUPLICATE_CONTACT_DELAY_US
    has_duplicate = ~special & (uniform(pids, 41) < CONTACT_DUPLICATE_RATE) & (duplicate_created <= as_of_us)
    merged = has_duplicate & (duplicate_created + MERGE_DELAY_US <= as_of_us)
    modified = np.where(merged, np.maximum(modified, duplicate_created + MERGE_DELAY_US), modified)

    # Listed contacts: every person's own, and duplicates not yet merged away.
    loose = has_duplicate & ~merged
    ids = np.concatenate([HUBSPOT_CONTACT_ID_BASE + pids * 3, HUBSPOT_CONTACT_ID_BASE + pids[loose] * 3 + 1])
    created_all = np.concatenate([created, duplicate_created[loose]])
    modified_all = np.concatenate([modified, duplicate_created[loose]])
    keep = ~_archived(ids, created_all, deleted_days)
    ids, modified_ms = ids[keep], modified_all[keep] // 1000
    order = np.lexsort((ids, modified_ms))
    return ContactIndex(as_of_us, modified_ms[order], ids[order], line, pids, deals)


def _archived(ids: np.ndarray, created_us: np.ndarray, deleted_days: Iterable[tuple[dt.date, int]]) -> np.ndarray:
    archived = np.zeros(len(ids), dtype=bool)
    for day, count in deleted_days:
        on_day = np.flatnonzero(created_us // US_PER_DAY == (day - EPOCH).days)
        archived[on_day[np.argsort(ids[on_day], kind="stable")][:count]] = True
    return archived
