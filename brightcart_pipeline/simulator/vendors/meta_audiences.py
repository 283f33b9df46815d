"""Meta Marketing API custom audiences (Graph v21.0): customer-file audiences and their users.

`POST /act_{id}/customaudiences` creates an audience (`subtype=CUSTOM`,
`customer_file_source`), `GET` lists them. `POST` and `DELETE /{audience_id}/users` take
`{"payload": {"schema": [...], "data": [[...], ...]}, "session": {...}}` with at most 10,000 rows per
request; each value must be the SHA-256 hex digest of the normalised identifier, and rows that are
not (plain text, wrong length) are counted in `num_invalid_entries` and never stored. A removal
drops every stored user sharing one of the row's hashes, as Meta matches on any identifier.
Auth, throttling and error envelopes are the Graph API's (inherited from the ads simulator).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from brightcart_pipeline.simulator.server import Request, Response, Route, SimulatorContext
from brightcart_pipeline.simulator.vendors.meta_ads import ACCOUNT_NUMBER, MetaAdsVendor

USERS_BATCH_MAX = 10_000  # rows per users request, as Meta documents
SCHEMA_KEYS = frozenset({"EMAIL", "PHONE", "FN", "LN", "CT", "ST", "ZIP", "COUNTRY", "EXTERN_ID", "MADID"})
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
AUDIENCE_ID_BASE = 23_850_000_000_000
INVALID_SAMPLES = 5

Identifier = tuple[str, str]  # (schema key, hash)


@dataclass
class CustomAudience:
    audience_id: int
    name: str
    description: str
    users: set[frozenset[Identifier]] = field(default_factory=set)

    def render(self) -> dict[str, Any]:
        return {"id": str(self.audience_id), "name": self.name, "description": self.description,
                "subtype": "CUSTOM", "customer_file_source": "USER_PROVIDED_ONLY",
                "approximate_count_lower_bound": len(self.users), "approximate_count_upper_bound": len(self.users)}


class MetaAudiencesVendor(MetaAdsVendor):
    NAME = "meta_audiences"

    def __init__(self, context: SimulatorContext) -> None:
        super().__init__(context)
        self.users_batch_max = USERS_BATCH_MAX  # tests lower it to exercise batching
        self.audiences: dict[int, CustomAudience] = {}
        self._audiences_lock = threading.Lock()
        self.sessions_seen: list[dict[str, Any]] = []

    def routes(self) -> list[Route]:
        base = r"/v(?P<version>\d+\.\d+)"
        account = f"{base}/act_(?P<account>\\d+)/customaudiences"
        users = f"{base}/(?P<audience_id>\\d+)/users"
        return [
            Route.of("POST", account, self.create_audience),
            Route.of("GET", account, self.list_audiences),
            Route.of("POST", users, self.add_users),
            Route.of("DELETE", users, self.remove_users),
        ]

    # -- state ----------------------------------------------------------------------------------------
    def users(self, name: str) -> set[frozenset[Identifier]]:
        """The users (each a set of (schema key, hash)) of the audience called `name`."""
        found = next((a for a in self.audiences.values() if a.name == name), None)
        return set(found.users) if found else set()

    # -- endpoints ------------------------------------------------------------------------------------
    def create_audience(self, request: Request, version: str, account: str) -> Response:
        if account != ACCOUNT_NUMBER:
            return self._unknown_object(request, f"act_{account}")
        body = request.json() | {k: v[0] for k, v in request.query.items() if k != "access_token"}
        name = body.get("name")
        if not name:
            return self._error(request, 400, "(#100) The parameter name is required", 100)
        if body.get("subtype") != "CUSTOM" or not body.get("customer_file_source"):
            return self._error(request, 400, "(#2654) Customer file audiences need subtype CUSTOM and a "
                                             "customer_file_source", 2654)
        with self._audiences_lock:
            audience = CustomAudience(AUDIENCE_ID_BASE + len(self.audiences) + 1, name, body.get("description", ""))
            self.audiences[audience.audience_id] = audience
        return Response.json({"id": str(audience.audience_id)})

    def list_audiences(self, request: Request, version: str, account: str) -> Response:
        if account != ACCOUNT_NUMBER:
            return self._unknown_object(request, f"act_{account}")
        wanted = (request.param("fields") or "id").split(",")
        data = [{k: v for k, v in a.render().items() if k in wanted or k == "id"} for a in self.audiences.values()]
        return Response.json({"data": data, "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}})

    def add_users(self, request: Request, version: str, audience_id: str) -> Response:
        return self._change_users(request, audience_id, add=True)

    def remove_users(self, request: Request, version: str, audience_id: str) -> Response:
        return self._change_users(request, audience_id, add=False)

    def _change_users(self, request: Request, audience_id: str, add: bool) -> Response:
        audience = self.audiences.get(int(audience_id))
        if audience is None:
            return self._unknown_object(request, audience_id)
        body = request.json()
        payload = body.get("payload") or {}
        schema, data = payload.get("schema"), payload.get("data")
        if isinstance(schema, str):
            schema = [schema]
        if not isinstance(schema, list) or not schema or not set(schema) <= SCHEMA_KEYS:
            return self._error(request, 400, "(#100) Invalid schema: expected a list of "
                                             f"{', '.join(sorted(SCHEMA_KEYS))}", 100, subcode=1870053)
        if not isinstance(data, list) or not data:
            return self._error(request, 400, "(#100) The payload data is empty", 100, subcode=1870057)
        if len(data) > self.users_batch_max:
            return self._error(request, 400, f"(#100) Too many users in one request: the maximum is "
                                             f"{self.users_batch_max}, got {len(data)}", 100, subcode=1870051)
        valid, invalid = _parse_rows(schema, data)
        with self._audiences_lock:
            if add:
                audience.users.update(valid)
            else:
                gone = {hashed for row in valid for hashed in row}
                audience.users = {user for user in audience.users if not user & gone}
        session = body.get("session") or {}
        self.sessions_seen.append(session)
        return Response.json({
            "audience_id": audience_id, "session_id": str(session.get("session_id", 0)),
            "num_received": len(data), "num_invalid_entries": len(invalid),
            "invalid_entry_samples": {str(i): row for i, row in invalid[:INVALID_SAMPLES]}})


def _parse_rows(schema: list[str], data: list[Any]) -> tuple[list[frozenset[Identifier]], list[tuple[int, Any]]]:
    """Rows whose every non-empty value is a SHA-256 hex digest (and at least one is); the rest invalid."""
    valid: list[frozenset[Identifier]] = []
    invalid: list[tuple[int, Any]] = []
    for index, row in enumerate(data):
        values = row if isinstance(row, list) else [row]
        pairs = [(key, value) for key, value in zip(schema, values, strict=False) if value]
        if len(values) != len(schema) or not pairs or not all(
                isinstance(value, str) and SHA256_HEX.match(value) for _, value in pairs):
            invalid.append((index, row))
        else:
            valid.append(frozenset(pairs))
    return valid, invalid


def build(context: SimulatorContext) -> MetaAudiencesVendor:
    return MetaAudiencesVendor(context)
