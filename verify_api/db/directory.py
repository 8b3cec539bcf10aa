"""The public directory's candidates: listed holders with a listed certification stored active."""

from __future__ import annotations

import re
from uuid import UUID

import msgspec

from verify_api.db.holders import like_escaped
from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/directory.sql")
_WORD = re.compile(r"[^\W_]+")  # as db/holders.py: letters and digits only (no LIKE wildcard)


class DirectoryCandidate(msgspec.Struct, frozen=True):
    id: UUID
    display_name: str
    sort_name: str
    rank: int


class Directory(RepositoryBase):
    async def listed_page(
        self, tier: str | None, after: tuple[str, UUID] | None, limit: int
    ) -> list[DirectoryCandidate]:
        name, last = after if after is not None else (None, None)
        return await self._all(DirectoryCandidate, SQL.listed_page, tier, name, last, limit)

    async def listed_search(
        self, tier: str | None, name: str, after: tuple[int, UUID] | None, limit: int
    ) -> list[DirectoryCandidate]:
        rank, last = after if after is not None else (None, None)
        words = _WORD.findall(name)
        return await self._all(
            DirectoryCandidate, SQL.listed_search, tier, name, like_escaped(name), words, rank, last, limit
        )
