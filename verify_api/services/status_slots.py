"""Allocation of Bitstring Status List indexes, inside the issuing transaction and before anything is signed.

Indexes are drawn uniformly at random (never in issue order) so a list reveals nothing about when or in what
order credentials were issued (W3C Bitstring Status List v1.0, section 6.1 "Herd privacy"). A list is closed once
half full, which keeps the herd large and a random index free at least half the time.

Drawing never counts a list. Each list keeps how many slots it has handed out (`status_lists.allocated`, bumped
by the issuing transaction); a draw probes a batch of random candidates with one index lookup each, claims the
first free one with a transaction-scoped advisory lock and checks it again, so two concurrent issuances never
sign a document for the same slot. Opening a list takes a per-purpose lock, so concurrent first issuances share
one new list instead of opening one each.
"""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING, TypedDict

from verify_api.db.records import StatusListRecord
from verify_api.db.status_lists import StatusLists
from verify_api.domain.credential import StatusSlot
from verify_api.errors import VerifyApiError

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.domain.status_list import StatusPurpose

STATUS_PURPOSES: tuple[StatusPurpose, ...] = ("revocation", "suspension")
# Candidates probed per round and rounds per draw: in a list at most half full each candidate is free with
# probability >= 1/2, so a draw fails with probability <= 2**-(16 * 8).
CANDIDATES_PER_PROBE = 16
PROBE_ROUNDS = 8


class StatusSlotUnavailableError(VerifyApiError):
    """No free status-list slot could be drawn; the status lists need attention."""


def new_status_list_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def has_room(status_list: StatusListRecord | None) -> bool:
    return status_list is not None and status_list.allocated < status_list.size // 2


async def open_status_list(conn: Connection, purpose: StatusPurpose, size: int, now: datetime) -> StatusListRecord:
    """The list new slots of `purpose` come from: the current one while below half full, else a new one."""
    current = await StatusLists(conn).current(purpose)
    if has_room(current):
        assert current is not None
        return current
    await StatusLists(conn).lock_opening(purpose)
    current = await StatusLists(conn).current(purpose)  # a concurrent opener may have committed a list meanwhile
    if has_room(current):
        assert current is not None
        return current
    return await StatusLists(conn).insert(
        StatusListRecord(id=new_status_list_id(), purpose=purpose, size=size, created_at=now)
    )


def random_candidates(size: int, count: int) -> list[int]:
    return [secrets.randbelow(size) for _ in range(count)]


async def draw_free_index(conn: Connection, status_list: StatusListRecord) -> int:
    """A random index of `status_list` that no credential holds, claimed for this transaction."""
    for _ in range(PROBE_ROUNDS):
        candidates = random_candidates(status_list.size, CANDIDATES_PER_PROBE)
        for index in await StatusLists(conn).free_indexes(status_list.id, status_list.purpose, candidates):
            if await StatusLists(conn).claim_slot(status_list.id, status_list.purpose, index):
                return index
    raise StatusSlotUnavailableError(f"no free slot found in status list {status_list.id}")


async def draw_status_slots(conn: Connection, size: int, now: datetime) -> list[StatusSlot]:
    """One claimed slot per purpose; the caller's transaction must call `record_status_slots` before commit."""
    slots = []
    for purpose in STATUS_PURPOSES:
        status_list = await open_status_list(conn, purpose, size, now)
        index = await draw_free_index(conn, status_list)
        slots.append(StatusSlot(purpose=purpose, list_id=status_list.id, index=index))
    return slots


async def record_status_slots(conn: Connection, slots: list[StatusSlot]) -> None:
    """Count the slots against their lists. Called last in the issuing transaction, after its events: the row
    lock it takes is held only until commit, and (like the lifecycle's list-version bumps, also made after the
    event) it is taken under the event log's append lock, so writers of status-list rows never deadlock."""
    for slot in sorted(slots, key=lambda s: s.list_id):  # a fixed order, so concurrent issuances cannot deadlock
        await StatusLists(conn).bump_allocation(slot.list_id)


def room_in(status_list: StatusListRecord) -> int:
    """Slots `status_list` may still hand out before it is half full (and closed to new slots)."""
    return max(0, status_list.size // 2 - status_list.allocated)


async def status_slot_room(conn: Connection, size: int, now: datetime) -> int:
    """How many credentials the open lists of both purposes can still take (opening new lists when full), so a
    batch is never larger than its lists: one list of each purpose is open at a time."""
    rooms = [room_in(await open_status_list(conn, purpose, size, now)) for purpose in STATUS_PURPOSES]
    return min(rooms)


async def draw_free_index_batch(conn: Connection, status_list: StatusListRecord, count: int) -> list[int]:
    """`count` distinct random free indexes of `status_list`, claimed for this transaction: `draw_free_index` for
    many at once, three statements a round (probe the candidates, lock the free ones, check the locked ones again)
    whatever the batch size, so a slot costs the same at any fill up to half full."""
    chosen: list[int] = []
    lists = StatusLists(conn)
    for _ in range(PROBE_ROUNDS):
        need = count - len(chosen)
        if need <= 0:
            return chosen
        taken = set(chosen)
        # dict.fromkeys keeps the draw's random order (a set would iterate small indexes first).
        drawn = dict.fromkeys(random_candidates(status_list.size, 2 * need + CANDIDATES_PER_PROBE))
        candidates = [i for i in drawn if i not in taken]
        free = await lists.free_indexes(status_list.id, status_list.purpose, candidates)
        locked = await lists.lock_slots(status_list.id, free[:need]) if free else []
        if locked:
            still_free = set(await lists.free_indexes(status_list.id, status_list.purpose, locked))
            chosen.extend(i for i in locked if i in still_free)
    if len(chosen) >= count:
        return chosen[:count]
    raise StatusSlotUnavailableError(f"no {count} free slots found in status list {status_list.id}")


async def draw_status_slot_batch(conn: Connection, size: int, now: datetime, count: int) -> list[list[StatusSlot]]:
    """Claimed slots (one per purpose) for `count` credentials, from the one open list of each purpose; the caller
    makes sure they fit (`status_slot_room`) and calls `record_status_slot_batch` last before commit."""
    drawn: dict[StatusPurpose, tuple[str, list[int]]] = {}
    for purpose in STATUS_PURPOSES:
        status_list = await open_status_list(conn, purpose, size, now)
        drawn[purpose] = (status_list.id, await draw_free_index_batch(conn, status_list, count))
    return [
        [StatusSlot(purpose=p, list_id=list_id, index=ix[i]) for p, (list_id, ix) in drawn.items()]
        for i in range(count)
    ]


async def record_status_slot_batch(conn: Connection, slots: list[list[StatusSlot]]) -> None:
    """`record_status_slots` for a batch: one bump per list, in a fixed order (after the batch's events)."""
    counts: dict[str, int] = {}
    for credential_slots in slots:
        for slot in credential_slots:
            counts[slot.list_id] = counts.get(slot.list_id, 0) + 1
    for list_id in sorted(counts):
        await StatusLists(conn).bump_allocation_by(list_id, counts[list_id])


class SlotColumns(TypedDict):
    """A register row's status-list columns, as NewCredential names them."""

    revocation_list: str
    revocation_index: int
    suspension_list: str
    suspension_index: int


def slot_columns(slots: list[StatusSlot]) -> SlotColumns:
    """The columns that record where a credential's revocation and suspension bits are."""
    by_purpose = {s.purpose: s for s in slots}
    revocation, suspension = by_purpose["revocation"], by_purpose["suspension"]
    return SlotColumns(
        revocation_list=revocation.list_id,
        revocation_index=revocation.index,
        suspension_list=suspension.list_id,
        suspension_index=suspension.index,
    )
