"""The chain head moves once per INSERT statement (migration 0023): a batch of events appended in one statement is
checked whole and the head updated once, and a statement whose rows do not extend the head is refused whole."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from verify_api.db.event_chain import GENESIS, EventColumns, entry_hash, event_hash_input
from verify_api.db.events import Events
from verify_api.services.audit import verify_audit_log
from verify_api.services.key_history import PinnedKeys

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
INSERT = (
    "INSERT INTO events (seq, occurred_at, kind, data, prev_hash, entry_hash, chain_version) "
    "SELECT s, $1, 'forged', '{}'::jsonb, p, h, v FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::int[]) "
    "AS e (s, p, h, v)"
)


def _event(n: int) -> EventColumns:
    return EventColumns(
        seq=0, occurred_at=NOW, kind="note", credential_id=None, organization_id=None, actor=None, data={"n": n}
    )


def _chained(after_seq: int, after_hash: bytes, count: int) -> tuple[list[int], list[bytes], list[bytes]]:
    """Rows that extend a head at (`after_seq`, `after_hash`) correctly, as the 'forged' rows of INSERT."""
    seqs, prevs, hashes = [], [], []
    prev = after_hash
    for seq in range(after_seq + 1, after_seq + 1 + count):
        columns = EventColumns(
            seq=seq, occurred_at=NOW, kind="forged", credential_id=None, organization_id=None, actor=None, data={}
        )
        new = entry_hash(prev, event_hash_input(columns))
        seqs.append(seq)
        prevs.append(prev)
        hashes.append(new)
        prev = new
    return seqs, prevs, hashes


async def test_a_batch_moves_the_head_once_and_verifies(conn: asyncpg.Connection) -> None:
    events = Events(conn)
    before = await events.chain_head()
    async with conn.transaction():
        head = await events.append_many([_event(n) for n in range(500)])
        # One update of the head's row for the whole statement (the row trigger of 0003 made 500).
        updates = await conn.fetchval("SELECT pg_stat_get_xact_tuples_updated('event_chain_head'::regclass)")
    assert updates == 1
    assert head.seq == before.seq + 500
    assert await events.chain_head() == head
    assert await events.entry_hash_at(head.seq) == head.entry_hash
    report = await verify_audit_log(conn, PinnedKeys([]), every=10_000)
    assert report.intact, report.problems


async def test_single_appends_still_move_the_head_one_by_one(conn: asyncpg.Connection) -> None:
    events = Events(conn)
    before = await events.chain_head()
    first = await events.append(kind="note", occurred_at=NOW, data={"n": 1})
    second = await events.append(kind="note", occurred_at=NOW, data={"n": 2})
    assert (first.seq, second.seq) == (before.seq + 1, before.seq + 2)
    assert await events.chain_head() == second
    assert (await verify_audit_log(conn, PinnedKeys([]), every=10_000)).intact


@pytest.mark.parametrize("broken", ["gap", "relinked", "version", "short hash", "not right after the head"])
async def test_a_statement_that_does_not_extend_the_head_is_refused_whole(
    conn: asyncpg.Connection, broken: str
) -> None:
    events = Events(conn)
    await events.append(kind="note", occurred_at=NOW, data={})
    head = await events.chain_head()
    seqs, prevs, hashes = _chained(head.seq, head.entry_hash, 6)
    versions = [2] * 6
    if broken == "gap":
        seqs[3] += 10
    elif broken == "relinked":
        prevs[4] = GENESIS
    elif broken == "version":
        versions[5] = 1
    elif broken == "short hash":
        hashes[2] = hashes[2][:16]
    else:
        seqs = [s + 1 for s in seqs]
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="must extend the chain head"):
        await conn.execute(INSERT, NOW, seqs, prevs, hashes, versions)
    assert await events.chain_head() == head
    assert await conn.fetchval("SELECT count(*) FROM events WHERE kind = 'forged'") == 0


async def test_rows_in_any_order_that_extend_the_head_are_accepted(conn: asyncpg.Connection) -> None:
    events = Events(conn)
    head = await events.chain_head()
    seqs, prevs, hashes = _chained(head.seq, head.entry_hash, 5)
    order = [3, 0, 4, 1, 2]
    await conn.execute(
        INSERT, NOW, [seqs[i] for i in order], [prevs[i] for i in order], [hashes[i] for i in order], [2] * 5
    )
    assert await events.chain_head() == type(head)(seq=seqs[-1], entry_hash=hashes[-1])


async def test_the_head_moves_only_to_an_event_of_the_log(conn: asyncpg.Connection) -> None:
    events = Events(conn)
    for n in range(3):
        await events.append(kind="note", occurred_at=NOW, data={"n": n})
    head = await events.chain_head()
    for sql, args in (
        ("UPDATE event_chain_head SET seq = seq + 1", ()),  # no such event
        ("UPDATE event_chain_head SET seq = seq + 1, entry_hash = $1", (head.entry_hash,)),
        (
            "UPDATE event_chain_head SET seq = seq - 1, entry_hash = (SELECT entry_hash FROM events WHERE seq = $1)",
            (head.seq - 1,),
        ),
        ("DELETE FROM event_chain_head", ()),
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="only moves forward"):
            await conn.execute(sql, *args)
    assert await events.chain_head() == head
