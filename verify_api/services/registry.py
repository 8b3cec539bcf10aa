"""The public registry of CAI/CAE organisations and their certification status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.organizations import Organizations
from verify_api.db.records import RegistryOrganizationRecord
from verify_api.domain.credential import credential_url
from verify_api.errors import OrganizationNotFoundError
from verify_api.schemas import CredentialSummaryView, RegistryCredentialView, RegistryEntryView, StandingView
from verify_api.services.judgement import judge_stored
from verify_api.services.organization_rules import standing_of

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.domain.organization_rules import Standing
    from verify_api.domain.verdict import CredentialVerdict, PublicStatus
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings


S = TypeVar("S", bound=CredentialSummaryView)


def credential_summary(record: CredentialRecord, status: PublicStatus, base_url: str, view: type[S], **more: Any) -> S:
    """The one way a register credential becomes a list entry (`view` adds what its own answer says besides)."""
    return view(
        id=record.id,
        tier=record.tier,
        status=status,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        url=credential_url(base_url, record.id),
        **more,
    )


def registry_entry(
    org: RegistryOrganizationRecord,
    judged: list[tuple[CredentialRecord, CredentialVerdict]],
    base_url: str,
    standing: Standing,
) -> RegistryEntryView:
    """The organisation's entry: each credential with the one judgement's status (superseded ones left out)."""
    views = [
        credential_summary(record, verdict.public_status, base_url, RegistryCredentialView)
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


async def judged_credentials(
    conn: Connection, org_ids: list[UUID], *, settings: Settings, now: datetime
) -> dict[UUID, list[tuple[CredentialRecord, CredentialVerdict]]]:
    by_org: dict[UUID, list[tuple[CredentialRecord, CredentialVerdict]]] = {}
    for record in await Credentials(conn).organization_records(org_ids):
        assert record.organization_id is not None
        verdict = await judge_stored(conn, record, settings=settings, now=now)
        by_org.setdefault(record.organization_id, []).append((record, verdict))
    return by_org


async def get_registry_entry(
    conn: Connection, ctx: ServiceContext, org_id: UUID, *, now: datetime
) -> RegistryEntryView:
    settings = ctx.settings
    standing = await standing_of(conn, ctx, org_id, now=now)
    org = await Organizations(conn).get(org_id)
    judged = (await judged_credentials(conn, [org_id], settings=settings, now=now)).get(org_id, []) if org else []
    if org is None or not judged:
        # Organisations never certified are not part of the public registry.
        raise OrganizationNotFoundError(f"no certified organisation has id {org_id}")
    record = RegistryOrganizationRecord(
        id=org.id, name=org.name, kind=org.kind, country=org.country, website=org.website
    )
    return registry_entry(record, judged, settings.base_url, standing)
