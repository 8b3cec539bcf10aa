"""The hash-chained event log: verification names every entry changed, removed or reordered, checkpoints verify only
against keys pinned outside the database, at the configured cadence, and concurrent writers never break the chain."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import with_database
from tests.factories import make_aida
from tests.lifecycle_helpers import transition
from verify_api.db.event_chain import GENESIS, EventColumns, entry_hash, event_hash_input
from verify_api.db.events import Events
from verify_api.db.migrate import MIGRATIONS, apply_migrations
from verify_api.db.pool import connect
from verify_api.proofs.keys import decode_multikey, generate_signer, private_key_pem
from verify_api.services.audit import verify_audit_log
from verify_api.services.checkpoints import CHECKPOINT_VERSION, checkpoint_if_due, checkpoint_message, write_checkpoint
from verify_api.services.context import IssuerKey
from verify_api.services.key_history import PinnedKey, PinnedKeys, history_path, record_key_sync
from verify_api.services.signing_keys import register_signing_key

# The package's migrations folder: a real directory in a checkout, read as files here.
MIGRATIONS_DIR = Path(str(MIGRATIONS))


if TYPE_CHECKING:
    from tests.conftest import FakeClock
    from verify_api.proofs.keys import Signer
    from verify_api.settings import Settings

Client = AsyncTestClient[Litestar]
ROOT = Path(__file__).resolve().parents[2]
EVERY = 100  # AUDIT_CHECKPOINT_EVERY in the test settings
KEY_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def pinned(issuer_key: IssuerKey) -> PinnedKeys:
    return PinnedKeys(
        [PinnedKey(kid=issuer_key.verification_method, public_key_multibase=issuer_key.signer.public_key_multibase)]
    )


async def _history(client: Client, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    credential = await make_aida(client, headers)
    for action, reason in [("suspend", "under_investigation"), ("reinstate", "investigation_cleared")]:
        clock.advance(minutes=5)
        await transition(client, headers, credential["id"], action, reason)
    await make_aida(client, headers, displayName="Second")
    return credential


async def _tamper(conn: asyncpg.Connection, *statements: str) -> None:
    # As an attacker with database superuser rights would: with every trigger (append-only, chain head, foreign
    # keys) switched off for the session.
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        for sql in statements:
            await conn.execute(sql)


async def _rechain_from(conn: asyncpg.Connection, start: int) -> None:
    """Recompute every hash from entry `start` on, with the documented encoding, as an attacker can."""
    rows = await conn.fetch("SELECT * FROM events WHERE seq >= $1 ORDER BY seq", start)
    prev = await conn.fetchval("SELECT entry_hash FROM events WHERE seq < $1 ORDER BY seq DESC LIMIT 1", start)
    prev = GENESIS if prev is None else bytes(prev)
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        for row in rows:
            columns = EventColumns(**{k: row[k] for k in EventColumns.__struct_fields__})
            new_hash = entry_hash(prev, event_hash_input(columns))
            await conn.execute(
                "UPDATE events SET prev_hash = $2, entry_hash = $3 WHERE seq = $1", row["seq"], prev, new_hash
            )
            prev = new_hash
        await conn.execute("UPDATE event_chain_head SET seq = (SELECT max(seq) FROM events), entry_hash = $1", prev)


async def test_intact_log_verifies(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection, pinned: PinnedKeys
) -> None:
    await _history(client, admin_headers, clock)
    report = await verify_audit_log(conn, pinned, every=EVERY)
    assert report.intact, report.problems
    assert report.entries >= 6
    seqs = [r["seq"] for r in await conn.fetch("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # numbered inside the lock: no gaps


async def test_changed_entry_is_named(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection, pinned: PinnedKeys
) -> None:
    await _history(client, admin_headers, clock)
    seq = await conn.fetchval("SELECT seq FROM events WHERE kind = 'credential_suspended'")
    await _tamper(conn, f'UPDATE events SET data = \'{{"reason": "holder_request"}}\' WHERE seq = {seq}')
    report = await verify_audit_log(conn, pinned, every=EVERY)
    assert report.problems == [f"entry {seq}: changed; its content no longer matches its recorded hash"]


async def test_every_bad_link_is_reported_not_only_the_first(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection, pinned: PinnedKeys
) -> None:
    await _history(client, admin_headers, clock)
    first = await conn.fetchval("SELECT seq FROM events WHERE kind = 'credential_suspended'")
    last = await conn.fetchval("SELECT max(seq) FROM events")
    removed = await conn.fetchval("SELECT seq FROM events WHERE kind = 'credential_reinstated'")
    await _tamper(
        conn,
        f"UPDATE events SET kind = 'nothing_happened' WHERE seq IN ({first}, {last})",
        f"DELETE FROM events WHERE seq = {removed}",
    )
    problems = (await verify_audit_log(conn, pinned, every=EVERY)).problems
    assert [p.split(":")[0] for p in problems] == [f"entry {first}", f"entry {removed + 1}", f"entry {last}"]
    assert "changed" in problems[0]
    assert "missing (removed)" in problems[1]
    assert "changed" in problems[2]


async def test_removed_entry_is_named_even_when_the_chain_is_relinked(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection, pinned: PinnedKeys
) -> None:
    await _history(client, admin_headers, clock)
    seq = await conn.fetchval("SELECT seq FROM events WHERE kind = 'credential_suspended'")
    await _tamper(conn, f"DELETE FROM events WHERE seq = {seq}")
    report = await verify_audit_log(conn, pinned, every=EVERY)
    assert report.problems[0].startswith(f"entry {seq + 1}: the entry it was chained to is missing (removed)")
    await _rechain_from(conn, seq + 1)  # the links hold again; the numbers do not
    report = await verify_audit_log(conn, pinned, every=EVERY)
    assert report.problems == [f"entry {seq + 1}: entries {seq} to {seq} are missing (removed)"]


async def test_reordered_entries_are_named(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection, pinned: PinnedKeys
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
    report = await verify_audit_log(conn, pinned, every=EVERY)
    assert report.problems[0].startswith(f"entry {a}: out of order")


async def test_concurrent_writers_never_break_the_chain(
    database_url: str, conn: asyncpg.Connection, clock: FakeClock, issuer_key: IssuerKey, pinned: PinnedKeys
) -> None:
    # Many writers on real connections, each transaction appending two events with other work in between (as
    # issuance does): before migration 0003, event numbers were drawn before the lock and links crossed.
    writers, rounds = 8, 12
    connections = [await connect(database_url) for _ in range(writers)]
    await register_signing_key(conn, issuer_key, now=clock.now)

    async def write(writer: asyncpg.Connection, n: int) -> None:
        for r in range(rounds):
            async with writer.transaction():
                await Events(writer).append(kind="test_first", occurred_at=clock.now, data={"w": n, "r": r})
                await asyncio.sleep(0.001)
                await Events(writer).append(kind="test_second", occurred_at=clock.now, data={"w": n, "r": r})
            await checkpoint_if_due(writer, issuer_key, every=5, now=clock.now)  # racing the other writers

    try:
        await asyncio.gather(*(write(c, n) for n, c in enumerate(connections)))
    finally:
        for c in connections:
            await c.close()
    report = await verify_audit_log(conn, pinned, every=5)  # and checkpoints at every fifth entry, none missed
    assert report.intact, report.problems
    assert report.entries == writers * rounds * 2
    assert report.checkpoints == writers * rounds * 2 // 5
    # Each transaction's two events are adjacent: the chain order is the commit order.
    kinds = [r["kind"] for r in await conn.fetch("SELECT kind FROM events ORDER BY seq")]
    assert kinds == ["test_first", "test_second"] * (writers * rounds)


async def test_checkpoint_catches_a_rewritten_chain(
    client: Client,
    admin_headers: dict[str, str],
    clock: FakeClock,
    conn: asyncpg.Connection,
    issuer_key: IssuerKey,
    pinned: PinnedKeys,
) -> None:
    await _history(client, admin_headers, clock)
    checkpoint = await write_checkpoint(conn, issuer_key, now=clock.now)
    assert checkpoint is not None
    assert (await verify_audit_log(conn, pinned, every=EVERY)).intact
    # Rewrite the last entry and recompute its hash consistently: only the signed checkpoint can tell.
    await _tamper(conn, f"""UPDATE events SET data = '{{"forged": true}}' WHERE seq = {checkpoint.seq}""")
    await _rechain_from(conn, checkpoint.seq)
    report = await verify_audit_log(conn, pinned, every=EVERY)
    assert report.problems == [f"checkpoint at entry {checkpoint.seq}: the log was rewritten since it was signed"]


async def test_attacker_with_database_rights_and_own_key_is_caught(
    client: Client,
    admin_headers: dict[str, str],
    clock: FakeClock,
    conn: asyncpg.Connection,
    issuer_key: IssuerKey,
    settings: Settings,
    pinned: PinnedKeys,
) -> None:
    credential = await _history(client, admin_headers, clock)
    clock.advance(minutes=5)
    await transition(client, admin_headers, credential["id"], "revoke", "misconduct")
    await make_aida(client, admin_headers, displayName="Third")
    checkpoint = await write_checkpoint(conn, issuer_key, now=clock.now)
    assert checkpoint is not None
    revoked = await conn.fetchval("SELECT seq FROM events WHERE kind = 'credential_revoked'")
    # The attacker: delete the revocation, renumber and re-chain everything after it, so the chain is perfect ...
    await _tamper(
        conn,
        "DELETE FROM audit_checkpoints",
        f"DELETE FROM events WHERE seq = {revoked}",
        f"UPDATE events SET seq = seq - 1 WHERE seq > {revoked}",
    )
    await _rechain_from(conn, revoked)
    # ... then put their own key into signing_keys and sign a checkpoint of the forged head with it.
    attacker = IssuerKey.for_settings(generate_signer(), settings)
    await conn.execute(
        "INSERT INTO signing_keys (kid, public_key_multibase, created_at) VALUES ($1, $2, $3)",
        attacker.verification_method,
        attacker.signer.public_key_multibase,
        clock.now - timedelta(days=1),
    )
    head = await Events(conn).chain_head()
    message = checkpoint_message(CHECKPOINT_VERSION, head.seq, head.entry_hash, clock.now)
    await conn.execute(
        "INSERT INTO audit_checkpoints (seq, entry_hash, signed_at, key_id, signature, version) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        head.seq,
        head.entry_hash,
        clock.now,
        attacker.verification_method,
        attacker.signer.sign(message),
        CHECKPOINT_VERSION,
    )
    report = await verify_audit_log(conn, pinned, every=EVERY)
    assert report.problems == [
        f"checkpoint at entry {head.seq}: signed by {attacker.verification_method}, "
        "which is not a key pinned outside the database"
    ]


async def _checkpointed_log(
    conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock, every: int, n: int
) -> None:
    await register_signing_key(conn, issuer_key, now=clock.now)  # as the server does at start-up
    for i in range(n):
        async with conn.transaction():
            await Events(conn).append(kind="test", occurred_at=clock.advance(seconds=1), data={"i": i})
        await checkpoint_if_due(conn, issuer_key, every=every, now=clock.now)


async def test_checkpoints_follow_the_cadence(
    conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock, pinned: PinnedKeys
) -> None:
    await _checkpointed_log(conn, issuer_key, clock, every=5, n=23)
    assert [r["seq"] for r in await conn.fetch("SELECT seq FROM audit_checkpoints ORDER BY seq")] == [5, 10, 15, 20]
    assert (await verify_audit_log(conn, pinned, every=5)).intact


async def test_truncated_tail_is_reported(
    conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock, pinned: PinnedKeys
) -> None:
    await _checkpointed_log(conn, issuer_key, clock, every=5, n=23)
    # Cutting the log back to entry 12 leaves the checkpoints at 15 and 20 pointing at nothing ...
    await _tamper(
        conn,
        "DELETE FROM events WHERE seq > 12",
        "UPDATE event_chain_head SET seq = 12, entry_hash = (SELECT entry_hash FROM events WHERE seq = 12)",
    )
    problems = (await verify_audit_log(conn, pinned, every=5)).problems
    assert "checkpoint at entry 15: that entry is missing (removed)" in problems
    assert "checkpoint at entry 20: that entry is missing (removed)" in problems
    # ... and deleting those checkpoints too leaves more entries after the newest one than the cadence allows.
    await _tamper(conn, "DELETE FROM audit_checkpoints WHERE seq > 5")
    problems = (await verify_audit_log(conn, pinned, every=5)).problems
    assert problems == [
        "entries 6 to 12: 7 entries after the newest valid checkpoint, more than AUDIT_CHECKPOINT_EVERY (5); "
        "checkpoints are missing (was the end of the log truncated and re-signed?)"
    ]


async def test_removed_tail_without_moving_the_head_is_reported(
    conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock, pinned: PinnedKeys
) -> None:
    await _checkpointed_log(conn, issuer_key, clock, every=5, n=8)
    await _tamper(conn, "DELETE FROM events WHERE seq > 6")
    problems = (await verify_audit_log(conn, pinned, every=5)).problems
    assert problems == ["the log ends at entry 6, but its head records entry 8: entries were removed from the end"]


async def test_checkpoint_after_its_key_was_retired_is_reported(
    conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    await _checkpointed_log(conn, issuer_key, clock, every=5, n=10)
    retired = clock.now - timedelta(seconds=3)  # between the checkpoints at 5 and 10
    pinned = PinnedKeys(
        [
            PinnedKey(
                kid=issuer_key.verification_method,
                public_key_multibase=issuer_key.signer.public_key_multibase,
                retired=retired,
            )
        ]
    )
    problems = (await verify_audit_log(conn, pinned, every=5)).problems
    assert problems[0].startswith("checkpoint at entry 10: signed ")
    assert problems[0].endswith(f"after its key {issuer_key.verification_method} was retired")


async def test_checkpoints_are_append_only(conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock) -> None:
    await _checkpointed_log(conn, issuer_key, clock, every=2, n=4)
    for sql in (
        "UPDATE audit_checkpoints SET signed_at = now()",
        "DELETE FROM audit_checkpoints",
        "TRUNCATE audit_checkpoints",
        "TRUNCATE events CASCADE",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(sql)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="only moves forward"):
        await conn.execute("UPDATE event_chain_head SET seq = 2")
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="must extend the chain head"):
        await conn.execute(
            "INSERT INTO events (seq, occurred_at, kind, prev_hash, entry_hash, chain_version) "
            "VALUES (99, now(), 'forged', $1, $1, 2)",
            bytes(32),
        )


async def test_checkpoints_are_written_at_intervals(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, pinned: PinnedKeys
) -> None:
    for n in range(55):  # each AIDA makes at least 2 events (exam recorded, issued)
        await make_aida(client, admin_headers, displayName=f"P{n}")
    seqs = [r["seq"] for r in await conn.fetch("SELECT seq FROM audit_checkpoints ORDER BY seq")]
    assert seqs
    assert all(seq % EVERY == 0 for seq in seqs)
    report = await verify_audit_log(conn, pinned, every=EVERY)
    assert report.intact, report.problems
    assert report.checkpoints == len(seqs)


def _key_file(tmp_path: Path, signer: Signer, kid: str) -> Path:
    key_path = tmp_path / "issuer.pem"
    key_path.write_bytes(private_key_pem(signer, None))
    record_key_sync(key_path, kid=kid, public_key_multibase=signer.public_key_multibase, created=KEY_CREATED)
    return key_path


def _cli(database_url: str, key_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verify_api", "audit", *args],
        env={**os.environ, "DATABASE_URL": database_url, "SIGNING_KEY_PATH": str(key_path)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("tampered", [False, True], ids=["intact", "tampered"])
async def test_audit_verify_command_exit_code(
    client: Client,
    admin_headers: dict[str, str],
    clock: FakeClock,
    conn: asyncpg.Connection,
    database_url: str,
    issuer_key: IssuerKey,
    tmp_path: Path,
    tampered: bool,
) -> None:
    await _history(client, admin_headers, clock)
    key_path = _key_file(tmp_path, issuer_key.signer, issuer_key.verification_method)
    if tampered:
        await _tamper(conn, "UPDATE events SET kind = 'nothing_happened' WHERE seq IN (2, 4)")
    result = await asyncio.to_thread(_cli, database_url, key_path, "verify")
    assert result.returncode == (1 if tampered else 0), result.stdout + result.stderr
    assert ("TAMPERED: entry 2: changed" in result.stdout) is tampered
    assert ("TAMPERED: entry 4: changed" in result.stdout) is tampered


async def test_audit_verify_command_pins_the_history_not_the_database(
    conn: asyncpg.Connection, clock: FakeClock, database_url: str, settings: Settings, tmp_path: Path
) -> None:
    # An old key, retired by rotation, signed the first checkpoint; its private key is gone, its public key is
    # in the history beside the active key file. A key only in signing_keys is never trusted.
    old = IssuerKey.for_settings(generate_signer(), settings)
    new = IssuerKey.for_settings(generate_signer(), settings)
    key_path = _key_file(tmp_path, old.signer, old.verification_method)
    await _checkpointed_log(conn, old, clock, every=3, n=4)
    rotated_at = clock.advance(seconds=1)
    key_path.write_bytes(private_key_pem(new.signer, None))
    record_key_sync(
        key_path, kid=new.verification_method, public_key_multibase=new.signer.public_key_multibase, created=rotated_at
    )
    await _checkpointed_log(conn, new, clock, every=3, n=4)
    result = await asyncio.to_thread(_cli, database_url, key_path, "verify", "--every", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "against 2 pinned keys" in result.stdout
    history_path(key_path).unlink()  # without the history, the old key is no longer pinned
    result = await asyncio.to_thread(_cli, database_url, key_path, "verify", "--every", "3")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"TAMPERED: checkpoint at entry 3: signed by {old.verification_method}, which is not a key pinned" in (
        result.stdout
    )


def _documented_checkpoint_bytes(checkpoint: dict[str, Any]) -> bytes:
    # README "Tamper-evident history", written out here independently of services/audit.py.
    signed_at = datetime.fromisoformat(checkpoint["signedAt"])
    micros = (signed_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return (
        b"pai-verify/audit-checkpoint/v2\x00"
        + int(checkpoint["seq"]).to_bytes(8, "big")
        + bytes.fromhex(checkpoint["entryHash"])
        + micros.to_bytes(8, "big", signed=True)
    )


async def _all_published(client: Client, limit: int) -> list[dict[str, Any]]:
    pages, url = [], f"/v1/audit/checkpoints?limit={limit}"
    while url:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = pages[-1]["next"] and pages[-1]["next"].removeprefix(str(client.base_url))
    return pages


async def test_published_checkpoints_verify_with_the_published_keys(
    client: Client, conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    await _checkpointed_log(conn, issuer_key, clock, every=2, n=7)
    pages = await _all_published(client, limit=2)
    assert [[c["seq"] for c in page["checkpoints"]] for page in pages] == [[2, 4], [6]]
    assert pages[-1]["next"] is None
    did = (await client.get("/.well-known/did.json")).json()
    methods = {m["id"]: m["publicKeyMultibase"] for m in did["verificationMethod"]}
    for checkpoint in (c for page in pages for c in page["checkpoints"]):
        assert checkpoint["version"] == 2
        assert bytes.fromhex(checkpoint["entryHash"]) == await Events(conn).entry_hash_at(checkpoint["seq"])
        public = Ed25519PublicKey.from_public_bytes(decode_multikey(methods[checkpoint["kid"]]))
        public.verify(bytes.fromhex(checkpoint["signature"]), _documented_checkpoint_bytes(checkpoint))


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "after=-1", "after=abc", "after=99999999999999999999"])
async def test_checkpoint_page_refuses_bad_queries_with_a_problem(client: Client, query: str) -> None:
    response = await client.get(f"/v1/audit/checkpoints?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_saved_copy_catches_a_truncation_the_log_itself_cannot_show(
    client: Client,
    conn: asyncpg.Connection,
    issuer_key: IssuerKey,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
    pinned: PinnedKeys,
) -> None:
    await _checkpointed_log(conn, issuer_key, clock, every=2, n=7)
    saved = tmp_path / "checkpoints.json"
    saved.write_text(json.dumps(await _all_published(client, limit=2)))
    key_path = _key_file(tmp_path, issuer_key.signer, issuer_key.verification_method)
    result = await asyncio.to_thread(_cli, database_url, key_path, "compare", str(saved))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "compared 3 saved checkpoints" in result.stdout
    # Cut the log back to entry 4, with its checkpoints and head: a consistent, shorter log.
    await _tamper(
        conn,
        "DELETE FROM audit_checkpoints WHERE seq > 4",
        "DELETE FROM events WHERE seq > 4",
        "UPDATE event_chain_head SET seq = 4, entry_hash = (SELECT entry_hash FROM events WHERE seq = 4)",
    )
    assert (await verify_audit_log(conn, pinned, every=2)).intact
    result = await asyncio.to_thread(_cli, database_url, key_path, "compare", str(saved))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "entry 6 is missing from the live log (removed or truncated)" in result.stdout
    assert "the live log no longer holds this checkpoint (deleted or replaced)" in result.stdout


async def test_entries_and_checkpoints_from_before_migration_0003_keep_verifying(
    database_server_url: str, tmp_path: Path, clock: FakeClock, settings: Settings
) -> None:
    name = f"verify_legacy_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    old = tmp_path / "migrations"
    old.mkdir()
    for migration in sorted(MIGRATIONS_DIR.glob("000[12]_*.sql")):
        (old / migration.name).write_text(migration.read_text())
    key = IssuerKey.for_settings(generate_signer(), settings)
    conn = await connect(with_database(database_server_url, name))
    try:
        await apply_migrations(conn, old)
        # Written by migration 0002's trigger, which hashed in SQL (jsonb's own text of data).
        for data in ({"b": [1, 2.5, "é\n"], "a": {"x": None}, "long_key": True}, {}, {"note": "x\u001fy"}):
            await conn.execute(
                "INSERT INTO events (occurred_at, kind, actor, data) VALUES ($1, 'legacy', $2, $3)",
                clock.advance(seconds=1),
                uuid.uuid4(),
                data,
            )
        newest = await conn.fetchrow("SELECT seq, entry_hash FROM events ORDER BY seq DESC LIMIT 1")
        assert newest is not None
        seq, hashed = newest["seq"], bytes(newest["entry_hash"])
        await register_signing_key(conn, key, now=clock.now)
        signature = key.signer.sign(b"pai-verify/audit-checkpoint/v1\x00" + seq.to_bytes(8, "big") + hashed)
        await conn.execute(
            "INSERT INTO audit_checkpoints (seq, entry_hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)",
            seq,
            hashed,
            clock.now,
            key.verification_method,
            signature,
        )
        await apply_migrations(conn)
        pinned = PinnedKeys(
            [PinnedKey(kid=key.verification_method, public_key_multibase=key.signer.public_key_multibase)]
        )
        report = await verify_audit_log(conn, pinned, every=2)  # the old entries are exempt from the new cadence
        assert report.intact, report.problems
        await _checkpointed_log(conn, key, clock, every=2, n=3)
        report = await verify_audit_log(conn, pinned, every=2)
        assert report.intact, report.problems
        assert (report.entries, report.checkpoints) == (6, 3)  # the old one at 3, new ones at 4 and 6
        await _tamper(conn, "UPDATE events SET data = '{\"b\": 1}' WHERE seq = 1")
        assert (await verify_audit_log(conn, pinned, every=2)).problems == [
            "entry 1: changed; its content no longer matches its recorded hash"
        ]
    finally:
        await conn.close()
        admin = await asyncpg.connect(database_server_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_checkpoint_still_being_written_is_not_reported(
    conn: asyncpg.Connection, database_url: str, issuer_key: IssuerKey, clock: FakeClock, pinned: PinnedKeys
) -> None:
    # The write that reaches entry 5 has committed; its checkpoint follows a moment later, from another connection.
    await register_signing_key(conn, issuer_key, now=clock.now)
    for _ in range(6):
        await Events(conn).append(kind="test", occurred_at=clock.now)
    assert (await verify_audit_log(conn, pinned, every=4)).tail_uncovered
    writer = await connect(database_url)

    async def checkpoint_soon() -> None:
        await asyncio.sleep(0.2)
        await checkpoint_if_due(writer, issuer_key, every=4, now=clock.now)

    try:
        report, _ = await asyncio.gather(verify_audit_log(conn, pinned, every=4, settle=1.0), checkpoint_soon())
    finally:
        await writer.close()
    assert report.intact, report.problems


async def test_a_log_crossed_by_the_old_numbering_bug_verifies_by_its_links(
    database_server_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    name = f"verify_crossed_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    old = tmp_path / "migrations"
    old.mkdir()
    for migration in sorted(MIGRATIONS_DIR.glob("000[12]_*.sql")):
        (old / migration.name).write_text(migration.read_text())
    url = with_database(database_server_url, name)
    conn = await connect(url)
    try:
        await apply_migrations(conn, old)
        writers = [await connect(url) for _ in range(6)]

        async def write(writer: asyncpg.Connection) -> None:
            for _ in range(6):
                async with writer.transaction():
                    for _ in range(2):
                        await writer.execute("INSERT INTO events (occurred_at, kind) VALUES ($1, 'old')", clock.now)
                        await asyncio.sleep(0.001)

        await asyncio.gather(*(write(w) for w in writers))
        for w in writers:
            await w.close()
        rows = await conn.fetch("SELECT prev_hash, entry_hash FROM events ORDER BY seq")
        crossed = sum(b["prev_hash"] != a["entry_hash"] for a, b in itertools.pairwise(rows))
        assert crossed > 0, "the old numbering bug did not show; the test needs more contention"
        await apply_migrations(conn)
        pinned = PinnedKeys([])
        report = await verify_audit_log(conn, pinned, every=10_000)
        assert report.intact, report.problems  # untampered, however its numbers crossed
        for _ in range(3):
            await Events(conn).append(kind="new", occurred_at=clock.now)
        report = await verify_audit_log(conn, pinned, every=10_000)
        assert report.intact, report.problems
        assert report.entries == 6 * 6 * 2 + 3
        followed = await conn.fetchval(
            "SELECT seq FROM events e WHERE chain_version = 1 AND EXISTS "
            "(SELECT 1 FROM events f WHERE f.prev_hash = e.entry_hash) ORDER BY seq OFFSET 10 LIMIT 1"
        )
        followers = await conn.fetch(
            "SELECT f.seq FROM events e JOIN events f ON f.prev_hash = e.entry_hash WHERE e.seq = $1 ORDER BY f.seq",
            followed,
        )
        await _tamper(conn, f"DELETE FROM events WHERE seq = {followed}")
        problems = (await verify_audit_log(conn, pinned, every=10_000)).problems
        assert problems == [f"entry {f['seq']}: the entry it was chained to is missing (removed)" for f in followers]
    finally:
        await conn.close()
        admin = await asyncpg.connect(database_server_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
