"""The `holders` table: people who hold credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase, row_as
from verify_api.db.records import HolderRecord

if TYPE_CHECKING:
    from uuid import UUID

SQL = NamedSql("sql/holders.sql")


class Holders(RepositoryBase):
    async def insert(self, holder: HolderRecord) -> HolderRecord:
        row = await self._fetchrow(
            SQL.insert, holder.id, holder.display_name, holder.email, holder.public_listing, holder.created_at
        )
        return row_as(row or {}, HolderRecord)

    async def get(self, holder_id: UUID) -> HolderRecord | None:
        return await self._one(HolderRecord, SQL.get, holder_id)

    async def insert_many(self, holders: list[HolderRecord]) -> set[UUID]:
        """Write the holders in one statement; the ids written (one whose e-mail is taken is skipped)."""
        if not holders:
            return set()
        rows = await self._fetch(
            SQL.insert_many,
            [h.id for h in holders],
            [h.display_name for h in holders],
            [h.email for h in holders],
            [h.public_listing for h in holders],
            holders[0].created_at,
        )
        return {r["id"] for r in rows}
