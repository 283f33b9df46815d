"""HubSpot CRM: contacts and deals by search on their last-modified cursor, associations, archived records.

- Contacts and deals: `POST /crm/v3/objects/{type}/search` filtered on `lastmodifieddate` /
  `hs_lastmodifieddate` ≥ the dlt cursor, sorted ascending. Search stops at 10,000 results per query
  (a request with `after` ≥ 10000 is an HTTP 400), so the source re-windows: it starts a new query
  from the last timestamp it received. Records sharing that instant are read twice; the merge key
  keeps one.
- Contact → deal associations: search results carry none, so each contacts page is followed by one
  v4 batch read (`contact_deal_associations`, one row per contact that has deals). A deal being
  associated changes the contact's `num_associated_deals`, which moves its `lastmodifieddate`, so
  the contact cursor also picks up association changes.
- Archived records (`archived_contacts`, `archived_deals`): the list endpoint with `archived=true`,
  read in full each run (search never returns them).
- Merged contacts: raw keeps what HubSpot returns. A merged-away duplicate stops appearing; the
  survivor's `hs_merged_object_ids` ("id1;id2") and `hs_all_contact_vids` name it, so downstream
  models map a merged-away id to its survivor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dlt
import orjson
import requests

from brightcart_pipeline.lake.landing import LAKE_FILE_COLUMN, LakeKey, Landing, RecordContract
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.sources.base import (
    ExtractWindow,
    Page,
    ResourceSpec,
    latest_timestamp,
    parse_timestamp,
    resource,
    transformer,
)
from brightcart_pipeline.sources.http import (
    ExtractError,
    RequestBudget,
    VendorClient,
    bearer,
    follow_cursor,
    read_ahead,
)

SEARCH_PAGE_SIZE = 200
SEARCH_RESULT_CAP = 10_000
LIST_PAGE_SIZE = 100
RATE_LIMIT_HEADERS = ("X-HubSpot-RateLimit-Remaining", "X-HubSpot-RateLimit-Interval-Milliseconds")
LOW_REMAINING = 5
# A private app's ten-second rolling limit, and the CRM search endpoints' own per-second one.
APP_BUDGET = RequestBudget(requests=190, seconds=10.0)
SEARCH_BUDGET = RequestBudget(requests=4, seconds=1.0, path_suffix="/search")
CONTACT_PROPERTIES = (
    "email", "firstname", "lastname", "phone", "country", "city", "lifecyclestage", "hs_analytics_source",
    "hs_analytics_source_data_1", "createdate", "lastmodifieddate", "hs_object_id", "hs_email_optout",
    "hs_marketable_status", "hs_legal_basis", "hs_merged_object_ids", "hs_all_contact_vids", "num_associated_deals",
)
# Contact properties HubSpot sends as null until a contact has one (a source detail, a legal basis, a merge, a deal).
OPTIONAL_CONTACT_COLUMNS = tuple(f"properties__{p}" for p in (
    "hs_analytics_source_data_1", "hs_legal_basis", "hs_merged_object_ids", "num_associated_deals"))
DEAL_PROPERTIES = (
    "dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate", "createdate",
    "hs_lastmodifieddate", "hs_object_id", "hs_is_closed", "hs_is_closed_won",
)

CONTACTS = ResourceSpec(
    name="contacts",
    primary_key=("id",),
    contract=RecordContract(required=("id", "createdAt", "updatedAt", "properties.lastmodifieddate"),
                            integer_strings=("id",)),
    optional_text_columns=OPTIONAL_CONTACT_COLUMNS,
)
DEALS = ResourceSpec(
    name="deals",
    primary_key=("id",),
    contract=RecordContract(required=("id", "createdAt", "updatedAt", "properties.hs_lastmodifieddate"),
                            integer_strings=("id",), decimal_strings=("properties.amount",)),
)
CONTACT_DEAL_ASSOCIATIONS = ResourceSpec(
    name="contact_deal_associations",
    primary_key=("from__id",),
    contract=RecordContract(required=("from.id",), integer_strings=("from.id",)),
    json_columns=("to",),
)
ARCHIVED_CONTACTS = ResourceSpec(
    name="archived_contacts", primary_key=("id",),
    contract=RecordContract(required=("id", "archivedAt"), integer_strings=("id",)),
    optional_text_columns=OPTIONAL_CONTACT_COLUMNS,
)
ARCHIVED_DEALS = ResourceSpec(
    name="archived_deals", primary_key=("id",),
    contract=RecordContract(required=("id", "archivedAt"), integer_strings=("id",)),
)
RESOURCES = (CONTACTS, DEALS, CONTACT_DEAL_ASSOCIATIONS, ARCHIVED_CONTACTS, ARCHIVED_DEALS)


def hubspot_dialect(response: requests.Response) -> float | None:
    """HTTP 429 with `policyName`: the search endpoint's SECONDLY limit frees up within a second; the
    app's TEN_SECONDLY_ROLLING window frees a slot as its oldest request ages out, so wait a tenth of it
    and let the client's backoff grow from there."""
    if response.status_code != 429:
        return None
    try:
        policy = orjson.loads(response.content).get("policyName", "")
    except orjson.JSONDecodeError:
        policy = ""
    interval_ms = _header_int(response, "X-HubSpot-RateLimit-Interval-Milliseconds", 10_000)
    return interval_ms / 1000 if policy == "SECONDLY" else interval_ms / 10_000


def rate_limit_pressure(response: requests.Response) -> float:
    """Slow down before HubSpot has to say 429: few requests left in the rolling window."""
    remaining = _header_int(response, "X-HubSpot-RateLimit-Remaining", LOW_REMAINING + 1)
    if remaining > LOW_REMAINING:
        return 0.0
    return _header_int(response, "X-HubSpot-RateLimit-Interval-Milliseconds", 10_000) / 10_000


def _header_int(response: requests.Response, name: str, default: int) -> int:
    try:
        return int(response.headers.get(name, default))
    except ValueError:
        return default


def build_client(settings: Settings) -> VendorClient:
    return VendorClient.from_settings(
        settings, "hubspot",
        headers=bearer(settings.secret("hubspot_access_token")),
        dialect=hubspot_dialect,
        pressure=rate_limit_pressure,
        budgets=(APP_BUDGET, SEARCH_BUDGET),
    )


def to_epoch_ms(timestamp: str) -> int:
    return int(parse_timestamp(timestamp).timestamp() * 1000)


def search_pages(client: VendorClient, object_type: str, cursor_property: str, properties: tuple[str, ...],
                 start: str, end: str | None) -> Iterator[Page]:
    """Search [start, end) on the cursor property, ascending, re-windowing at the 10,000-result cap."""
    low = to_epoch_ms(start)
    after: str | None = None
    while True:
        filters = [{"propertyName": cursor_property, "operator": "GTE", "value": str(low)}]
        if end is not None:
            filters.append({"propertyName": cursor_property, "operator": "LT", "value": str(to_epoch_ms(end))})
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": cursor_property, "direction": "ASCENDING"}],
            "properties": list(properties), "limit": SEARCH_PAGE_SIZE,
        }
        if after is not None:
            body["after"] = after
        data = client.post_json(f"/crm/v3/objects/{object_type}/search", body)
        results = data.get("results", [])
        yield results
        after = data.get("paging", {}).get("next", {}).get("after")
        if after is None:
            return
        if int(after) >= SEARCH_RESULT_CAP:
            seen = [r["properties"][cursor_property] for r in results
                    if isinstance(r.get("properties", {}).get(cursor_property), str)]
            restart = to_epoch_ms(latest_timestamp(seen)) if seen else low
            if restart <= low:
                raise ExtractError("hubspot", f"POST /crm/v3/objects/{object_type}/search", 1,
                                   f"more than {SEARCH_RESULT_CAP} records share {cursor_property}={low}: "
                                   "narrow the search with another filter")
            low, after = restart, None


def list_pages(client: VendorClient, object_type: str, params: dict[str, Any]) -> Iterator[Page]:
    """The v3 list endpoint, following `paging.next.after`."""
    bodies = follow_cursor(
        lambda after: client.get_json(f"/crm/v3/objects/{object_type}",
                                      {**params, "limit": LIST_PAGE_SIZE, **({"after": after} if after else {})}),
        lambda body: body.get("paging", {}).get("next", {}).get("after"))
    for body in bodies:
        yield body.get("results", [])


def contact_deal_associations(client: VendorClient, contact_ids: list[str]) -> Page:
    """v4 batch read; contacts without deals come back as per-input errors (HTTP 207), not rows."""
    if not contact_ids:
        return []
    data = client.post_json("/crm/v4/associations/contacts/deals/batch/read",
                            {"inputs": [{"id": i} for i in contact_ids]})
    return list(data.get("results", []))


@dlt.source(name="hubspot")
def hubspot_source(client: VendorClient, landing: Landing, window: ExtractWindow, settings: Settings) -> list[Any]:
    def modified_since(spec: ResourceSpec, object_type: str, cursor_property: str,
                       properties: tuple[str, ...]) -> Any:
        def pages(
            modified: dlt.sources.incremental[str] = dlt.sources.incremental(
                f"properties.{cursor_property}",
                initial_value=_hubspot_iso(window.start_utc()),
                end_value=_hubspot_iso(window.end_utc()) if window.partitioned else None,
                last_value_func=latest_timestamp,
                # No boundary dedup: a re-read record loads again, so raw's lineage columns name the newest
                # landed file, exactly as a replay from the lake would.
                primary_key=(),
            ),
        ) -> Iterator[Page]:
            day = parse_timestamp(modified.start_value).astimezone(dt.UTC).date()
            for page in read_ahead(search_pages(client, object_type, cursor_property, properties,
                                                modified.start_value, modified.end_value)):
                yield landing.land(spec.name, day, page, spec.contract)

        return resource(spec, pages)

    def archived(spec: ResourceSpec, object_type: str, properties: tuple[str, ...]) -> Any:
        def pages() -> Iterator[Page]:
            params = {"archived": "true", "properties": ",".join(properties)}
            for page in list_pages(client, object_type, params):
                yield landing.land(spec.name, window.start, page, spec.contract)

        return resource(spec, pages)

    def associations_of(contacts: Any) -> Any:
        def links(page: Page) -> Iterator[Page]:
            if page:
                # The same lake day as the contacts page these associations were read for.
                day = LakeKey.parse(page[0][LAKE_FILE_COLUMN]).day
                found = contact_deal_associations(client, [r["id"] for r in page])
                yield landing.land(CONTACT_DEAL_ASSOCIATIONS.name, day, found, CONTACT_DEAL_ASSOCIATIONS.contract)

        return transformer(CONTACT_DEAL_ASSOCIATIONS, links, data_from=contacts)

    contacts = modified_since(CONTACTS, "contacts", "lastmodifieddate", CONTACT_PROPERTIES)
    return [
        contacts,
        associations_of(contacts),
        modified_since(DEALS, "deals", "hs_lastmodifieddate", DEAL_PROPERTIES),
        archived(ARCHIVED_CONTACTS, "contacts", CONTACT_PROPERTIES),
        archived(ARCHIVED_DEALS, "deals", DEAL_PROPERTIES),
    ]


def _hubspot_iso(moment: dt.datetime) -> str:
    """The cursor's format as HubSpot writes it (UTC, milliseconds, Z), so text order is time order."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

