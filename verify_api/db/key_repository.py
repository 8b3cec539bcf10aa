"""Storage for signing-key rotation and compromise (the `signing_keys` table, and what each key signed)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import SigningKeyRecord
from verify_api.domain.lifecycle import StoredStatus
from verify_api.domain.tiers import Tier

SQL = NamedSql("keys.sql")


class SignedCredential(msgspec.Struct, frozen=True):
    id: str
    tier: Tier
    subject_name: str
    status: StoredStatus
    issued_at: datetime


class KeyRepository(RepositoryBase):
    async def retire(self, kid: str, at: datetime) -> bool:
        """Set retired_at once; False when the key is unknown or already retired."""
        return await self.conn.fetchval(SQL.retire_signing_key, kid, at) is not None

    async def register(self, kid: str, public_key_multibase: str, at: datetime) -> None:
        await self.conn.execute(SQL.register_signing_key, kid, public_key_multibase, at)

    async def mark_compromised(self, kid: str, since: datetime, now: datetime) -> SigningKeyRecord | None:
        """Record compromise from `since` (an earlier existing time wins) and retire the key if it was active."""
        row = await self.conn.fetchrow(SQL.mark_signing_key_compromised, kid, since, now)
        return None if row is None else msgspec.convert(dict(row), SigningKeyRecord)

    async def list_signed_by(self, kid: str) -> list[SignedCredential]:
        rows = await self.conn.fetch(SQL.list_credentials_signed_by_key, kid)
        return [msgspec.convert(dict(r), SignedCredential) for r in rows]
