"""The database half of the readiness probe."""

from __future__ import annotations

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/health.sql")


class Health(RepositoryBase):
    async def ping(self) -> None:
        await self._fetchval(SQL.ping)
