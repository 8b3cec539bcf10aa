"""The public registry of CAI/CAE organisations and their certification status."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from verify_api.db.records import RegistryCredentialRecord, RegistryOrganizationRecord
from verify_api.db.repository import Repository
from verify_api.domain.credential import credential_url
from verify_api.errors import OrganizationNotFoundError
from verify_api.schemas import RegistryCredentialView, RegistryEntryView, RegistrySearchView, StandingView
from verify_api.services.organization_rules import evaluate_organization

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.domain.organization_rules import Standing
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

MAX_RESULTS = 50


def _status(cred: RegistryCredentialRecord, now: datetime) -> str:
    if cred.status != "active":
        return cred.status
    return "expired" if now >= cred.valid_until else "active"


def _entry(
    org: RegistryOrganizationRecord,
    creds: list[RegistryCredentialRecord],
    base_url: str,
    now: datetime,
    standing: Standing,
) -> RegistryEntryView:
    views = [
        RegistryCredentialView(
            id=c.id,
            tier=c.tier,
            status=_status(c, now),
            valid_from=c.valid_from,
            valid_until=c.valid_until,
            url=credential_url(base_url, c.id),
        )
        for c in creds
        if c.status != "superseded"
    ]
    certified = any(v.status == "active" for v in views)
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


async def search_registry(
    conn: Connection,
    query: str,
    *,
    key: IssuerKey,
    settings: Settings,
    now: datetime,
    limit: int = MAX_RESULTS,
) -> RegistrySearchView:
    """Matching organisations, each after applying its rules (evaluated on read), so no answer is stale."""
    repo = Repository(conn)
    orgs = await repo.search_organizations(query.strip(), min(limit, MAX_RESULTS))
    standings = {o.id: await evaluate_organization(conn, o.id, key=key, settings=settings, now=now) for o in orgs}
    creds = await repo.list_credentials_for_organizations([o.id for o in orgs])
    by_org: dict[UUID, list[RegistryCredentialRecord]] = {}
    for c in creds:
        by_org.setdefault(c.organization_id, []).append(c)
    return RegistrySearchView(
        query=query,
        results=[_entry(o, by_org.get(o.id, []), settings.base_url, now, standings[o.id]) for o in orgs],
    )


async def get_registry_entry(
    conn: Connection, org_id: UUID, *, key: IssuerKey, settings: Settings, now: datetime
) -> RegistryEntryView:
    repo = Repository(conn)
    standing = await evaluate_organization(conn, org_id, key=key, settings=settings, now=now)
    org = await repo.get_organization(org_id)
    creds = await repo.list_credentials_for_organizations([org_id]) if org else []
    if org is None or not creds:
        # Organisations never certified are not part of the public registry.
        raise OrganizationNotFoundError(f"no certified organisation has id {org_id}")
    record = RegistryOrganizationRecord(
        id=org.id, name=org.name, kind=org.kind, country=org.country, website=org.website
    )
    return _entry(record, creds, settings.base_url, now, standing)
