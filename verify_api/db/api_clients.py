"""The `api_clients` table: who may call the VC API and admin routes, by key prefix and secret hash."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import ApiClientRecord, ApiKeyRecord

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

SQL = NamedSql("sql/api_clients.sql")


class ApiClients(RepositoryBase):
    # PLR0913: one argument per column the statement writes
    async def insert(  # noqa: PLR0913
        self,
        client_id: UUID,
        name: str,
        key_prefix: str,
        secret_hash: bytes,
        scopes: list[str],
        now: datetime,
        expires_at: datetime | None = None,
    ) -> ApiKeyRecord:
        created = await self._one(
            ApiKeyRecord, SQL.insert, client_id, name, key_prefix, secret_hash, scopes, now, expires_at
        )
        assert created is not None, "INSERT ... RETURNING returns the row"
        return created

    async def get_by_prefix(self, prefix: str) -> ApiClientRecord | None:
        """The key with this prefix, revoked and expired ones included (the caller says why it is refused)."""
        return await self._one(ApiClientRecord, SQL.get_by_prefix, prefix)

    async def list_all(self) -> list[ApiKeyRecord]:
        return await self._all(ApiKeyRecord, SQL.list_all)

    async def get(self, client_id: UUID) -> ApiKeyRecord | None:
        return await self._one(ApiKeyRecord, SQL.get, client_id)

    async def mark_revoked(self, client_id: UUID, now: datetime) -> ApiKeyRecord | None:
        """None when there is no such key or it was revoked already (one guarded statement)."""
        return await self._one(ApiKeyRecord, SQL.mark_revoked, client_id, now)

    async def replace_secret(
        self, client_id: UUID, key_prefix: str, secret_hash: bytes, expires_at: datetime | None, now: datetime
    ) -> ApiKeyRecord | None:
        """None when there is no such key or it is revoked."""
        return await self._one(ApiKeyRecord, SQL.replace_secret, client_id, key_prefix, secret_hash, expires_at, now)

    async def touch_last_used(self, client_id: UUID, now: datetime, resolution_seconds: float) -> None:
        await self._execute(SQL.touch_last_used, client_id, now, resolution_seconds)
