"""The `holder_keys` table: each API client's holder key (public half, created, retired), one active at a time.

The private halves are never in the database: they are key files (services/holder_keys.py).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/holder_keys.sql")


class HolderKeyRecord(msgspec.Struct, frozen=True):
    verification_method: str
    client_id: UUID
    public_key_multibase: str
    created_at: datetime
    retired_at: datetime | None


class HolderKeys(RepositoryBase):
    async def insert(
        self, verification_method: str, client_id: UUID, public_key_multibase: str, now: datetime
    ) -> HolderKeyRecord | None:
        """The new active key; None when the client has one already (another request made it first)."""
        return await self._one(HolderKeyRecord, SQL.insert, verification_method, client_id, public_key_multibase, now)

    async def active_for_client(self, client_id: UUID) -> HolderKeyRecord | None:
        """The client's active key, share-locked to the end of the transaction."""
        return await self._one(HolderKeyRecord, SQL.active_for_client, client_id)

    async def retire_for_client(self, client_id: UUID, now: datetime) -> list[HolderKeyRecord]:
        """Retire the client's active key (there is at most one); the keys retired now."""
        return await self._all(HolderKeyRecord, SQL.retire_for_client, client_id, now)

    async def retired_for_client(self, client_id: UUID) -> list[HolderKeyRecord]:
        return await self._all(HolderKeyRecord, SQL.retired_for_client, client_id)

    async def get(self, verification_method: str) -> HolderKeyRecord | None:
        return await self._one(HolderKeyRecord, SQL.get, verification_method)
