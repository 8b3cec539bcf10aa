"""Storage for status changes, status lists and credential history (the audit chain: audit_repository.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.domain.lifecycle import StoredStatus
from verify_api.domain.status_list import StatusPurpose
from verify_api.domain.tiers import Tier

SQL = NamedSql("lifecycle.sql")


class StatusListVersion(msgspec.Struct, frozen=True):
    id: str
    purpose: StatusPurpose
    size: int
    created_at: datetime
    version: int
    updated_at: datetime


class TransitionedSlots(msgspec.Struct, frozen=True):
    id: str
    revocation_list: str
    suspension_list: str


class EventRecord(msgspec.Struct, frozen=True):
    seq: int
    occurred_at: datetime
    kind: str
    data: dict[str, Any]


class PrerequisiteState(msgspec.Struct, frozen=True):
    tier: Tier
    status: StoredStatus
    status_reason: str | None
    status_changed_at: datetime | None
    valid_until: datetime


def _convert(row: Any, kind: type[Any]) -> Any:
    return msgspec.convert(dict(row), kind)


class LifecycleRepository(RepositoryBase):
    # PLR0913: one argument per column the statement writes
    async def transition(  # noqa: PLR0913
        self, credential_id: str, *, to: str, reason: str, note: str | None, now: datetime, sources: tuple[str, ...]
    ) -> TransitionedSlots | None:
        row = await self.conn.fetchrow(SQL.transition_credential, credential_id, to, reason, note, now, list(sources))
        return None if row is None else _convert(row, TransitionedSlots)

    async def credential_status(self, credential_id: str) -> str | None:
        value = await self.conn.fetchval(SQL.credential_status, credential_id)
        return None if value is None else str(value)

    async def bump_status_lists(self, list_ids: list[str], now: datetime) -> None:
        for list_id in sorted(set(list_ids)):  # a fixed order, so concurrent changes cannot deadlock
            await self.conn.execute(SQL.bump_status_list, list_id, now)

    async def get_status_list(self, list_id: str) -> StatusListVersion | None:
        row = await self.conn.fetchrow(SQL.get_status_list, list_id)
        return None if row is None else _convert(row, StatusListVersion)

    async def set_indexes(self, status_list: StatusListVersion, at: datetime | None) -> list[int]:
        if at is None:
            query = SQL.revoked_indexes if status_list.purpose == "revocation" else SQL.suspended_indexes
            rows = await self.conn.fetch(query, status_list.id)
        else:
            rows = await self.conn.fetch(SQL.set_indexes_at, status_list.id, at)
        return [int(r["idx"]) for r in rows]

    async def credential_events(self, credential_id: str) -> list[EventRecord]:
        return [_convert(r, EventRecord) for r in await self.conn.fetch(SQL.credential_events, credential_id)]

    async def successor_of(self, credential_id: str) -> str | None:
        value = await self.conn.fetchval(SQL.successor_of, credential_id)
        return None if value is None else str(value)

    async def newest_in_chain(self, credential_id: str) -> str:
        return str(await self.conn.fetchval(SQL.newest_in_chain, credential_id))

    async def prerequisite_states(self, holder_id: object, tier: str) -> list[PrerequisiteState]:
        return [_convert(r, PrerequisiteState) for r in await self.conn.fetch(SQL.prerequisite_states, holder_id, tier)]
