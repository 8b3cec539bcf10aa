"""The `status_lists` table and the slots credentials hold in them (revocation and suspension indexes)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase, row_as
from verify_api.db.records import StatusListRecord
from verify_api.domain.status_list import StatusPurpose

SQL = NamedSql("sql/status_lists.sql")


class StatusListVersion(msgspec.Struct, frozen=True):
    id: str
    purpose: StatusPurpose
    size: int
    created_at: datetime
    version: int
    updated_at: datetime


class StatusLists(RepositoryBase):
    # allocation (issuance draws slots from the current list of each purpose)
    async def current(self, purpose: str) -> StatusListRecord | None:
        return await self._one(StatusListRecord, SQL.current, purpose)

    async def lock_opening(self, purpose: str) -> None:
        await self._execute(SQL.lock_opening, purpose)

    async def free_indexes(self, list_id: str, purpose: str, candidates: list[int]) -> list[int]:
        return [int(r["idx"]) for r in await self._fetch(SQL.free_indexes, list_id, purpose, candidates)]

    async def lock_slot(self, list_id: str, index: int) -> bool:
        """Lock (list, index) for this transaction; False: another transaction holds it."""
        return bool(await self._fetchval(SQL.lock_slot, list_id, index))

    async def slot_taken(self, list_id: str, purpose: str, index: int) -> bool:
        return bool(await self._fetchval(SQL.slot_taken, list_id, purpose, index))

    async def claim_slot(self, list_id: str, purpose: str, index: int) -> bool:
        """Lock (list, index) for this transaction, then check it is still free (a fresh statement sees any
        issuance that committed it meanwhile). False: someone else holds or took it."""
        return await self.lock_slot(list_id, index) and not await self.slot_taken(list_id, purpose, index)

    async def bump_allocation(self, list_id: str) -> None:
        await self._execute(SQL.bump_allocation, list_id)

    async def insert(self, rec: StatusListRecord) -> StatusListRecord:
        row = await self._fetchrow(SQL.insert, rec.id, rec.purpose, rec.size, rec.created_at)
        return row_as(row or {}, StatusListRecord)

    # publication (a list's version changes whenever one of its bits may have)
    async def bump_version(self, list_id: str, now: datetime) -> None:
        await self._execute(SQL.bump_version, list_id, now)

    async def bump_versions(self, list_ids: list[str], now: datetime) -> None:
        for list_id in sorted(set(list_ids)):  # a fixed order, so concurrent changes cannot deadlock
            await self.bump_version(list_id, now)

    async def get(self, list_id: str) -> StatusListVersion | None:
        return await self._one(StatusListVersion, SQL.get, list_id)

    async def revoked_indexes(self, list_id: str) -> list[int]:
        return [int(r["idx"]) for r in await self._fetch(SQL.revoked_indexes, list_id)]

    async def suspended_indexes(self, list_id: str) -> list[int]:
        return [int(r["idx"]) for r in await self._fetch(SQL.suspended_indexes, list_id)]

    async def set_indexes_at(self, list_id: str, at: datetime) -> list[int]:
        return [int(r["idx"]) for r in await self._fetch(SQL.set_indexes_at, list_id, at)]

    async def set_indexes(self, status_list: StatusListVersion, at: datetime | None) -> list[int]:
        """The list's set bits now (`at` None) or as the events had them at `at`."""
        if at is not None:
            return await self.set_indexes_at(status_list.id, at)
        if status_list.purpose == "revocation":
            return await self.revoked_indexes(status_list.id)
        return await self.suspended_indexes(status_list.id)

    # bulk allocation (services.status_slots.draw_status_slot_batch)
    async def lock_slots(self, list_id: str, candidates: list[int]) -> list[int]:
        """`lock_slot` for each candidate in one statement: the indexes this transaction now holds."""
        return [int(r["idx"]) for r in await self._fetch(SQL.lock_slots, list_id, candidates)]

    async def bump_allocation_by(self, list_id: str, count: int) -> None:
        await self._execute(SQL.bump_allocation_by, list_id, count)
