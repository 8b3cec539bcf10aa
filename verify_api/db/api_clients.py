"""The `api_clients` table: who may call the VC API and admin routes, by key prefix and secret hash."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import ApiClientRecord

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

SQL = NamedSql("sql/api_clients.sql")


class ApiClients(RepositoryBase):
    # PLR0913: one argument per column the statement writes
    async def insert(  # noqa: PLR0913
        self, client_id: UUID, name: str, key_prefix: str, secret_hash: bytes, scopes: list[str], now: datetime
    ) -> None:
        await self._execute(SQL.insert, client_id, name, key_prefix, secret_hash, scopes, now)

    async def get_by_prefix(self, prefix: str) -> ApiClientRecord | None:
        return await self._one(ApiClientRecord, SQL.get_by_prefix, prefix)
