"""Registry search: organisations matching a tolerant name query (pg_trgm, unaccent) or an id, with filters."""

from __future__ import annotations

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import RegistryOrganizationRecord

SQL = NamedSql("registry_search.sql")


def _like_escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class RegistrySearchRepository(RepositoryBase):
    async def search_registry_candidates(
        self, query: str, *, designation: str | None, country: str | None, limit: int
    ) -> list[RegistryOrganizationRecord]:
        """Matching organisations with a credential, best first; an empty query lists them by name."""
        words = [_like_escaped(word) for word in query.split()]
        rows = await self.conn.fetch(SQL.search_registry_candidates, words, query.strip(), designation, country, limit)
        return [RegistryOrganizationRecord(**dict(row)) for row in rows]
