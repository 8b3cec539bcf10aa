"""A holder's history as the staff console shows it: the events of their credentials and their own corrections."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from uuid import UUID

SQL = NamedSql("sql/holder_history.sql")


class HolderEvent(msgspec.Struct, frozen=True):
    seq: int
    occurred_at: datetime
    kind: str
    credential_id: str | None
    data: dict[str, Any]
    staff_email: str | None
    api_key_name: str | None


class HolderHistory(RepositoryBase):
    async def holder_events(self, holder_id: UUID, limit: int) -> list[HolderEvent]:
        return await self._all(HolderEvent, SQL.holder_events, holder_id, limit)
