"""The hash-chained event log (`events`, `event_chain_head`) and its signed checkpoints (`audit_checkpoints`).

`append` is the one writer of `events`: it locks the chain head, numbers the event after it, computes the hash in
Python (db/event_chain.py) and inserts; the row lock is held until the caller's transaction ends, so concurrent
writers append one after another and the numbers follow the chain (migrations/0003; the database checks each
statement's rows whole and moves the head once per statement, migrations/0023).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.db.event_chain import (
    CHAIN_VERSION,
    EventColumns,
    entry_hash,
    event_hash_input,
    normalise_event_data,
    numbered_hash_input,
    unnumbered_hash_input,
)
from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from uuid import UUID

SQL = NamedSql("sql/events.sql")


class ChainHead(msgspec.Struct, frozen=True):
    seq: int
    entry_hash: bytes


class EventRecord(msgspec.Struct, frozen=True):
    seq: int
    occurred_at: datetime
    kind: str
    data: dict[str, Any]


class AuditRow(msgspec.Struct, frozen=True):
    """One event as stored: the columns its hash covers, and the links the writer recorded."""

    event: EventColumns
    prev_hash: bytes
    entry_hash: bytes
    chain_version: int
    legacy_data_text: str | None  # jsonb's text of `data`, for version-1 entries only


class Checkpoint(msgspec.Struct, frozen=True):
    seq: int
    entry_hash: bytes
    signed_at: datetime
    key_id: str
    signature: bytes
    version: int


class PreparedEvent(msgspec.Struct, frozen=True):
    """An event not yet numbered, its data as jsonb gives it back, and its hash input up to its number."""

    event: EventColumns
    hash_prefix: bytes


def prepare_event(event: EventColumns) -> PreparedEvent:
    """What `Events.append_prepared` needs of an event, computed outside the chain head's lock."""
    normalised = msgspec.structs.replace(event, seq=0, data=normalise_event_data(event.data))
    return PreparedEvent(normalised, unnumbered_hash_input(normalised))


def _audit_row(row: Any) -> AuditRow:
    return AuditRow(
        event=EventColumns(
            seq=int(row["seq"]),
            occurred_at=row["occurred_at"],
            kind=row["kind"],
            credential_id=row["credential_id"],
            organization_id=row["organization_id"],
            actor=row["actor"],
            data=row["data"],
        ),
        prev_hash=bytes(row["prev_hash"]),
        entry_hash=bytes(row["entry_hash"]),
        chain_version=int(row["chain_version"]),
        legacy_data_text=row["legacy_data_text"],
    )


def _head(row: Any) -> ChainHead:
    assert row is not None, "migration 0003 creates the chain head row"
    return ChainHead(seq=int(row["seq"]), entry_hash=bytes(row["entry_hash"]))


class Events(RepositoryBase):
    # PLR0913: one argument per column the statement writes
    async def append(  # noqa: PLR0913
        self,
        *,
        kind: str,
        occurred_at: datetime,
        credential_id: str | None = None,
        organization_id: UUID | None = None,
        actor: UUID | None = None,
        data: dict[str, Any] | None = None,
    ) -> ChainHead:
        """Chain one event after the head, inside the lock that orders the chain; return the new head.

        The head's row lock is held until the caller's transaction ends; outside one, this opens its own.
        """
        # The sequence number is the head's plus one, known only under the head's lock.
        unnumbered = EventColumns(
            seq=0,
            occurred_at=occurred_at,
            kind=kind,
            credential_id=credential_id,
            organization_id=organization_id,
            actor=actor,
            data=normalise_event_data(data or {}),
        )
        if not self.conn.is_in_transaction():
            async with self.conn.transaction():
                return await self._append_locked(unnumbered)
        return await self._append_locked(unnumbered)

    async def _append_locked(self, unnumbered: EventColumns) -> ChainHead:
        head = await self.lock_chain_head()
        event = msgspec.structs.replace(unnumbered, seq=head.seq + 1)
        new = ChainHead(seq=event.seq, entry_hash=entry_hash(head.entry_hash, event_hash_input(event)))
        await self.insert_numbered(event, prev_hash=head.entry_hash, new_hash=new.entry_hash)
        return new

    async def append_many(self, events: list[EventColumns]) -> ChainHead:
        """Chain `events` (their `seq` is ignored) after the head in one statement, in list order, under the same lock
        as `append`; the caller's transaction must be open. Return the new head."""
        return await self.append_prepared([prepare_event(e) for e in events])

    async def append_prepared(self, events: list[PreparedEvent]) -> ChainHead:
        """`append_many` for events whose hash inputs were computed before the head was locked (`prepare_event`):
        under the lock only their numbers and the chain's SHA-256 links are computed."""
        head = await self.lock_chain_head()
        numbered, prev_hashes, hashes = [], [], []
        prev = head.entry_hash
        for seq, prepared in enumerate(events, start=head.seq + 1):
            new_hash = entry_hash(prev, numbered_hash_input(prepared.hash_prefix, seq))
            numbered.append(msgspec.structs.replace(prepared.event, seq=seq))
            prev_hashes.append(prev)
            hashes.append(new_hash)
            prev = new_hash
        if not numbered:
            return head
        await self.insert_numbered_many(numbered, prev_hashes, hashes)
        return ChainHead(seq=numbered[-1].seq, entry_hash=prev)

    async def insert_numbered_many(
        self, events: list[EventColumns], prev_hashes: list[bytes], hashes: list[bytes]
    ) -> None:
        """Only `append_many` calls this, under the chain-head lock."""
        await self._execute(
            SQL.insert_numbered_many,
            [e.seq for e in events],
            [e.occurred_at for e in events],
            [e.kind for e in events],
            [e.credential_id for e in events],
            [e.organization_id for e in events],
            [e.actor for e in events],
            [msgspec.json.encode(e.data).decode() for e in events],
            prev_hashes,
            hashes,
            CHAIN_VERSION,
        )

    async def lock_chain_head(self) -> ChainHead:
        return _head(await self._fetchrow(SQL.lock_chain_head))

    async def insert_numbered(self, event: EventColumns, *, prev_hash: bytes, new_hash: bytes) -> None:
        """Only `append` calls this, under the chain-head lock."""
        await self._execute(
            SQL.insert_numbered,
            *msgspec.structs.astuple(event),
            prev_hash,
            new_hash,
            CHAIN_VERSION,
        )

    async def chain_head(self) -> ChainHead:
        return _head(await self._fetchrow(SQL.chain_head))

    async def audit_rows(self, after_seq: int, limit: int) -> list[AuditRow]:
        return [_audit_row(r) for r in await self._fetch(SQL.audit_rows, after_seq, limit)]

    async def entry_hash_at(self, seq: int) -> bytes | None:
        value = await self._fetchval(SQL.entry_hash_at, seq)
        return None if value is None else bytes(value)

    async def credential_events(self, credential_id: str) -> list[EventRecord]:
        return await self._all(EventRecord, SQL.credential_events, credential_id)

    async def latest_checkpoint(self) -> Checkpoint | None:
        return await self._one(Checkpoint, SQL.latest_checkpoint)

    async def list_checkpoints(self, after_seq: int = 0, limit: int | None = None) -> list[Checkpoint]:
        return await self._all(Checkpoint, SQL.list_checkpoints, after_seq, limit)

    async def insert_checkpoint(self, checkpoint: Checkpoint) -> bool:
        """Store a checkpoint; False when that entry already had one (a concurrent writer signed it first)."""
        status = await self._execute(SQL.insert_checkpoint, *msgspec.structs.astuple(checkpoint))
        return status == "INSERT 0 1"
