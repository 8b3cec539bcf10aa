"""Searching the public registry (issue 14): tolerant name search, filters and paging, each entry judged live.

The database finds candidates (db/registry_search.py: words in any order, accents and case folded, partial
words and near misses via pg_trgm, or an exact organisation or credential id; designation and country filters).
Whether an organisation is certified or at risk is never decided in SQL: each candidate's credentials go through
the one judgement (services/judgement.py, domain/verdict.py) and its standing through the organisation rules, as
`GET /v1/organizations/{id}` does, so the status filter is applied to what the registry shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import msgspec

from verify_api.db.organizations import Organizations
from verify_api.schemas import RegistryEntryView, RegistrySearchView, RegistryStatusFilter
from verify_api.services.organization_rules import standing_of
from verify_api.services.registry import judged_credentials, registry_entry

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.db.records import RegistryOrganizationRecord
    from verify_api.services.context import ServiceContext

MAX_LIMIT = 50
MAX_OFFSET = 1000
# With a status filter each candidate is judged before it can be counted; this bounds the work of one request.
STATUS_SCAN_LIMIT = 500


class RegistryQuery(msgspec.Struct, frozen=True):
    """What a registry search asks: the words or id, the filters and the page."""

    text: str = ""
    designation: Literal["CAI", "CAE"] | None = None
    country: str | None = None
    status: RegistryStatusFilter | None = None
    offset: int = 0
    limit: int = MAX_LIMIT


def entry_has_status(entry: RegistryEntryView, status: RegistryStatusFilter | None) -> bool:
    """Whether the entry, as the registry shows it, has the asked status ("at-risk": certified, standing at risk)."""
    if status is None:
        return True
    if status == "not-certified":
        return entry.certification_status == "not certified"
    certified = entry.certification_status == "certified"
    at_risk = entry.standing is not None and entry.standing.at_risk
    return certified and at_risk if status == "at-risk" else certified


async def judged_entry(
    conn: Connection, ctx: ServiceContext, org: RegistryOrganizationRecord, *, now: datetime
) -> RegistryEntryView:
    """The organisation as the registry shows it now: its standing derived on read (never written here)."""
    standing = await standing_of(conn, ctx, org.id, now=now)
    judged = (await judged_credentials(conn, [org.id], settings=ctx.settings, now=now)).get(org.id, [])
    return registry_entry(org, judged, ctx.settings.base_url, standing)


async def search_registry(
    conn: Connection, ctx: ServiceContext, query: RegistryQuery, *, now: datetime
) -> RegistrySearchView:
    """One page of matching organisations, best match first, each judged now; `next_offset` when more follow."""
    wanted = query.offset + query.limit + 1  # one more than the page tells whether another page follows
    candidates = await Organizations(conn).search(
        query.text,
        designation=query.designation,
        country=query.country,
        limit=wanted if query.status is None else STATUS_SCAN_LIMIT,
    )
    if query.status is None:
        candidates = candidates[query.offset :]
    matched: list[RegistryEntryView] = []
    skipped = 0
    for org in candidates:
        entry = await judged_entry(conn, ctx, org, now=now)
        if not entry_has_status(entry, query.status):
            continue
        if query.status is not None and skipped < query.offset:
            skipped += 1
            continue
        matched.append(entry)
        if len(matched) > query.limit:
            break
    more = len(matched) > query.limit
    return RegistrySearchView(
        query=query.text,
        results=matched[: query.limit],
        designation=query.designation,
        country=query.country,
        status=query.status,
        offset=query.offset,
        limit=query.limit,
        next_offset=query.offset + query.limit if more else None,
    )
