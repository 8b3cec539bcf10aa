"""The `staff_accounts` table: console users with argon2id password hashes, roles and lockout counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/staff_accounts.sql")


class StaffAccountRecord(msgspec.Struct, frozen=True):
    id: UUID
    email: str
    password_hash: str
    role: str
    disabled_at: datetime | None
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    last_sign_in_at: datetime | None


class FailedAttempt(msgspec.Struct, frozen=True):
    failed_attempts: int
    locked_until: datetime | None


class StaffHistoryEvent(msgspec.Struct, frozen=True):
    """One event of a credential as staff see it, with who acted."""

    seq: int
    occurred_at: datetime
    kind: str
    data: dict[str, Any]
    actor: UUID | None
    staff_email: str | None
    api_key_name: str | None


class StaffAccounts(RepositoryBase):
    async def insert(
        self, staff_id: UUID, email: str, password_hash: str, role: str, now: datetime
    ) -> StaffAccountRecord:
        created = await self._one(StaffAccountRecord, SQL.insert, staff_id, email, password_hash, role, now)
        assert created is not None, "INSERT ... RETURNING returns the row"
        return created

    async def get(self, staff_id: UUID) -> StaffAccountRecord | None:
        return await self._one(StaffAccountRecord, SQL.get, staff_id)

    async def get_by_email(self, email: str) -> StaffAccountRecord | None:
        return await self._one(StaffAccountRecord, SQL.get_by_email, email)

    async def list_all(self) -> list[StaffAccountRecord]:
        return await self._all(StaffAccountRecord, SQL.list_all)

    async def record_failed_attempt(
        self, staff_id: UUID, now: datetime, max_attempts: int, lockout_seconds: float
    ) -> FailedAttempt | None:
        """The counters after this failure; None when the account was locked already (nothing counted)."""
        return await self._one(FailedAttempt, SQL.record_failed_attempt, staff_id, now, max_attempts, lockout_seconds)

    async def record_sign_in(self, staff_id: UUID, now: datetime, new_hash: str | None) -> None:
        await self._execute(SQL.record_sign_in, staff_id, now, new_hash)

    async def replace_password(self, staff_id: UUID, password_hash: str) -> StaffAccountRecord | None:
        return await self._one(StaffAccountRecord, SQL.replace_password, staff_id, password_hash)

    async def mark_disabled(self, staff_id: UUID, now: datetime) -> StaffAccountRecord | None:
        """None when there is no such account or it is disabled already."""
        return await self._one(StaffAccountRecord, SQL.mark_disabled, staff_id, now)

    async def credential_history(self, credential_id: str) -> list[StaffHistoryEvent]:
        return await self._all(StaffHistoryEvent, SQL.credential_history, credential_id)
