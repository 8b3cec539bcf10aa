"""The `service_origins` table: every PUBLIC_BASE_URL the service has started under, with its did:web."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from datetime import datetime

SQL = NamedSql("sql/service_origins.sql")


class ServiceOrigins(RepositoryBase):
    async def record(self, base_url: str, did: str, now: datetime) -> None:
        """Note that the service answers under `base_url` (first use, or one more)."""
        await self._execute(SQL.record, base_url, did, now)

    async def former(self, base_url: str) -> list[str]:
        """The other origins it answered under before, most recent first."""
        return [str(row["base_url"]) for row in await self._fetch(SQL.former, base_url)]
