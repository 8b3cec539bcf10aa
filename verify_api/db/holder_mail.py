"""The `holder_mail` table: a holder's account messages (sign-in links, address confirmations) waiting to be sent."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/holder_mail.sql")
MailKind = Literal["sign_in", "email_old", "email_new"]
MailState = Literal["pending", "sending", "sent", "failed", "dropped"]


class HolderMailWork(msgspec.Struct, frozen=True):
    id: UUID
    holder_id: UUID
    kind: MailKind
    to_address: str
    link: str
    created_at: datetime
    send_before: datetime
    attempts: int


class HolderMail(RepositoryBase):
    async def enqueue(  # noqa: PLR0913 (one argument per column the statement writes)
        self,
        mail_id: UUID,
        holder_id: UUID,
        kind: MailKind,
        to_address: str,
        link: str,
        now: datetime,
        send_before: datetime,
    ) -> None:
        await self._execute(SQL.enqueue, mail_id, holder_id, kind, to_address, link, now, send_before)

    async def drop_expired(self, now: datetime) -> None:
        await self._execute(SQL.drop_expired, now)

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[HolderMailWork]:
        return await self._all(HolderMailWork, SQL.claim_due, now, lease_until, limit)

    async def finish(  # noqa: PLR0913 (one argument per column the statement writes)
        self,
        mail_id: UUID,
        attempt: int,
        state: MailState,
        next_attempt_at: datetime,
        finished_at: datetime | None,
        last_error: str | None,
    ) -> None:
        await self._execute(SQL.finish, mail_id, attempt, state, next_attempt_at, finished_at, last_error)

    async def holder_display_name(self, holder_id: UUID) -> str | None:
        name: str | None = await self._fetchval(SQL.holder_display_name, holder_id)
        return name
