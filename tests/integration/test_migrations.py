from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import with_database
from verify_api.db.events import Events
from verify_api.db.migrate import MIGRATIONS, MigrationError, apply_migrations, discover_migrations

# The package's migrations folder: a real directory in a checkout, read as files here.
MIGRATIONS_DIR = Path(str(MIGRATIONS))


@pytest.fixture
async def empty_database(database_server_url: str) -> str:
    name = f"verify_empty_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # workers may share TEST_DATABASE_URL
    admin = await asyncpg.connect(database_server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return with_database(database_server_url, name)


async def test_migrations_apply_cleanly_to_an_empty_database_once(empty_database: str) -> None:
    conn = await asyncpg.connect(empty_database)
    try:
        applied = await apply_migrations(conn)
        assert applied == [m.version for m in discover_migrations()]
        assert await apply_migrations(conn) == []
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        assert {"credentials", "holders", "organizations", "events", "signing_keys", "api_clients"} <= tables
    finally:
        await conn.close()


async def test_edited_migration_is_refused(empty_database: str, tmp_path: Path) -> None:
    for migration in MIGRATIONS_DIR.glob("*.sql"):
        (tmp_path / migration.name).write_text(migration.read_text())
    conn = await asyncpg.connect(empty_database)
    try:
        await apply_migrations(conn, tmp_path)
        first = sorted(tmp_path.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- edited\n")
        with pytest.raises(MigrationError, match="was edited after it was applied"):
            await apply_migrations(conn, tmp_path)
    finally:
        await conn.close()


async def test_events_are_append_only(conn: asyncpg.Connection) -> None:
    await Events(conn).append(kind="test", occurred_at=datetime.now(UTC))  # the chain's one writer
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await conn.execute("UPDATE events SET kind = 'changed'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await conn.execute("DELETE FROM events")


async def test_unabused_issuance_migration_backfills_existing_register(empty_database: str, tmp_path: Path) -> None:
    """0002_unabused_issuance on a database that already issued: list allocation counts and the assessments each
    credential was issued on are filled in from what is there."""
    for name in ("0001_foundation.sql", "0002_status_lifecycle.sql"):
        (tmp_path / name).write_text((MIGRATIONS_DIR / name).read_text())
    conn = await asyncpg.connect(empty_database)
    try:
        await apply_migrations(conn, tmp_path)
        await conn.execute(
            """
            INSERT INTO holders (id, display_name, created_at)
                VALUES ('00000000-0000-4000-8000-000000000001', 'Ada', now());
            INSERT INTO assessments (id, kind, holder_id, outcome, assessed_at, details, recorded_at)
                VALUES ('00000000-0000-4000-8000-0000000000a1', 'exam', '00000000-0000-4000-8000-000000000001',
                        'passed', now(), '{}', now());
            INSERT INTO signing_keys (kid, public_key_multibase, created_at) VALUES ('did:web:x#z6Mk', 'z6Mk', now());
            INSERT INTO status_lists (id, purpose, size, created_at, updated_at) VALUES
                ('revlist01', 'revocation', 131072, now(), now()), ('suslist01', 'suspension', 131072, now(), now());
            INSERT INTO credentials (id, tier, holder_id, subject_name, verification_code, valid_from, valid_until,
                document, cryptosuite, signing_key_id, revocation_list, revocation_index, suspension_list,
                suspension_index, issued_at)
            VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaa', 'AIDA', '00000000-0000-4000-8000-000000000001', 'Ada', 'PAI-1',
                now(), now() + interval '1 year', '\\x7b7d', 'eddsa-rdfc-2022', 'did:web:x#z6Mk', 'revlist01', 7,
                'suslist01', 9, now());
            INSERT INTO events (occurred_at, kind, credential_id, data) VALUES (now(), 'credential_issued',
                'aaaaaaaaaaaaaaaaaaaaaaaaaa',
                '{"tier": "AIDA", "assessments": ["00000000-0000-4000-8000-0000000000a1"]}');
            """
        )
        assert "0002_unabused_issuance" in await apply_migrations(conn)
        allocated = await conn.fetch("SELECT id, allocated FROM status_lists ORDER BY id")
        assert [tuple(r) for r in allocated] == [("revlist01", 1), ("suslist01", 1)]
        links = await conn.fetch("SELECT credential_id, assessment_id::text AS a FROM credential_assessments")
        assert [tuple(r) for r in links] == [("aaaaaaaaaaaaaaaaaaaaaaaaaa", "00000000-0000-4000-8000-0000000000a1")]
        assert await conn.fetchval("SELECT kind FROM credentials") == "certification"
    finally:
        await conn.close()
