from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import asyncpg
import pytest

from tests.conftest import with_database
from verify_api.db.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, discover_migrations
from verify_api.db.repository import Repository

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
async def empty_database(database_server_url: str) -> str:
    admin = await asyncpg.connect(database_server_url)
    try:
        await admin.execute('DROP DATABASE IF EXISTS "verify_empty" WITH (FORCE)')
        await admin.execute('CREATE DATABASE "verify_empty"')
    finally:
        await admin.close()
    return with_database(database_server_url, "verify_empty")


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
    await Repository(conn).insert_event(kind="test", occurred_at=datetime.now(UTC))  # the chain's one writer
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await conn.execute("UPDATE events SET kind = 'changed'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await conn.execute("DELETE FROM events")
