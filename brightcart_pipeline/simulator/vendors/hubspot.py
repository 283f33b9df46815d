"""HubSpot CRM v3 objects and search, v4 associations: contacts and deals as of the simulator clock.

Contacts and deals come from `truth_web.crm_contacts` / `crm_deals` (the CRM timeline of the world);
this module renders them the way HubSpot does: every property value a string (or null), ids as
strings, `after` cursors, the search endpoint's 200-per-page and 10,000-result limits, merged
duplicates gone from listings (the survivor lists them in `hs_merged_object_ids`), archived deals
only under `archived=true`. Throttling speaks HubSpot's dialect: 429 with `policyName`
TEN_SECONDLY_ROLLING (190 requests per 10 s for the app) or SECONDLY (search: 4 per second).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import orjson

from brightcart_pipeline.simulator.faults import Faulted
from brightcart_pipeline.simulator.people import Person, person
from brightcart_pipeline.simulator.server import (
    RateLimit,
    Request,
    Response,
    Route,
    SimulatorContext,
    SlidingWindow,
)
from brightcart_pipeline.simulator.truth_web import TrueContact, TrueDeal, crm_contacts, crm_deals
from brightcart_pipeline.simulator.vendors.common import has_bearer, page_limit
from brightcart_pipeline.simulator.vendors.hubspot_index import ContactIndex, contact_index
from brightcart_pipeline.simulator.world import US_PER_SECOND

LIST_MAX_LIMIT = 100
LIST_DEFAULT_LIMIT = 10
SEARCH_MAX_LIMIT = 200
SEARCH_DEFAULT_LIMIT = 10
SEARCH_RESULT_CAP = 10_000
SEARCH_RATE_LIMIT = RateLimit(requests=4, seconds=1.0)
ASSOCIATION_BATCH_MAX = 1000
ALWAYS_RETURNED = {"contacts": ("createdate", "lastmodifieddate", "hs_object_id"),
                   "deals": ("createdate", "hs_lastmodifieddate", "hs_object_id")}
DEFAULT_PROPERTIES = {"contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
                      "deals": ("amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
                                "hs_object_id", "pipeline")}
MODIFIED_PROPERTY = {"contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}
ASSOCIATION_TYPE = {("contacts", "deals"): (4, "contact_to_deal"), ("deals", "contacts"): (3, "deal_to_contact")}
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda a, b: a == b, "NEQ": lambda a, b: a != b, "GT": lambda a, b: a > b, "GTE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b, "LTE": lambda a, b: a <= b,
}
# Deletions are archives in HubSpot (`_deleted_contacts`), so rendering meets only these data faults.
RENDER_FAULTS = ("schema_drift", "malformed_records", "duplicate_records")
LEGAL_BASIS_CONSENT = "Freely given consent from contact"
LEGAL_BASIS_LEGITIMATE_INTEREST = "Legitimate interest - existing customer"
DATE_PROPERTIES = frozenset({"createdate", "lastmodifieddate", "hs_lastmodifieddate", "closedate"})
# Bounds of a `lastmodifieddate` filter on the sorted dates: (searchsorted side for lo, for hi); None leaves it.
RANGE_SIDES: dict[str, tuple[str | None, str | None]] = {
    "GT": ("right", None), "GTE": ("left", None), "LT": (None, "left"), "LTE": (None, "right"),
    "EQ": ("left", "right"), "HAS_PROPERTY": (None, None)}


def legal_basis(p: Person) -> str | None:
    """HubSpot's GDPR legal basis for processing the contact: consent for ad audiences, else legitimate interest."""
    if p.ad_audience_consent:
        return LEGAL_BASIS_CONSENT
    return LEGAL_BASIS_LEGITIMATE_INTEREST if p.marketing_consent else None


def hubspot_time(ts_us: int) -> str:
    """HubSpot's timestamps: UTC, milliseconds, `Z`."""
    moment = dt.datetime.fromtimestamp(ts_us // 1000 / 1000, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_ms(value: str) -> int:
    """A filter value: epoch milliseconds, or an ISO timestamp as HubSpot also accepts."""
    if value.lstrip("-").isdigit():
        return int(value)
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


@dataclass(frozen=True)
class CrmRecord:
    """One contact or deal with its rendered properties (every value a string or None)."""

    object_type: str
    object_id: int
    created_us: int
    modified_us: int
    properties: dict[str, str | None]
    archived_us: int | None = None

    @property
    def data_day(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.modified_us / US_PER_SECOND, dt.UTC).date()


class Throttle:
    """Requests in the last window, to fill HubSpot's X-HubSpot-RateLimit-Remaining header."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def remaining(self) -> int:
        now = time.monotonic()
        with self._lock:
            self._times.append(now)
            while self._times and now - self._times[0] >= self.limit.seconds:
                self._times.popleft()
            return max(0, self.limit.requests - len(self._times))


class HubSpotVendor:
    NAME = "hubspot"
    RATE_LIMIT = RateLimit(requests=190, seconds=10.0)

    def __init__(self, context: SimulatorContext) -> None:
        self.context = context
        self.search_cap = SEARCH_RESULT_CAP  # tests lower it to exercise re-windowing on a small world
        self._usage = Throttle(self.RATE_LIMIT)
        self._search_window = SlidingWindow(SEARCH_RATE_LIMIT)
        self._records = lru_cache(maxsize=8)(self._build_records)
        self._crm = lru_cache(maxsize=8)(
            lambda as_of: (crm_contacts(context.world, as_of), crm_deals(context.world, as_of)))
        # A full-scale clock holds millions of contacts: a search's matches are found once per query (every page
        # of it reads them), date filters compare arrays, and a retrying client waits for the one build.
        self._dates = lru_cache(maxsize=16)(self._date_column)
        self._searched = lru_cache(maxsize=32)(self._search_positions)
        self._build_lock = threading.RLock()
        self._contact_index = lru_cache(maxsize=4)(self._build_contact_index)

    def routes(self) -> list[Route]:
        objects = r"(?P<object_type>contacts|deals)"
        return [
            Route.of("GET", f"/crm/v3/objects/{objects}", self.list_objects),
            Route.of("POST", f"/crm/v3/objects/{objects}/search", self.search),
            Route.of("POST", r"/crm/v4/associations/(?P<from_type>contacts|deals)/(?P<to_type>contacts|deals)"
                             r"/batch/read", self.batch_read_associations),
            Route.of("GET", r"/crm/v4/objects/(?P<from_type>contacts|deals)/(?P<object_id>\d+)/associations/"
                            r"(?P<to_type>contacts|deals)", self.object_associations),
        ]

    # -- auth, throttling, errors ---------------------------------------------------------------------
    def unauthorized(self, request: Request) -> Response | None:
        if has_bearer(request, "hubspot_access_token"):
            return None
        return Response.json({
            "status": "error",
            "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
                       "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            "correlationId": self._correlation(request), "category": "INVALID_AUTHENTICATION"}, 401)

    def throttled(self, request: Request) -> Response:
        if request.path.endswith("/search"):
            policy, limit, message = "SECONDLY", SEARCH_RATE_LIMIT, "You have reached your secondly limit."
        else:
            policy, limit = "TEN_SECONDLY_ROLLING", self.RATE_LIMIT
            message = "You have reached your ten_secondly_rolling limit."
        return Response.json(
            {"status": "error", "message": message, "errorType": "RATE_LIMIT",
             "correlationId": self._correlation(request), "policyName": policy,
             "groupName": "publicapi:private-app:brightcart"},
            429, {"X-HubSpot-RateLimit-Max": str(limit.requests), "X-HubSpot-RateLimit-Remaining": "0",
                  "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(limit.seconds * 1000))})

    def server_error(self, request: Request, status: int) -> Response:
        return Response.json({"status": "error", "message": "internal error", "correlationId":
                              self._correlation(request), "category": "INTERNAL_ERROR"}, status)

    def _bad_request(self, request: Request, message: str) -> Response:
        return Response.json({"status": "error", "message": message, "correlationId": self._correlation(request),
                              "category": "VALIDATION_ERROR"}, 400)

    def _correlation(self, request: Request) -> str:
        seed = f"{request.method} {request.path} {sorted(request.query.items())} {self.context.as_of_us}"
        return str(uuid.UUID(bytes=hashlib.md5(seed.encode() + request.body).digest()))

    def _ok(self, payload: Any, status: int = 200) -> Response:
        return Response.json(payload, status, {
            "X-HubSpot-RateLimit-Max": str(self.RATE_LIMIT.requests),
            "X-HubSpot-RateLimit-Remaining": str(self._usage.remaining()),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.RATE_LIMIT.seconds * 1000)),
        })

    # -- records --------------------------------------------------------------------------------------
    def _build_records(self, as_of_us: int, plan_id: int) -> dict[str, list[CrmRecord]]:
        """Every contact and deal as of the clock, id order, merged-away contacts left out."""
        contacts, deals_by_id = self._crm(as_of_us)
        deleted = self._deleted_contacts(contacts)
        rendered = [self._contact(c, deleted.get(c.contact_id)) for c in contacts.values() if c.listed]
        deals = [self._deal(d) for d in deals_by_id.values()]
        return {"contacts": sorted(rendered, key=lambda r: r.object_id),
                "deals": sorted(deals, key=lambda r: r.object_id)}

    def _deleted_contacts(self, contacts: dict[int, TrueContact]) -> dict[int, int]:
        """A `deleted_records` fault archives the first `count` contacts created on its day."""
        deleted: dict[int, int] = {}
        for fault in self.context.faults.plan.faults:
            if fault.vendor != self.NAME or fault.kind != "deleted_records" or fault.resource not in (None, "contacts"):
                continue
            day = [c for c in contacts.values() if c.listed and _utc_day(c.created_us) == fault.on]
            for c in sorted(day, key=lambda c: c.contact_id)[:fault.count]:
                deleted[c.contact_id] = c.last_modified_us
        return deleted

    @staticmethod
    def _contact(c: TrueContact, deleted_us: int | None) -> CrmRecord:
        p = person(c.person_id)
        props: dict[str, str | None] = {
            "email": c.email, "firstname": p.first_name, "lastname": p.last_name, "phone": p.phone,
            "country": p.country, "city": p.city, "lifecyclestage": c.lifecyclestage,
            "hs_analytics_source": c.analytics_source, "hs_analytics_source_data_1": c.analytics_source_data_1,
            "createdate": hubspot_time(c.created_us), "lastmodifieddate": hubspot_time(c.last_modified_us),
            "hs_object_id": str(c.contact_id), "hs_email_optout": "false" if p.marketing_consent else "true",
            "hs_marketable_status": "true" if p.marketing_consent else "false",
            "hs_legal_basis": legal_basis(p),
            "hs_merged_object_ids": ";".join(map(str, c.merged_ids)) or None,
            "hs_all_contact_vids": ";".join(map(str, (c.contact_id, *c.merged_ids))),
            "num_associated_deals": str(len(c.deal_ids)) if c.deal_ids else None,
        }
        return CrmRecord("contacts", c.contact_id, c.created_us, c.last_modified_us, props, deleted_us)

    def _deal(self, d: TrueDeal) -> CrmRecord:
        as_of = self.context.as_of_us
        stage = d.stage(as_of)
        p = person(d.person_id)
        props: dict[str, str | None] = {
            "dealname": f"{p.first_name} {p.last_name} - Newsletter upsell",
            "amount": f"{d.amount_cents // 100}.{d.amount_cents % 100:02d}", "deal_currency_code": "USD",
            "dealstage": stage, "pipeline": "default", "closedate": hubspot_time(d.close_us),
            "createdate": hubspot_time(d.created_us), "hs_lastmodifieddate": hubspot_time(d.last_modified_us),
            "hs_object_id": str(d.deal_id), "hs_is_closed": "true" if stage.startswith("closed") else "false",
            "hs_is_closed_won": "true" if stage == "closedwon" else "false",
        }
        return CrmRecord("deals", d.deal_id, d.created_us, d.last_modified_us, props, d.archived_us)

    def _all(self, object_type: str) -> list[CrmRecord]:
        with self._build_lock:
            return self._records(self.context.as_of_us, id(self.context.faults.plan))[object_type]

    def _date_column(self, as_of_us: int, plan_id: int, object_type: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A date property of every record as epoch ms, as `_matches` reads it, and whether it is set."""
        values = [r.properties.get(name) for r in self._all(object_type)]
        present = np.fromiter((v is not None for v in values), bool, len(values))
        return np.fromiter((to_ms(v) if v else 0 for v in values), np.int64, len(values)), present

    def _search_positions(self, as_of_us: int, plan_id: int, object_type: str, groups_json: bytes,
                          sorts_json: bytes) -> np.ndarray:
        """Positions (into `_all`) of a search's results in its order: unarchived records matching the filter
        groups, sorted by the first sort (its key ends in the object id, so earlier sorts never break ties)."""
        records = self._all(object_type)
        groups: list[dict[str, Any]] = orjson.loads(groups_json)
        keep = np.fromiter((r.archived_us is None for r in records), bool, len(records))
        if groups:
            matched = np.zeros(len(records), dtype=bool)
            for group in groups:
                found = np.ones(len(records), dtype=bool)
                for f in group.get("filters", []):
                    found &= self._filter_mask(as_of_us, plan_id, object_type, f)
                matched |= found
            keep &= matched
        positions = np.flatnonzero(keep)
        sort = (orjson.loads(sorts_json) or [{"propertyName": "hs_object_id"}])[0]
        name = sort["propertyName"]
        if name in DATE_PROPERTIES:
            ms, present = self._dates(as_of_us, plan_id, object_type, name)
            if present[positions].all():
                ids = np.fromiter((r.object_id for r in records), np.int64, len(records))
                ranked = positions[np.lexsort((ids[positions], ms[positions]))]
                return ranked[::-1] if sort.get("direction") == "DESCENDING" else ranked
        ranked_list = sorted(positions.tolist(), key=lambda i: _sort_value(records[i], name),
                             reverse=sort.get("direction") == "DESCENDING")
        return np.array(ranked_list, dtype=np.int64)

    def _filter_mask(self, as_of_us: int, plan_id: int, object_type: str, f: dict[str, Any]) -> np.ndarray:
        """`_matches` of one filter for every record: dates as arrays, other properties one by one."""
        name, op = f["propertyName"], f["operator"]
        if name in DATE_PROPERTIES:
            ms, present = self._dates(as_of_us, plan_id, object_type, name)
            if op == "HAS_PROPERTY":
                return present
            if op == "NOT_HAS_PROPERTY":
                return ~present
            return present & OPERATORS[op](ms, to_ms(str(f["value"])))
        records = self._all(object_type)
        group = [{"filters": [f]}]
        return np.fromiter((_matches(r, group) for r in records), bool, len(records))

    def _has_render_faults(self, object_type: str) -> bool:
        return any(f.vendor == self.NAME and f.kind in RENDER_FAULTS and f.resource in (None, object_type)
                   for f in self.context.faults.plan.faults)

    def _associations(self, from_type: str, object_id: int) -> list[int]:
        contacts, deals = self._crm(self.context.as_of_us)
        if from_type == "contacts":
            contact = contacts.get(object_id)
            return list(contact.deal_ids) if contact and contact.listed else []
        deal = deals.get(object_id)
        return [deal.contact_id] if deal and deal.archived_us is None else []

    def _render(self, record: CrmRecord, wanted: list[str] | None,
                associations: tuple[str, ...] = ()) -> dict[str, Any]:
        names = wanted if wanted else DEFAULT_PROPERTIES[record.object_type]
        names = [*names, *(n for n in ALWAYS_RETURNED[record.object_type] if n not in names)]
        body: dict[str, Any] = {
            "id": str(record.object_id),
            "properties": {n: record.properties[n] for n in names if n in record.properties},
            "createdAt": hubspot_time(record.created_us),
            "updatedAt": hubspot_time(record.modified_us),
            "archived": record.archived_us is not None,
        }
        if record.archived_us is not None:
            body["archivedAt"] = hubspot_time(record.archived_us)
        for to_type in associations:
            ids = self._associations(record.object_type, record.object_id) if record.archived_us is None else []
            if ids:
                kind = ASSOCIATION_TYPE[(record.object_type, to_type)][1]
                body.setdefault("associations", {})[to_type] = {
                    "results": [{"id": str(i), "type": kind} for i in ids]}
        return body

    # -- data faults ----------------------------------------------------------------------------------
    def _faulted(self, object_type: str, records: list[CrmRecord]) -> list[Faulted[CrmRecord]]:
        """Records with the render faults of their data day; `deleted_records` archives (`_deleted_contacts`)."""
        return self.context.faults.faulted(self.NAME, object_type, records, day_of=lambda r: r.data_day,
                                           kinds=RENDER_FAULTS)

    # -- endpoints ------------------------------------------------------------------------------------
    def list_objects(self, request: Request, object_type: str) -> Response:
        limit = page_limit(request, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT)
        if limit is None:
            return self._bad_request(request, f"limit must be between 1 and {LIST_MAX_LIMIT}")
        archived = (request.param("archived") or "false").lower() == "true"
        wanted = _csv(request.query.get("properties"))
        associations = tuple(a for a in _csv(request.query.get("associations")) or [] if a in ("contacts", "deals"))
        records = [r for r in self._all(object_type) if (r.archived_us is not None) == archived]
        offset = _offset(request.param("after"))
        if offset is None:
            return self._bad_request(request, "after must be a paging cursor returned by this endpoint")
        rows = self._faulted(object_type, records)
        page = rows[offset:offset + limit]
        body: dict[str, Any] = {"results": [f.render(self._render(f.item, wanted, associations), _malform)
                                            for f in page]}
        if offset + limit < len(rows):
            after = str(offset + limit)
            query = f"limit={limit}&after={after}&archived={str(archived).lower()}"
            body["paging"] = {"next": {"after": after, "link": f"{request.base_url}{request.path}?{query}"}}
        return self._ok(body)

    def search(self, request: Request, object_type: str) -> Response:
        if self.context.rate_limits_enabled and not self._search_window.allow():
            return self.throttled(request)
        body = request.json()
        limit = int(body.get("limit", SEARCH_DEFAULT_LIMIT))
        if not 1 <= limit <= SEARCH_MAX_LIMIT:
            return self._bad_request(request, f"limit must be between 1 and {SEARCH_MAX_LIMIT}")
        offset = _offset(body.get("after"))
        if offset is None:
            return self._bad_request(request, "after must be a paging cursor returned by this endpoint")
        if offset >= self.search_cap:
            return self._bad_request(
                request, f"Cannot page beyond {self.search_cap} results: narrow the search with filters.")
        lazy = self._lazy_search(object_type, body, offset, limit)
        if lazy is not None:
            return self._ok(lazy)
        records = self._all(object_type)
        try:
            with self._build_lock:
                positions = self._searched(self.context.as_of_us, id(self.context.faults.plan), object_type,
                                           orjson.dumps(body.get("filterGroups") or []),
                                           orjson.dumps(body.get("sorts") or []))
        except (KeyError, ValueError) as error:
            return self._bad_request(request, f"Invalid filter: {error}")
        if self._has_render_faults(object_type):  # faults choose their records on the whole result
            rows = self._faulted(object_type, [records[i] for i in positions.tolist()])
            page = rows[offset:offset + limit]
            total = len(rows)
        else:
            page = [Faulted(records[i]) for i in positions[offset:offset + limit].tolist()]
            total = len(positions)
        out: dict[str, Any] = {"total": total,
                               "results": [f.render(self._render(f.item, body.get("properties")), _malform)
                                           for f in page]}
        if offset + limit < total:
            out["paging"] = {"next": {"after": str(offset + limit)}}
        return self._ok(out)

    # -- contacts search from the index (no render faults, `lastmodifieddate` filters and sort) --------
    def _build_contact_index(self, as_of_us: int, plan_id: int) -> ContactIndex:
        deleted = [(f.on, f.count) for f in self.context.faults.plan.faults
                   if f.vendor == self.NAME and f.kind == "deleted_records" and f.resource in (None, "contacts")]
        return contact_index(self.context.world, as_of_us, deleted)

    def _lazy_search(self, object_type: str, body: dict[str, Any], offset: int, limit: int) -> dict[str, Any] | None:
        """The search's page from `ContactIndex`, rendering only the page's contacts; None when the query
        needs the fully rendered records (other properties, other sorts, render faults)."""
        sorts = body.get("sorts") or []
        groups = body.get("filterGroups") or []
        if (object_type != "contacts" or self._has_render_faults(object_type) or not sorts
                or sorts[0].get("propertyName") != "lastmodifieddate" or not _range_filters(groups)):
            return None
        with self._build_lock:  # a retrying client waits for the one build
            index = self._contact_index(self.context.as_of_us, id(self.context.faults.plan))
        positions = _range_positions(index.modified_ms, groups)
        if sorts[0].get("direction") == "DESCENDING":
            positions = positions[::-1]
        # Archived contacts are never searched, so none of the page is.
        page = [self._contact(index.contact(self.context.world, int(i)), None)
                for i in index.contact_id[positions[offset:offset + limit]].tolist()]
        out: dict[str, Any] = {"total": len(positions),
                               "results": [self._render(r, body.get("properties")) for r in page]}
        if offset + limit < len(positions):
            out["paging"] = {"next": {"after": str(offset + limit)}}
        return out

    def batch_read_associations(self, request: Request, from_type: str, to_type: str) -> Response:
        inputs = request.json().get("inputs") or []
        if len(inputs) > ASSOCIATION_BATCH_MAX:
            return self._bad_request(request, f"inputs may hold at most {ASSOCIATION_BATCH_MAX} ids")
        type_id, _ = ASSOCIATION_TYPE[(from_type, to_type)]
        results, errors = [], []
        for item in inputs:
            ids = self._associations(from_type, int(item["id"]))
            if ids:
                results.append({"from": {"id": str(item["id"])}, "to": [
                    {"toObjectId": i, "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]} for i in ids]})
            else:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                               "message": f"No {to_type[:-1]} is associated with {from_type[:-1]} {item['id']}.",
                               "context": {"fromObjectId": [str(item["id"])]}})
        clock = hubspot_time(self.context.as_of_us)
        payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            payload |= {"numErrors": len(errors), "errors": errors}
        payload |= {"startedAt": clock, "completedAt": clock}
        return self._ok(payload, 207 if errors else 200)

    def object_associations(self, request: Request, from_type: str, object_id: str, to_type: str) -> Response:
        type_id, _ = ASSOCIATION_TYPE[(from_type, to_type)]
        ids = self._associations(from_type, int(object_id))
        return self._ok({"results": [{"toObjectId": i, "associationTypes": [
            {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]} for i in ids]})


def _malform(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "createdAt"}


def _utc_day(ts_us: int) -> dt.date:
    return dt.datetime.fromtimestamp(ts_us / US_PER_SECOND, dt.UTC).date()


def _csv(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [name for value in values for name in value.split(",") if name]


def _offset(after: Any) -> int | None:
    if after in (None, ""):
        return 0
    text = str(after)
    return int(text) if text.isdigit() else None


def _range_filters(groups: list[dict[str, Any]]) -> bool:
    """Whether every filter bounds `lastmodifieddate` with a valid value, so a group is one range."""
    for group in groups:
        for f in group.get("filters", []):
            if f.get("propertyName") != "lastmodifieddate" or f.get("operator") not in RANGE_SIDES:
                return False
            if f["operator"] != "HAS_PROPERTY":
                try:
                    to_ms(str(f["value"]))
                except (KeyError, ValueError):
                    return False  # the full path answers 400
    return True


def _range_positions(modified_ms: np.ndarray, groups: list[dict[str, Any]]) -> np.ndarray:
    """Positions in the sorted dates matching any group; a group's filters narrow one range."""
    ranges = []
    for group in groups or [{}]:
        lo, hi = 0, len(modified_ms)
        for f in group.get("filters", []):
            lo_side, hi_side = RANGE_SIDES[f["operator"]]
            if lo_side:
                lo = max(lo, int(np.searchsorted(modified_ms, to_ms(str(f["value"])), lo_side)))
            if hi_side:
                hi = min(hi, int(np.searchsorted(modified_ms, to_ms(str(f["value"])), hi_side)))
        ranges.append((lo, hi))
    if len(ranges) == 1:
        lo, hi = ranges[0]
        return np.arange(lo, max(lo, hi), dtype=np.int64)
    matched = np.zeros(len(modified_ms), dtype=bool)
    for lo, hi in ranges:
        matched[lo:hi] = True
    return np.flatnonzero(matched)


def _sort_value(record: CrmRecord, name: str) -> tuple[Any, int]:
    value = record.properties.get(name)
    key: Any = to_ms(value) if name in DATE_PROPERTIES and value else value or ""
    return key, record.object_id


def _matches(record: CrmRecord, groups: list[dict[str, Any]]) -> bool:
    """Filters within a group are ANDed, groups ORed; date properties compare as epoch ms."""
    if not groups:
        return True
    for group in groups:
        ok = True
        for f in group.get("filters", []):
            name, op = f["propertyName"], f["operator"]
            value = record.properties.get(name)
            if op == "HAS_PROPERTY":
                ok = value is not None
            elif op == "NOT_HAS_PROPERTY":
                ok = value is None
            elif value is None:
                ok = False
            elif name in DATE_PROPERTIES:
                ok = OPERATORS[op](to_ms(value), to_ms(str(f["value"])))
            else:
                ok = OPERATORS[op](value, str(f["value"]))
            if not ok:
                break
        if ok:
            return True
    return False


def build(context: SimulatorContext) -> HubSpotVendor:
    return HubSpotVendor(context)
