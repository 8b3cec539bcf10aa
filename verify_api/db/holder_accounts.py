"""Holders as the account they sign in to: found by address, their address changed (the `holders` table)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import HolderRecord

if TYPE_CHECKING:
    from uuid import UUID

SQL = NamedSql("sql/holder_accounts.sql")


class HolderAccounts(RepositoryBase):
    async def find_by_email(self, email: str) -> HolderRecord | None:
        return await self._one(HolderRecord, SQL.find_by_email, email)

    async def set_email(self, holder_id: UUID, email: str) -> HolderRecord | None:
        return await self._one(HolderRecord, SQL.set_email, holder_id, email)
