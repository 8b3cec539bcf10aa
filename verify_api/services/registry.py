"""The public registry of CAI/CAE organisations and their certification status."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.organizations import Organizations
from verify_api.db.records import RegistryOrganizationRecord
from verify_api.domain.credential import credential_url
from verify_api.errors import OrganizationNotFoundError
from verify_api.schemas import RegistryCredentialView, RegistryEntryView, RegistrySearchView, StandingView
from verify_api.services.judgement import judge_stored
from verify_api.services.organization_rules import standing_of

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.domain.organization_rules import Standing
    from verify_api.domain.verdict import CredentialVerdict
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

MAX_RESULTS = 50


def _entry(
    org: RegistryOrganizationRecord,
    judged: list[tuple[CredentialRecord, CredentialVerdict]],
    base_url: str,
    standing: Standing,
) -> RegistryEntryView:
    """The organisation's entry: each credential with the one judgement's status (superseded ones left out)."""
    views = [
        RegistryCredentialView(
            id=record.id,
            tier=record.tier,
            status=verdict.public_status,
            valid_from=record.valid_from,
            valid_until=record.valid_until,
            url=credential_url(base_url, record.id),
        )
        for record, verdict in judged
        if record.status != "superseded"
    ]
    certified = any(verdict.valid for _, verdict in judged)
    return RegistryEntryView(
        id=org.id,
        name=org.name,
        kind=org.kind,
        country=org.country,
        website=org.website,
        certification_status="certified" if certified else "not certified",
        credentials=views,
        standing=StandingView(**msgspec.structs.asdict(standing)) if standing.at_risk else None,
    )


async def _judged(
    conn: Connection, org_ids: list[UUID], *, settings: Settings, now: datetime
) -> dict[UUID, list[tuple[CredentialRecord, CredentialVerdict]]]:
    by_org: dict[UUID, list[tuple[CredentialRecord, CredentialVerdict]]] = {}
    for record in await Credentials(conn).organization_records(org_ids):
        assert record.organization_id is not None
        verdict = await judge_stored(conn, record, settings=settings, now=now)
        by_org.setdefault(record.organization_id, []).append((record, verdict))
    return by_org


async def search_registry(
    conn: Connection, ctx: ServiceContext, query: str, *, now: datetime, limit: int = MAX_RESULTS
) -> RegistrySearchView:
    """Matching organisations, each with the standing its rules give it now (derived on read, never written), so
    no answer is stale whether or not a rule run has stored it yet."""
    settings = ctx.settings
    orgs = await Organizations(conn).search(query.strip(), min(limit, MAX_RESULTS))
    standings = {o.id: await standing_of(conn, ctx, o.id, now=now) for o in orgs}
    by_org = await _judged(conn, [o.id for o in orgs], settings=settings, now=now)
    return RegistrySearchView(
        query=query,
        results=[_entry(o, by_org.get(o.id, []), settings.base_url, standings[o.id]) for o in orgs],
    )


async def get_registry_entry(
    conn: Connection, ctx: ServiceContext, org_id: UUID, *, now: datetime
) -> RegistryEntryView:
    settings = ctx.settings
    standing = await standing_of(conn, ctx, org_id, now=now)
    org = await Organizations(conn).get(org_id)
    judged = (await _judged(conn, [org_id], settings=settings, now=now)).get(org_id, []) if org else []
    if org is None or not judged:
        # Organisations never certified are not part of the public registry.
        raise OrganizationNotFoundError(f"no certified organisation has id {org_id}")
    record = RegistryOrganizationRecord(
        id=org.id, name=org.name, kind=org.kind, country=org.country, website=org.website
    )
    return _entry(record, judged, settings.base_url, standing)
