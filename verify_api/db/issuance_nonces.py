"""The `issuance_nonces` table: the OID4VCI Nonce Endpoint's c_nonce values, by SHA-256, each consumed once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from datetime import datetime

SQL = NamedSql("sql/issuance_nonces.sql")


class IssuanceNonces(RepositoryBase):
    async def insert(self, nonce_hash: bytes, expires_at: datetime) -> None:
        await self._execute(SQL.insert, nonce_hash, expires_at)

    async def consume(self, nonce_hash: bytes, now: datetime) -> bool:
        """True when the nonce was live; it is gone afterwards either way."""
        return await self._fetchval(SQL.consume, nonce_hash, now) is not None

    async def delete_expired(self, now: datetime) -> None:
        await self._execute(SQL.delete_expired, now)
