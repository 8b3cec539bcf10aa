"""The `organizations` and `organization_staff` tables, and what the organisation rules and the registry read."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase, row_as
from verify_api.db.records import CredentialRecord, OrganizationRecord, RegistryOrganizationRecord, StaffLinkRecord
from verify_api.domain.lifecycle import StoredStatus
from verify_api.domain.tiers import Tier

SQL = NamedSql("sql/organizations.sql")


class OrgCredential(msgspec.Struct, frozen=True):
    id: str
    tier: Tier
    status: StoredStatus
    status_reason: str | None
    valid_until: datetime
    issued_at: datetime


class StaffLinkAida(msgspec.Struct, frozen=True):
    """One staff link, and one AIDA the person holds (None when they hold none)."""

    holder_id: UUID
    linked_at: datetime
    unlinked_at: datetime | None
    aida: CredentialRecord | None


class Organizations(RepositoryBase):
    async def insert(self, org: OrganizationRecord) -> OrganizationRecord:
        row = await self._fetchrow(SQL.insert, org.id, org.name, org.kind, org.website, org.country, org.created_at)
        return row_as(row or {}, OrganizationRecord)

    async def get(self, org_id: UUID) -> OrganizationRecord | None:
        return await self._one(OrganizationRecord, SQL.get, org_id)

    # staff links
    async def link_staff(self, org_id: UUID, holder_id: UUID, role: str | None, now: datetime) -> StaffLinkRecord:
        row = await self._fetchrow(SQL.link_staff, org_id, holder_id, role, now)
        return row_as(row or {}, StaffLinkRecord)

    async def unlink_staff(self, org_id: UUID, holder_id: UUID, now: datetime) -> bool:
        return await self._fetchval(SQL.unlink_staff, org_id, holder_id, now) is not None

    async def organizations_of_holder(self, holder_id: UUID) -> list[UUID]:
        return [r["organization_id"] for r in await self._fetch(SQL.organizations_of_holder, holder_id)]

    async def staff_aida(self, org_id: UUID) -> list[StaffLinkAida]:
        return [
            StaffLinkAida(
                holder_id=r["staff_holder_id"],
                linked_at=r["staff_linked_at"],
                unlinked_at=r["staff_unlinked_at"],
                aida=None if r["id"] is None else row_as(r, CredentialRecord),
            )
            for r in await self._fetch(SQL.staff_aida, org_id)
        ]

    # certification (the organisation rules)
    async def current_credential(self, org_id: UUID) -> OrgCredential | None:
        return await self._one(OrgCredential, SQL.current_credential, org_id)

    async def certified_organizations(self) -> list[UUID]:
        return [r["organization_id"] for r in await self._fetch(SQL.certified_organizations)]

    # registry
    async def search(
        self, query: str, *, designation: str | None, country: str | None, limit: int
    ) -> list[RegistryOrganizationRecord]:
        """Organisations with a credential matching a tolerant name query (every word, any order, accents and case
        folded, partial or one typo: pg_trgm) or an organisation/credential id, best first; filters narrow."""
        words = [word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for word in query.split()]
        return await self._all(
            RegistryOrganizationRecord, SQL.search, words, query.strip(), designation, country, limit
        )
