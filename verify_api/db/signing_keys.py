"""The `signing_keys` table: each key's public half and service window (created, retired, compromised since).

What a key signed is read from the register: `Credentials.signed_by`, `Credentials.in_compromised_window`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import SigningKeyRecord

if TYPE_CHECKING:
    from datetime import datetime

SQL = NamedSql("sql/signing_keys.sql")


class SigningKeys(RepositoryBase):
    async def upsert(self, kid: str, public_key_multibase: str, now: datetime) -> None:
        """Record the key unless it is known already (its window stays as it was)."""
        await self._execute(SQL.upsert, kid, public_key_multibase, now)

    async def insert(self, kid: str, public_key_multibase: str, at: datetime) -> None:
        await self._execute(SQL.insert, kid, public_key_multibase, at)

    async def list_all(self) -> list[SigningKeyRecord]:
        return await self._all(SigningKeyRecord, SQL.list_all)

    async def get(self, kid: str) -> SigningKeyRecord | None:
        return await self._one(SigningKeyRecord, SQL.get, kid)

    async def lock(self, kid: str) -> SigningKeyRecord | None:
        """The key's row, share-locked to the end of the transaction (rotation and compromise wait for it)."""
        return await self._one(SigningKeyRecord, SQL.lock, kid)

    async def retire(self, kid: str, at: datetime) -> bool:
        """Set retired_at once; False when the key is unknown or already retired."""
        return await self._fetchval(SQL.retire, kid, at) is not None

    async def mark_compromised(self, kid: str, since: datetime, now: datetime) -> SigningKeyRecord | None:
        """Record compromise from `since` (an earlier existing time wins) and retire the key if it was active."""
        return await self._one(SigningKeyRecord, SQL.mark_compromised, kid, since, now)
