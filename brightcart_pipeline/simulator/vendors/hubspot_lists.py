"""HubSpot Lists API v3: static (MANUAL) contact lists and their memberships, as BrightCart's audiences use them.

`POST /crm/v3/lists` creates a list, `GET /crm/v3/lists/object-type-id/0-1/name/{name}` finds it,
`PUT /crm/v3/lists/{listId}/memberships/add|remove` take a JSON array of record ids (strings) and
answer `recordIdsAdded`/`recordIdsRemoved` plus `recordIdsMissing` for ids that are no contact;
`GET …/memberships` pages the members with `after`. Auth, throttling and error envelopes are HubSpot's
(inherited from the CRM simulator). Memberships live in this vendor object: what was sent, as HubSpot
would hold it, so tests can read the destination's side.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from brightcart_pipeline.simulator.server import Request, Response, Route, SimulatorContext
from brightcart_pipeline.simulator.vendors.common import page_limit
from brightcart_pipeline.simulator.vendors.hubspot import HubSpotVendor, hubspot_time

CONTACT_OBJECT_TYPE = "0-1"
MEMBERSHIP_BATCH_MAX = 100_000  # record ids per add or remove request
MEMBERSHIP_PAGE_MAX = 250
LIST_ID_BASE = 900


@dataclass
class StaticList:
    list_id: int
    name: str
    created_us: int
    members: dict[int, int] = field(default_factory=dict)  # record id → membership time (µs)
    updated_us: int = 0

    def render(self) -> dict[str, Any]:
        return {"listId": str(self.list_id), "name": self.name, "objectTypeId": CONTACT_OBJECT_TYPE,
                "processingType": "MANUAL", "processingStatus": "COMPLETE", "listVersion": 1,
                "size": len(self.members), "createdAt": hubspot_time(self.created_us),
                "updatedAt": hubspot_time(self.updated_us or self.created_us)}


class HubSpotListsVendor(HubSpotVendor):
    NAME = "hubspot_lists"

    def __init__(self, context: SimulatorContext) -> None:
        super().__init__(context)
        self.membership_batch_max = MEMBERSHIP_BATCH_MAX  # tests lower it to exercise batching
        self.lists: dict[int, StaticList] = {}
        self._lists_lock = threading.Lock()

    def routes(self) -> list[Route]:
        list_id = r"(?P<list_id>[^/]+)"
        return [
            Route.of("POST", "/crm/v3/lists", self.create_list),
            Route.of("GET", r"/crm/v3/lists/object-type-id/(?P<object_type_id>[^/]+)/name/(?P<name>[^/]+)",
                     self.list_by_name),
            Route.of("PUT", f"/crm/v3/lists/{list_id}/memberships/(?P<operation>add|remove)", self.change_members),
            Route.of("GET", f"/crm/v3/lists/{list_id}/memberships", self.list_members),
        ]

    # -- state ----------------------------------------------------------------------------------------
    def members(self, name: str) -> set[int]:
        """Contact ids currently in the list called `name` (empty when there is no such list)."""
        found = next((lst for lst in self.lists.values() if lst.name == name), None)
        return set(found.members) if found else set()

    def _contact_ids(self) -> set[int]:
        """Contact ids HubSpot knows as of the clock; merged-away ids still resolve, as in HubSpot."""
        contacts, _ = self._crm(self.context.as_of_us)
        return set(contacts)

    def _not_found(self, request: Request, list_id: str) -> Response:
        return Response.json({"status": "error", "message": f"List does not exist with ID {list_id}.",
                              "correlationId": self._correlation(request), "category": "OBJECT_NOT_FOUND"}, 404)

    def _find(self, list_id: str) -> StaticList | None:
        return self.lists.get(int(list_id)) if list_id.isdigit() else None

    # -- endpoints ------------------------------------------------------------------------------------
    def create_list(self, request: Request) -> Response:
        body = request.json()
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return self._bad_request(request, "name is required")
        if body.get("objectTypeId") != CONTACT_OBJECT_TYPE or body.get("processingType") != "MANUAL":
            return self._bad_request(request, "only MANUAL lists of contacts (objectTypeId 0-1) are supported")
        with self._lists_lock:
            if any(lst.name == name for lst in self.lists.values()):
                return Response.json({"status": "error", "message": f"A list named '{name}' already exists.",
                                      "correlationId": self._correlation(request), "category": "CONFLICT"}, 409)
            created = StaticList(LIST_ID_BASE + len(self.lists) + 1, name, self.context.as_of_us)
            self.lists[created.list_id] = created
        return self._ok({"list": created.render()})

    def list_by_name(self, request: Request, object_type_id: str, name: str) -> Response:
        found = next((lst for lst in self.lists.values() if lst.name == name), None)
        if found is None or object_type_id != CONTACT_OBJECT_TYPE:
            return Response.json({"status": "error", "message": f"List does not exist with name {name}.",
                                  "correlationId": self._correlation(request), "category": "OBJECT_NOT_FOUND"}, 404)
        return self._ok({"list": found.render()})

    def change_members(self, request: Request, list_id: str, operation: str) -> Response:
        target = self._find(list_id)
        if target is None:
            return self._not_found(request, list_id)
        ids = request.json()
        if not isinstance(ids, list) or not all(isinstance(i, str) and i.isdigit() for i in ids):
            return self._bad_request(request, "the body must be a JSON array of record ids")
        if len(ids) > self.membership_batch_max:
            return self._bad_request(
                request, f"At most {self.membership_batch_max} record ids can be added or removed per request; "
                         f"got {len(ids)}.")
        known = self._contact_ids()
        now = self.context.as_of_us
        changed, missing = [], []
        with self._lists_lock:
            for text in ids:
                record_id = int(text)
                if operation == "add" and record_id not in known:
                    missing.append(text)
                elif operation == "add":
                    target.members.setdefault(record_id, now)
                    changed.append(text)
                elif target.members.pop(record_id, None) is not None:
                    changed.append(text)
                else:
                    missing.append(text)
            target.updated_us = now
        key = "recordIdsAdded" if operation == "add" else "recordIdsRemoved"
        return self._ok({key: changed, "recordIdsMissing": missing})

    def list_members(self, request: Request, list_id: str) -> Response:
        target = self._find(list_id)
        if target is None:
            return self._not_found(request, list_id)
        limit = page_limit(request, 100, MEMBERSHIP_PAGE_MAX)
        if limit is None:
            return self._bad_request(request, f"limit must be between 1 and {MEMBERSHIP_PAGE_MAX}")
        after = request.param("after") or "0"
        if not after.isdigit():
            return self._bad_request(request, "after must be a paging cursor returned by this endpoint")
        offset = int(after)
        members = sorted(target.members.items())
        body: dict[str, Any] = {"results": [
            {"recordId": str(record_id), "membershipTimestamp": hubspot_time(at)}
            for record_id, at in members[offset:offset + limit]], "total": len(members)}
        if offset + limit < len(members):
            body["paging"] = {"next": {"after": str(offset + limit)}}
        return self._ok(body)


def build(context: SimulatorContext) -> HubSpotListsVendor:
    return HubSpotListsVendor(context)
