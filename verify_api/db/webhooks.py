"""Webhook subscriptions (`webhook_subscriptions`) and the log of their deliveries (`deliveries`,
`delivery_attempts`, migration 0014). A subscription is never deleted, only disabled, so its log stays readable."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import msgspec

from verify_api.db.outbox import AttemptRecord
from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from collections.abc import Sequence

SQL = NamedSql("sql/webhooks.sql")


class SubscriptionRecord(msgspec.Struct, frozen=True):
    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime
    disabled_at: datetime | None


class DeliveryRecord(msgspec.Struct, frozen=True):
    id: UUID
    notification_seq: int
    type: str
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    finished_at: datetime | None
    last_error: str | None


class Webhooks(RepositoryBase):
    # PLR0913: one argument per column the statement writes
    async def insert_subscription(  # noqa: PLR0913
        self,
        subscription_id: UUID,
        url: str,
        event_types: list[str],
        secret: str,
        description: str | None,
        now: datetime,
        created_by: UUID | None,
    ) -> SubscriptionRecord:
        row = await self._one(
            SubscriptionRecord,
            SQL.insert_subscription,
            subscription_id,
            url,
            event_types,
            secret,
            description,
            now,
            created_by,
        )
        assert row is not None, "INSERT ... RETURNING returns the row"
        return row

    async def list_subscriptions(self) -> list[SubscriptionRecord]:
        return await self._all(SubscriptionRecord, SQL.list_subscriptions)

    async def all_subscriptions(self) -> list[SubscriptionRecord]:
        return await self._all(SubscriptionRecord, SQL.all_subscriptions)

    async def get_subscription(self, subscription_id: UUID) -> SubscriptionRecord | None:
        return await self._one(SubscriptionRecord, SQL.get_subscription, subscription_id)

    async def disable_subscription(self, subscription_id: UUID, now: datetime) -> bool:
        return await self._fetchval(SQL.disable_subscription, subscription_id, now) is not None

    async def subscription_deliveries(
        self, subscription_id: UUID, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[DeliveryRecord]:
        at, last = before if before is not None else (None, None)
        return await self._all(DeliveryRecord, SQL.subscription_deliveries, subscription_id, at, last, limit)

    async def attempts_of(self, delivery_ids: Sequence[UUID]) -> list[AttemptRecord]:
        return await self._all(AttemptRecord, SQL.attempts_of, list(delivery_ids))

    async def redeliver(self, delivery_id: UUID, now: datetime) -> bool:
        return await self._fetchval(SQL.redeliver, delivery_id, now) is not None

    async def delivery_state(self, delivery_id: UUID) -> str | None:
        return await self._text(SQL.delivery_state, delivery_id)
