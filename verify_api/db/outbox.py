"""The outbox (migration 0014): notifications made from the event log and from scans, one delivery row per
(notification, target), and the holders' e-mail opt-out.

`lock_cursor` serialises the translators of every worker and instance (SKIP LOCKED: a busy one is skipped, not
waited for); notifications are only inserted while it is held, so their numbers follow commit order. Deliveries are
claimed with FOR UPDATE SKIP LOCKED and a lease (`next_attempt_at` while sending); `finish_attempt` is fenced by the
attempt number, so a sender whose lease ran out cannot overwrite the row's newer state.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from collections.abc import Sequence

SQL = NamedSql("sql/outbox.sql")


class CursorState(msgspec.Struct, frozen=True):
    event_seq: int
    expired_scanned_to: datetime


class SourceEvent(msgspec.Struct, frozen=True):
    """An audit event with what the translator needs of its credential."""

    seq: int
    occurred_at: datetime
    kind: str
    credential_id: str | None
    organization_id: UUID | None
    data: dict[str, Any]
    holder_id: UUID | None
    tier: str | None
    valid_until: datetime | None


class CredentialDue(msgspec.Struct, frozen=True):
    id: str
    holder_id: UUID | None
    organization_id: UUID | None
    tier: str
    valid_until: datetime


class NewNotification(msgspec.Struct, frozen=True):
    type: str
    occurred_at: datetime
    credential_id: str | None
    holder_id: UUID | None
    organization_id: UUID | None
    data: dict[str, Any]
    source_event: int | None = None
    derived_key: str | None = None


class DeliveryWork(msgspec.Struct, frozen=True):
    """A claimed delivery with everything its sending needs."""

    id: UUID
    channel: str
    attempts: int
    retry_since: datetime
    holder_id: UUID | None
    notification_seq: int
    type: str
    occurred_at: datetime
    data: dict[str, Any]
    credential_id: str | None
    email: str | None
    display_name: str | None
    email_opt_out_at: datetime | None
    subject_name: str | None
    subscription_id: UUID | None
    url: str | None
    secret: str | None
    disabled_at: datetime | None


class AttemptRecord(msgspec.Struct, frozen=True):
    delivery_id: UUID
    attempt: int
    started_at: datetime
    latency_ms: int
    status_code: int | None
    outcome: str
    detail: str | None


class NotificationRow(msgspec.Struct, frozen=True):
    seq: int
    type: str
    occurred_at: datetime
    data: dict[str, Any]


class Outbox(RepositoryBase):
    async def lock_cursor(self) -> CursorState | None:
        """The translator's lock (held to the end of the caller's transaction), or None while another holds it."""
        return await self._one(CursorState, SQL.lock_cursor)

    async def token_key(self) -> bytes:
        return bytes(await self._fetchval(SQL.token_key))

    async def events_after(self, seq: int, limit: int) -> list[SourceEvent]:
        return await self._all(SourceEvent, SQL.events_after, seq, limit)

    async def supersession_reason(self, predecessor_id: str, successor_id: str) -> str | None:
        return await self._text(SQL.supersession_reason, predecessor_id, successor_id)

    async def advance_cursor(self, seq: int) -> None:
        await self._execute(SQL.advance_cursor, seq)

    async def advance_expired_scan(self, until: datetime) -> None:
        await self._execute(SQL.advance_expired_scan, until)

    async def insert_notification(self, new: NewNotification) -> int | None:
        """The new notification's number, or None when its origin was already translated."""
        value = await self._fetchval(SQL.insert_notification, *msgspec.structs.astuple(new))
        return None if value is None else int(value)

    async def enqueue_webhooks(self, notification_seq: int, event_type: str, now: datetime) -> None:
        await self._execute(SQL.enqueue_webhooks, notification_seq, event_type, now)

    async def enqueue_email(self, notification_seq: int, holder_id: UUID, now: datetime) -> None:
        await self._execute(SQL.enqueue_email, notification_seq, holder_id, now)

    async def expiring_credentials(self, after: datetime, until: datetime, limit: int) -> list[CredentialDue]:
        return await self._all(CredentialDue, SQL.expiring_credentials, after, until, limit)

    async def expired_credentials(self, after: datetime, until: datetime) -> list[CredentialDue]:
        return await self._all(CredentialDue, SQL.expired_credentials, after, until)

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[UUID]:
        return [r["id"] for r in await self._fetch(SQL.claim_due, now, lease_until, limit)]

    async def delivery_work(self, ids: Sequence[UUID]) -> list[DeliveryWork]:
        return await self._all(DeliveryWork, SQL.delivery_work, list(ids))

    # PLR0913: one argument per column the statement writes
    async def finish_attempt(  # noqa: PLR0913
        self,
        delivery_id: UUID,
        attempt: int,
        *,
        state: str,
        next_attempt_at: datetime,
        finished_at: datetime | None,
        last_error: str | None,
    ) -> bool:
        """Record the outcome; False when the row was re-claimed since (this sender's lease had run out)."""
        status = await self._execute(
            SQL.finish_attempt, delivery_id, attempt, state, next_attempt_at, finished_at, last_error
        )
        return status == "UPDATE 1"

    async def insert_attempt(self, record: AttemptRecord) -> None:
        await self._execute(SQL.insert_attempt, *msgspec.structs.astuple(record))

    async def depth(self) -> dict[str, int]:
        return {r["channel"]: int(r["n"]) for r in await self._fetch(SQL.depth)}

    async def set_email_opt_out(self, holder_id: UUID, opted_out_at: datetime | None) -> bool:
        return await self._fetchval(SQL.set_email_opt_out, holder_id, opted_out_at) is not None

    async def notifications_after(self, seq: int, limit: int) -> list[NotificationRow]:
        return await self._all(NotificationRow, SQL.notifications_after, seq, limit)
