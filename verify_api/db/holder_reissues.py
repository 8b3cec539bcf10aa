"""The `holder_reissues` table: what a client's Idempotency-Key re-issued for a holder, answered again on a retry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

SQL = NamedSql("sql/holder_reissues.sql")


class HolderReissues(RepositoryBase):
    # PLR0913: one argument per column the statement writes
    async def insert(  # noqa: PLR0913
        self, client_id: UUID, key: str, request_hash: bytes, holder_id: UUID, outcome: Any, now: datetime
    ) -> None:
        """Raises IdempotencyKeyTakenError when the client already used `key` (holder_reissues_pkey)."""
        await self._execute(SQL.insert, client_id, key, request_hash, holder_id, outcome, now)

    async def get(self, client_id: UUID, key: str) -> tuple[bytes, Any] | None:
        row = await self._fetchrow(SQL.get, client_id, key)
        return None if row is None else (bytes(row["request_hash"]), row["outcome"])
