"""Storage for the hash-chained event log and its signed checkpoints.

`append_event` is the one writer of `events`: it locks the chain head, numbers the event after it, computes the
hash in Python (db/event_chain.py) and inserts; the row lock is held until the caller's transaction ends, so
concurrent writers append one after another and the numbers follow the chain (migrations/0003).
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
)
from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from uuid import UUID


SQL = NamedSql("audit.sql")


class ChainHead(msgspec.Struct, frozen=True):
    seq: int
    entry_hash: bytes


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


def _row_to_audit_row(row: Any) -> AuditRow:
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


class AuditRepository(RepositoryBase):
    # PLR0913: one argument per column the statement writes
    async def append_event(  # noqa: PLR0913
        self,
        *,
        kind: str,
        occurred_at: datetime,
        credential_id: str | None,
        organization_id: UUID | None,
        actor: UUID | None,
        data: dict[str, Any],
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
            data=normalise_event_data(data),
        )
        if not self.conn.is_in_transaction():
            async with self.conn.transaction():
                return await self._append_locked(unnumbered)
        return await self._append_locked(unnumbered)

    async def _append_locked(self, unnumbered: EventColumns) -> ChainHead:
        head = await self.conn.fetchrow(SQL.lock_chain_head)
        assert head is not None, "migration 0003 creates the chain head row"
        prev_hash = bytes(head["entry_hash"])
        event = msgspec.structs.replace(unnumbered, seq=int(head["seq"]) + 1)
        new_hash = entry_hash(prev_hash, event_hash_input(event))
        await self.conn.execute(
            SQL.append_event,
            event.seq,
            event.occurred_at,
            event.kind,
            event.credential_id,
            event.organization_id,
            event.actor,
            event.data,
            prev_hash,
            new_hash,
            CHAIN_VERSION,
        )
        return ChainHead(seq=event.seq, entry_hash=new_hash)

    async def chain_head(self) -> ChainHead:
        row = await self.conn.fetchrow(SQL.chain_head)
        assert row is not None, "migration 0003 creates the chain head row"
        return ChainHead(seq=int(row["seq"]), entry_hash=bytes(row["entry_hash"]))

    async def audit_rows(self, after_seq: int, limit: int) -> list[AuditRow]:
        return [_row_to_audit_row(r) for r in await self.conn.fetch(SQL.list_events_for_audit, after_seq, limit)]

    async def entry_hash_at(self, seq: int) -> bytes | None:
        value = await self.conn.fetchval(SQL.entry_hash_at, seq)
        return None if value is None else bytes(value)

    async def latest_checkpoint(self) -> Checkpoint | None:
        row = await self.conn.fetchrow(SQL.latest_checkpoint)
        return None if row is None else msgspec.convert(dict(row), Checkpoint)

    async def list_checkpoints(self, after_seq: int = 0, limit: int | None = None) -> list[Checkpoint]:
        rows = await self.conn.fetch(SQL.list_checkpoints, after_seq, limit)
        return [msgspec.convert(dict(r), Checkpoint) for r in rows]

    async def insert_checkpoint(self, checkpoint: Checkpoint) -> bool:
        """Store a checkpoint; False when that entry already had one (a concurrent writer signed it first)."""
        status = await self.conn.execute(
            SQL.insert_checkpoint,
            checkpoint.seq,
            checkpoint.entry_hash,
            checkpoint.signed_at,
            checkpoint.key_id,
            checkpoint.signature,
            checkpoint.version,
        )
        return status == "INSERT 0 1"
