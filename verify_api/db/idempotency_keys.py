"""The `idempotency_keys` table: which credential a client's Idempotency-Key issued, and the request's hash."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

SQL = NamedSql("sql/idempotency_keys.sql")


class IdempotencyKeys(RepositoryBase):
    async def insert(self, client_id: UUID, key: str, request_hash: bytes, credential_id: str, now: datetime) -> None:
        """Raises IdempotencyKeyTakenError when the client already used `key`."""
        await self._execute(SQL.insert, client_id, key, request_hash, credential_id, now)

    async def get(self, client_id: UUID, key: str) -> tuple[bytes, str] | None:
        row = await self._fetchrow(SQL.get, client_id, key)
        return None if row is None else (bytes(row["request_hash"]), str(row["credential_id"]))
