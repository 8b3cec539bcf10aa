"""What every command shares: settings, the database (with the embedded cluster), one connection, the dev key."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from verify_api.db.migrate import apply_migrations
from verify_api.db.pool import connect
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from verify_api.db.pool import Connection
    from verify_api.services.context import IssuerKey, ServiceContext

log = logging.getLogger("verify_api")
T = TypeVar("T")
DEV_KEY_NAME = "dev-signing-key.pem"


def command_settings(**overrides: object) -> Settings:
    return load_settings(os.environ, **overrides)


def dev_key_path(settings: Settings) -> Path:
    """The dev-only signing key under KEYS_DIR (relative to the working directory unless absolute)."""
    return Path(settings.keys_dir) / DEV_KEY_NAME


def running_url_file(settings: Settings) -> Path:
    """Written while `serve` runs the embedded cluster, so other commands can reach the same database."""
    return Path(settings.data_dir) / "database_url"


def active_key_path(settings: Settings) -> Path:
    """Where the active signing key lives: SIGNING_KEY_PATH, or the dev key."""
    return Path(settings.signing_key_path) if settings.signing_key_path else dev_key_path(settings)


async def _reachable(url: str) -> bool:
    try:
        conn = await connect(url)
    except Exception:  # noqa: BLE001 - any failure means "not this one"
        return False
    await conn.close()
    return True


async def resolve_database_url(settings: Settings, stack: contextlib.ExitStack) -> str:
    """DATABASE_URL when set; else the embedded cluster `serve` is running; else start it (closed with `stack`)."""
    if settings.database_url:
        return settings.database_url
    url_file = running_url_file(settings)
    if url_file.is_file():
        url = url_file.read_text().strip()
        if url and await _reachable(url):
            return url
    from verify_api.cli.embedded_postgres import start_cluster

    data_dir = Path(settings.data_dir)
    log.info("DATABASE_URL is unset: using the embedded PostgreSQL under %s", data_dir)
    return stack.enter_context(start_cluster(data_dir / "pg")).url


def run_with_connection(settings: Settings, work: Callable[[Connection], Awaitable[T]], *, migrate: bool = False) -> T:
    """Run `work` on one connection in one event loop, after applying pending migrations when `migrate`."""

    async def session() -> T:
        with contextlib.ExitStack() as stack:
            conn = await connect(await resolve_database_url(settings, stack))
            try:
                if migrate:
                    await apply_migrations(conn)
                return await work(conn)
            finally:
                await conn.close()

    return asyncio.run(session())


def generate_key_file(path: Path, passphrase: str | None, settings: Settings) -> str:
    from verify_api.proofs.keys import generate_signer
    from verify_api.services.context import IssuerKey
    from verify_api.services.key_files import write_key_file
    from verify_api.services.key_history import record_key_sync

    signer = generate_signer()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_key_file(path, signer, passphrase.encode() if passphrase else None)  # 0600 from the start, never over
    # The public key is pinned beside it, outside the database (audit checkpoints verify against it).
    kid = IssuerKey.for_settings(signer, settings).verification_method
    record_key_sync(path, kid=kid, public_key_multibase=signer.public_key_multibase, created=datetime.now(UTC))
    ensure_p256_key_file(path)
    return signer.public_key_multibase


def ensure_p256_key_file(path: Path) -> None:
    """The P-256 key (ES256 JWTs) beside the Ed25519 key file at `path`, created when missing."""
    from verify_api.services.p256_keys import ensure_p256_key_file_sync

    ensure_p256_key_file_sync(command_settings(signing_key_path=str(path)))


def ensure_dev_key(settings: Settings) -> Settings:
    if settings.signing_key_path:
        return settings
    path = dev_key_path(settings)
    if not path.exists():
        public = generate_key_file(path, None, settings)
        log.warning("generated a DEV-ONLY signing key %s (public %s); set SIGNING_KEY_PATH in production", path, public)
    else:
        log.warning("using the DEV-ONLY signing key %s; set SIGNING_KEY_PATH in production", path)
        ensure_p256_key_file(path)  # dev keys made before ES256 issuance existed get their P-256 key
    return command_settings(signing_key_path=str(path))


def issuer_key() -> IssuerKey:
    """The active signing key (the dev key when SIGNING_KEY_PATH is unset), as the issuer signs with it."""
    return service_context().issuer_key


def service_context() -> ServiceContext:
    """The one service context a command passes to the use cases, as the app's lifespan builds it for a server:
    the settings, the active signing key (the dev key when SIGNING_KEY_PATH is unset) and the wall clock."""
    from verify_api.app import load_signing_key
    from verify_api.services.context import IssuerKey, ServiceContext

    settings = ensure_dev_key(command_settings())
    return ServiceContext.for_key(settings, IssuerKey.for_settings(load_signing_key(settings), settings))
