"""Register entries for the one judgement (`domain.verdict.judge_credential`): credentials with their signing key.

Every path that asks whether a stored credential is valid reads its rows here (or through
`Repository.get_credential`, the same columns) and lets the judgement decide; no SQL here decides validity.
The records listed here carry an empty `document` (the judgement never reads it; lists of them stay small).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import CredentialRecord
from verify_api.domain.tiers import Tier
from verify_api.settings import Cryptosuite

SQL = NamedSql("register.sql")


class StaffLinkAida(msgspec.Struct, frozen=True):
    """One staff link, and one AIDA the person holds (None when they hold none)."""

    holder_id: UUID
    linked_at: datetime
    unlinked_at: datetime | None
    aida: CredentialRecord | None


class ReissueCandidate(msgspec.Struct, frozen=True):
    id: str
    tier: Tier
    holder_id: UUID | None
    organization_id: UUID | None
    cryptosuite: Cryptosuite
    issued_at: datetime


def _record(row: Any) -> CredentialRecord:
    fields = {k: v for k, v in dict(row).items() if k in CredentialRecord.__struct_fields__}
    return msgspec.convert(fields, CredentialRecord)


class RegisterRepository(RepositoryBase):
    async def holder_credentials(self, holder_id: UUID) -> list[CredentialRecord]:
        return [_record(r) for r in await self.conn.fetch(SQL.list_holder_credential_records, holder_id)]

    async def organization_credentials(self, org_ids: list[UUID]) -> list[CredentialRecord]:
        return [_record(r) for r in await self.conn.fetch(SQL.list_organization_credential_records, org_ids)]

    async def staff_aida(self, org_id: UUID) -> list[StaffLinkAida]:
        return [
            StaffLinkAida(
                holder_id=r["staff_holder_id"],
                linked_at=r["staff_linked_at"],
                unlinked_at=r["staff_unlinked_at"],
                aida=None if r["id"] is None else _record(r),
            )
            for r in await self.conn.fetch(SQL.staff_aida_records, org_id)
        ]

    async def organization_credentials_in_suspension_list(self, list_id: str) -> list[tuple[CredentialRecord, int]]:
        rows = await self.conn.fetch(SQL.organization_credentials_in_suspension_list, list_id)
        return [(_record(r), int(r["suspension_index"])) for r in rows]

    async def credentials_in_compromised_window(self, kid: str, since: datetime) -> list[str]:
        return [str(r["id"]) for r in await self.conn.fetch(SQL.credentials_in_compromised_window, kid, since)]

    async def compromised_without_successor(self) -> list[ReissueCandidate]:
        rows = await self.conn.fetch(SQL.compromised_without_successor)
        return [msgspec.convert(dict(r), ReissueCandidate) for r in rows]

    async def link_reissued(self, new_id: str, old_id: str) -> bool:
        return await self.conn.fetchval(SQL.link_reissued_credential, new_id, old_id) is not None
