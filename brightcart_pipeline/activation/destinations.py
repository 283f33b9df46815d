"""Where audiences go: HubSpot static lists (contact ids) and Meta custom audiences (hashed email and phone).

Both speak through the vendors' clients of the shared HTTP layer (pacing, throttle dialects, retries), built
exactly as the extractors build them. A destination says which consent covers it, how it knows a person,
how big one request may be, and how to find or create the audience and change its members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import orjson

from brightcart_pipeline.activation.identifiers import hashed_or_empty, meta_email, meta_phone, sha256_hex
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.sources import hubspot, meta_ads
from brightcart_pipeline.sources.http import ExtractError, VendorClient

Operation = Literal["add", "remove"]
AUDIENCE_PREFIX = "brightcart_"
HUBSPOT_MEMBERSHIP_BATCH = 100_000  # record ids per memberships add/remove request
META_USERS_BATCH = 10_000  # rows per customaudience users request
META_SCHEMA = ("EMAIL", "PHONE")


@dataclass(frozen=True)
class AudienceMember:
    """One person of one audience, as audience_members holds them (PII: email and phone)."""

    person_key: str
    hubspot_contact_id: int | None
    email: str | None
    phone: str | None


class Destination(Protocol):
    name: str
    consent: Literal["email_marketing_consent", "ad_audience_consent"]
    batch_size: int

    def member_key(self, member: AudienceMember) -> str | None:
        """How the destination knows the person, or None when it cannot reach them."""

    def ensure_audience(self, audience_name: str) -> str:
        """The destination's id of the audience, created when missing."""

    def send(self, remote_id: str, operation: Operation, keys: list[str], batch: int, batches: int) -> str:
        """One request; returns what the destination reported, for the audit log."""


@dataclass
class HubSpotLists:
    client: VendorClient
    batch_size: int = HUBSPOT_MEMBERSHIP_BATCH
    name: str = "hubspot"
    consent: Literal["email_marketing_consent", "ad_audience_consent"] = "email_marketing_consent"

    def member_key(self, member: AudienceMember) -> str | None:
        return str(member.hubspot_contact_id) if member.hubspot_contact_id is not None else None

    def ensure_audience(self, audience_name: str) -> str:
        name = AUDIENCE_PREFIX + audience_name
        try:
            found = self.client.get_json(f"/crm/v3/lists/object-type-id/0-1/name/{name}")
        except ExtractError as error:
            if not error.last.startswith("HTTP 404"):
                raise
            found = self.client.post_json("/crm/v3/lists", {"name": name, "objectTypeId": "0-1",
                                                            "processingType": "MANUAL"})
        return str(found["list"]["listId"])

    def send(self, remote_id: str, operation: Operation, keys: list[str], batch: int, batches: int) -> str:
        response = orjson.loads(self.client.request(
            "PUT", f"/crm/v3/lists/{remote_id}/memberships/{operation}", json=keys).content)
        done = response.get("recordIdsAdded" if operation == "add" else "recordIdsRemoved", [])
        return f"{len(done)} {'added' if operation == 'add' else 'removed'}, " \
               f"{len(response.get('recordIdsMissing', []))} missing"


@dataclass
class MetaCustomAudiences:
    client: VendorClient
    account_id: str
    batch_size: int = META_USERS_BATCH
    name: str = "meta"
    consent: Literal["email_marketing_consent", "ad_audience_consent"] = "ad_audience_consent"
    api_version: str = meta_ads.API_VERSION

    def member_key(self, member: AudienceMember) -> str | None:
        email, phone = hashed_or_empty(meta_email(member.email)), hashed_or_empty(meta_phone(member.phone))
        return f"{email}:{phone}" if email or phone else None

    def ensure_audience(self, audience_name: str) -> str:
        name = AUDIENCE_PREFIX + audience_name
        path = f"/{self.api_version}/{self.account_id}/customaudiences"
        listed = self.client.get_json(path, {"fields": "id,name"})
        found = next((a["id"] for a in listed.get("data", []) if a.get("name") == name), None)
        if found is not None:
            return str(found)
        created = self.client.post_json(path, {
            "name": name, "subtype": "CUSTOM", "customer_file_source": "USER_PROVIDED_ONLY",
            "description": f"BrightCart audience {audience_name}, synced from the warehouse"})
        return str(created["id"])

    def send(self, remote_id: str, operation: Operation, keys: list[str], batch: int, batches: int) -> str:
        rows = [key.split(":", 1) for key in keys]
        body = {"payload": {"schema": list(META_SCHEMA), "data": rows},
                "session": {"session_id": _session_id(remote_id, keys), "batch_seq": batch,
                            "last_batch_flag": batch == batches, "estimated_num_total": len(keys)}}
        response = orjson.loads(self.client.request(
            "POST" if operation == "add" else "DELETE", f"/{self.api_version}/{remote_id}/users", json=body).content)
        return f"{response.get('num_received', 0)} received, {response.get('num_invalid_entries', 0)} invalid"


def _session_id(remote_id: str, keys: list[str]) -> int:
    """Meta wants one session id per upload; derived, so a retried request is the same session."""
    return int(sha256_hex(remote_id + "".join(keys[:1]))[:12], 16)


def destinations_for(settings: Settings) -> list[Destination]:
    return [HubSpotLists(hubspot.build_client(settings)),
            MetaCustomAudiences(meta_ads.build_client(settings), settings.meta_ads_account_id)]
