"""The `holder_sessions` table: holders' sign-in sessions, found by the SHA-256 of their token."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/holder_sessions.sql")


class LiveHolderSessionRecord(msgspec.Struct, frozen=True):
    holder_id: UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    csrf_secret: bytes


class HolderSessions(RepositoryBase):
    # PLR0913: one argument per column the statement writes
    async def insert(
        self, token_hash: bytes, holder_id: UUID, now: datetime, expires_at: datetime, csrf_secret: bytes
    ) -> None:
        await self._execute(SQL.insert, token_hash, holder_id, now, expires_at, csrf_secret)

    async def get_live(self, token_hash: bytes, now: datetime, idle_seconds: float) -> LiveHolderSessionRecord | None:
        return await self._one(LiveHolderSessionRecord, SQL.get_live, token_hash, now, idle_seconds)

    async def touch(self, token_hash: bytes, now: datetime, resolution_seconds: float) -> None:
        await self._execute(SQL.touch, token_hash, now, resolution_seconds)

    async def delete(self, token_hash: bytes) -> None:
        await self._execute(SQL.delete, token_hash)

    async def delete_for_holder(self, holder_id: UUID) -> None:
        await self._execute(SQL.delete_for_holder, holder_id)

    async def delete_expired(self, now: datetime, idle_seconds: float) -> None:
        await self._execute(SQL.delete_expired, now, idle_seconds)
