"""The `holders` table: people who hold credentials; staff pages and search over them (issue 11)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase, row_as
from verify_api.db.records import HolderRecord

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

SQL = NamedSql("sql/holders.sql")
_WORD = re.compile(r"[^\W_]+")  # a word of a name query: letters and digits (no LIKE wildcard, no punctuation)


def like_escaped(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (the default escape character is the backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class RankedHolder(HolderRecord, frozen=True):
    """A holder found by name, with how closely the name matched (0..1000, the page order)."""

    rank: int


class Holders(RepositoryBase):
    async def insert(self, holder: HolderRecord) -> HolderRecord:
        row = await self._fetchrow(
            SQL.insert, holder.id, holder.display_name, holder.email, holder.public_listing, holder.created_at
        )
        return row_as(row or {}, HolderRecord)

    async def get(self, holder_id: UUID) -> HolderRecord | None:
        return await self._one(HolderRecord, SQL.get, holder_id)

    async def lock(self, holder_id: UUID) -> HolderRecord | None:
        """The holder, row-locked until the caller's transaction ends."""
        return await self._one(HolderRecord, SQL.lock, holder_id)

    async def update_details(self, holder_id: UUID, display_name: str, email: str | None) -> HolderRecord | None:
        """Raises ConflictError (holders_email_key) when another holder has that e-mail."""
        return await self._one(HolderRecord, SQL.update_details, holder_id, display_name, email)

    # PLR0913: the filters and the keyset position are each one argument of the statement
    async def page(
        self,
        *,
        email: str | None,
        code: str | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[HolderRecord]:
        """Newest first, after the (created_at, id) position `after`."""
        at, last = after if after is not None else (None, None)
        return await self._all(HolderRecord, SQL.page, email, code, at, last, limit)

    async def search(
        self,
        name: str,
        *,
        email: str | None,
        code: str | None,
        after: tuple[int, UUID] | None,
        limit: int,
    ) -> list[RankedHolder]:
        """Holders whose name has every word of `name` (tolerantly), closest first, after the (rank, id) position
        `after`."""
        rank, last = after if after is not None else (None, None)
        words = _WORD.findall(name)
        return await self._all(
            RankedHolder, SQL.search, name, like_escaped(name), email, code, rank, last, limit, words
        )

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
