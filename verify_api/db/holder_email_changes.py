"""The `holder_email_changes` table: a holder's change of address, applied once both addresses confirmed it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/holder_email_changes.sql")


class EmailChangeRecord(msgspec.Struct, frozen=True):
    id: UUID
    holder_id: UUID
    old_email: str
    new_email: str
    created_at: datetime
    expires_at: datetime
    old_confirmed_at: datetime | None
    new_confirmed_at: datetime | None
    applied_at: datetime | None


class HolderEmailChanges(RepositoryBase):
    async def cancel_open(self, holder_id: UUID, now: datetime) -> None:
        await self._execute(SQL.cancel_open, holder_id, now)

    async def insert(  # noqa: PLR0913 (one argument per column the statement writes)
        self, change_id: UUID, holder_id: UUID, old_email: str, new_email: str, now: datetime, expires_at: datetime
    ) -> None:
        await self._execute(SQL.insert, change_id, holder_id, old_email, new_email, now, expires_at)

    async def confirm(self, change_id: UUID, now: datetime, side: str) -> EmailChangeRecord | None:
        return await self._one(EmailChangeRecord, SQL.confirm, change_id, now, side)

    async def mark_applied(self, change_id: UUID, now: datetime) -> None:
        await self._execute(SQL.mark_applied, change_id, now)

    async def pending_new_email(self, holder_id: UUID) -> str | None:
        return await self._text(SQL.pending_new_email, holder_id)

    async def open_change(self, holder_id: UUID, now: datetime) -> EmailChangeRecord | None:
        return await self._one(EmailChangeRecord, SQL.open_change, holder_id, now)
