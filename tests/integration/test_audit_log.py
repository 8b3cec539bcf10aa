"""The hash-chained event log: verification names the first entry changed, removed or reordered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import make_aida
from tests.lifecycle_helpers import transition
from verify_api.services.audit import verify_audit_log, write_checkpoint

if TYPE_CHECKING:
    import asyncpg

    from tests.conftest import FakeClock
    from verify_api.services.context import IssuerKey

Client = AsyncTestClient[Litestar]
ROOT = Path(__file__).resolve().parents[2]


async def _history(client: Client, headers: dict[str, str], clock: FakeClock) -> None:
    credential = await make_aida(client, headers)
    for action, reason in [("suspend", "under_investigation"), ("reinstate", "investigation_cleared")]:
        clock.advance(minutes=5)
        await transition(client, headers, credential["id"], action, reason)
    await make_aida(client, headers, displayName="Second")


async def _tamper(conn: asyncpg.Connection, sql: str) -> None:
    # As an attacker with database access would: around the append-only trigger.
    async with conn.transaction():
        await conn.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
        await conn.execute(sql)
        await conn.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")


async def test_intact_log_verifies(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection
) -> None:
    await _history(client, admin_headers, clock)
    report = await verify_audit_log(conn)
    assert report.intact, report.problems
    assert report.entries >= 6


async def test_changed_entry_is_named(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection
) -> None:
    await _history(client, admin_headers, clock)
    seq = await conn.fetchval("SELECT seq FROM events WHERE kind = 'credential_suspended'")
    await _tamper(conn, f'UPDATE events SET data = \'{{"reason": "holder_request"}}\' WHERE seq = {seq}')
    report = await verify_audit_log(conn)
    assert report.problems[0].startswith(f"entry {seq}: changed")


async def test_removed_entry_is_named(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection
) -> None:
    await _history(client, admin_headers, clock)
    seq = await conn.fetchval("SELECT seq FROM events WHERE kind = 'credential_suspended'")
    await _tamper(conn, f"DELETE FROM events WHERE seq = {seq}")
    report = await verify_audit_log(conn)
    assert report.problems[0].startswith(f"entry {seq + 1}:")
    assert "removed" in report.problems[0]


async def test_reordered_entries_are_named(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection
) -> None:
    await _history(client, admin_headers, clock)
    first, second = await conn.fetch(
        "SELECT seq FROM events WHERE kind IN ('credential_suspended', 'credential_reinstated') ORDER BY seq"
    )
    a, b = first["seq"], second["seq"]
    swap = f"""
        UPDATE events e SET occurred_at = o.occurred_at, kind = o.kind, credential_id = o.credential_id,
               organization_id = o.organization_id, actor = o.actor, data = o.data,
               prev_hash = o.prev_hash, entry_hash = o.entry_hash
        FROM (SELECT * FROM events WHERE seq IN ({a}, {b})) o
        WHERE e.seq IN ({a}, {b}) AND o.seq <> e.seq
    """
    await _tamper(conn, swap)
    report = await verify_audit_log(conn)
    assert report.problems[0].startswith(f"entry {a}: out of order")


async def test_checkpoint_catches_a_rewritten_chain(
    client: Client,
    admin_headers: dict[str, str],
    clock: FakeClock,
    conn: asyncpg.Connection,
    issuer_key: IssuerKey,
) -> None:
    await _history(client, admin_headers, clock)
    checkpoint = await write_checkpoint(conn, issuer_key, now=clock.now)
    assert checkpoint is not None
    assert (await verify_audit_log(conn)).intact
    # Rewrite the last entry and recompute its hash consistently: only the signed checkpoint can tell.
    await _tamper(
        conn,
        f"""UPDATE events SET data = '{{"forged": true}}',
                entry_hash = sha256(prev_hash || event_hash_input(seq, occurred_at, kind, credential_id,
                                                                  organization_id, actor, '{{"forged": true}}'::jsonb))
            WHERE seq = {checkpoint.seq}""",
    )
    report = await verify_audit_log(conn)
    assert report.problems == [f"checkpoint at entry {checkpoint.seq}: the log was rewritten since it was signed"]


async def test_checkpoints_are_written_at_intervals(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    for n in range(55):  # each AIDA makes 2 events (exam recorded, issued); every 100 events trigger one
        await make_aida(client, admin_headers, displayName=f"P{n}")
    count = await conn.fetchval("SELECT count(*) FROM audit_checkpoints")
    assert count >= 1
    assert (await verify_audit_log(conn)).checkpoints == count


@pytest.mark.parametrize("tampered", [False, True], ids=["intact", "tampered"])
async def test_audit_verify_command_exit_code(
    client: Client,
    admin_headers: dict[str, str],
    clock: FakeClock,
    conn: asyncpg.Connection,
    database_url: str,
    tampered: bool,
) -> None:
    await _history(client, admin_headers, clock)
    if tampered:
        await _tamper(conn, "UPDATE events SET kind = 'nothing_happened' WHERE seq = 2")
    result = subprocess.run(  # noqa: ASYNC221 - a short CLI run; the test has nothing else to do meanwhile
        [sys.executable, "-m", "verify_api", "audit", "verify"],
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == (1 if tampered else 0), result.stdout + result.stderr
    assert ("TAMPERED: entry 2: changed" in result.stdout) is tampered
