"""The `holder_links` table (single-use links, by the SHA-256 of their token) and `holder_sign_in_requests` (the
sliding log of the sign-in rate limits, by the SHA-256 of the address or client)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/holder_links.sql")
LinkPurpose = Literal["sign_in", "email_old", "email_new"]


class HolderLinkRecord(msgspec.Struct, frozen=True):
    holder_id: UUID
    purpose: LinkPurpose
    email_change_id: UUID | None
    expires_at: datetime


class HolderLinks(RepositoryBase):
    async def insert(  # noqa: PLR0913 (one argument per column the statement writes)
        self,
        token_hash: bytes,
        holder_id: UUID,
        purpose: LinkPurpose,
        email_change_id: UUID | None,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await self._execute(SQL.insert, token_hash, holder_id, purpose, email_change_id, now, expires_at)

    async def peek(self, token_hash: bytes, now: datetime) -> HolderLinkRecord | None:
        return await self._one(HolderLinkRecord, SQL.peek, token_hash, now)

    async def consume(self, token_hash: bytes, now: datetime, purpose: LinkPurpose) -> HolderLinkRecord | None:
        return await self._one(HolderLinkRecord, SQL.consume, token_hash, now, purpose)

    async def delete_expired(self, now: datetime) -> None:
        await self._execute(SQL.delete_expired, now)

    async def lock_bucket(self, bucket: bytes) -> None:
        """Inside a transaction: waits for, then holds until it ends, the bucket's advisory lock."""
        await self._execute(SQL.lock_bucket, bucket)

    async def count_requests(self, bucket: bytes, since: datetime) -> int:
        count: int = await self._fetchval(SQL.count_requests, bucket, since)
        return count

    async def record_request(self, bucket: bytes, now: datetime) -> None:
        await self._execute(SQL.record_request, bucket, now)

    async def oldest_request(self, bucket: bytes, since: datetime) -> datetime | None:
        oldest: datetime | None = await self._fetchval(SQL.oldest_request, bucket, since)
        return oldest

    async def forget_requests(self, before: datetime) -> None:
        await self._execute(SQL.forget_requests, before)
