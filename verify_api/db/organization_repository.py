"""Storage reads for the organisation rules, and ending a staff link."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.domain.dates import due_instant
from verify_api.domain.lifecycle import StoredStatus
from verify_api.domain.tiers import Tier

if TYPE_CHECKING:
    from uuid import UUID


SQL = NamedSql("organization.sql")


class OrgCredential(msgspec.Struct, frozen=True):
    id: str
    tier: Tier
    status: StoredStatus
    status_reason: str | None
    valid_until: datetime
    issued_at: datetime


class GovernanceRecord(msgspec.Struct, frozen=True):
    assessed_at: datetime
    recorded_at: datetime
    next_review_due: datetime | None


class OrganizationRepository(RepositoryBase):
    async def current_credential(self, org_id: UUID) -> OrgCredential | None:
        row = await self.conn.fetchrow(SQL.current_org_credential, org_id)
        return None if row is None else msgspec.convert(dict(row), OrgCredential)

    async def latest_governance_record(self, org_id: UUID) -> GovernanceRecord | None:
        row = await self.conn.fetchrow(SQL.latest_governance_record, org_id)
        if row is None:
            return None
        due_text = row["next_review_due"]
        due = due_instant(date.fromisoformat(due_text)) if due_text else None
        return GovernanceRecord(assessed_at=row["assessed_at"], recorded_at=row["recorded_at"], next_review_due=due)

    async def organizations_of_holder(self, holder_id: UUID) -> list[UUID]:
        return [r["organization_id"] for r in await self.conn.fetch(SQL.organizations_of_holder, holder_id)]

    async def certified_organizations(self) -> list[UUID]:
        return [r["organization_id"] for r in await self.conn.fetch(SQL.certified_organizations)]

    async def unlink_staff(self, org_id: UUID, holder_id: UUID, now: datetime) -> bool:
        return await self.conn.fetchval(SQL.unlink_staff, org_id, holder_id, now) is not None
