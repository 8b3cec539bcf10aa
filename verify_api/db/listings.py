"""Staff listings (issue 11): keyset pages over the register, the subjects with evidence waiting, and the certified
organisations. Candidates only: validity, standing and qualification are the services' to ask of the one
judgement, the organisation rules and the tier rules."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import CredentialRecord, RegistryOrganizationRecord
from verify_api.domain.tiers import OrganizationKind, Tier

SQL = NamedSql("sql/listings.sql")


class RegisterFilter(msgspec.Struct, frozen=True, kw_only=True):
    """What narrows a page of the register; `stored` the stored statuses a wanted judged status can come from, and
    `key_problems` whether entries signed outside their key's window come too (they are judged revoked)."""

    tier: Tier | None = None
    organization_id: UUID | None = None
    holder_id: UUID | None = None
    issued_from: datetime | None = None
    issued_before: datetime | None = None
    expires_from: datetime | None = None
    expires_before: datetime | None = None
    stored: tuple[str, ...] | None = None
    key_problems: bool = False


class PendingCandidate(msgspec.Struct, frozen=True):
    holder_id: UUID | None
    organization_id: UUID | None
    subject_id: UUID
    first_recorded: datetime
    subject_name: str
    organization_kind: OrganizationKind | None
    current_tiers: list[Tier]


class Listings(RepositoryBase):
    async def credential_page(
        self, where: RegisterFilter, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[CredentialRecord]:
        """Certifications newest first, after the (issued_at, id) position `after`."""
        at, last = after if after is not None else (None, None)
        stored = list(where.stored) if where.stored is not None else None
        return await self._all(
            CredentialRecord,
            SQL.credential_page,
            where.tier,
            where.organization_id,
            where.holder_id,
            where.issued_from,
            where.issued_before,
            where.expires_from,
            where.expires_before,
            stored,
            where.key_problems,
            at,
            last,
            limit,
        )

    async def pending_candidates(
        self, now: datetime, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[PendingCandidate]:
        at, last = after if after is not None else (None, None)
        return await self._all(PendingCandidate, SQL.pending_candidates, now, at, last, limit)

    async def certified_organization_page(
        self, *, after: tuple[str, UUID] | None, limit: int
    ) -> list[RegistryOrganizationRecord]:
        name, last = after if after is not None else (None, None)
        return await self._all(RegistryOrganizationRecord, SQL.certified_organization_page, name, last, limit)
