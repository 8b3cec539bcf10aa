"""Applies the package's db/migrations/*.sql in order, once each, under an advisory lock (no racing starters)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from verify_api.db.pool import Connection

# Package data, so an installed wheel migrates exactly as a checkout does. A version is the file name's stem and
# its checksum the SHA-256 of the text, so moving the folder keeps existing schema_migrations rows valid.
MIGRATIONS = resources.files(__package__ or "verify_api.db") / "migrations"
_MIGRATION_NAME = re.compile(r"^[0-9]{4}_.+\.sql$")
# Any constant works; it only has to be the same for every process that migrates this database.
_ADVISORY_LOCK_KEY = 0x50414956  # "PAIV"


class MigrationError(RuntimeError):
    """A migration already applied has been edited, or a migration failed."""


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover_migrations(directory: Traversable = MIGRATIONS) -> list[Migration]:
    files = sorted((f for f in directory.iterdir() if _MIGRATION_NAME.match(f.name)), key=lambda f: f.name)
    return [Migration(version=f.name.removesuffix(".sql"), sql=f.read_text(encoding="utf-8")) for f in files]


async def apply_migrations(conn: Connection, directory: Traversable = MIGRATIONS) -> list[str]:
    """Apply every pending migration, each in its own transaction; return the versions applied."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {
            r["version"]: r["checksum"] for r in await conn.fetch("SELECT version, checksum FROM schema_migrations")
        }
        for migration in discover_migrations(directory):
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version} was edited after it was applied; add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                    migration.version,
                    migration.checksum,
                )
            applied_now.append(migration.version)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
    return applied_now
