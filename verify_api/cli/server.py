"""`verify-api serve | migrate | openapi`."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from verify_api.cli.runtime import (
    command_settings,
    ensure_dev_key,
    resolve_database_url,
    run_with_connection,
    running_url_file,
)
from verify_api.db.migrate import apply_migrations
from verify_api.db.pool import connect
from verify_api.observability.logs import configure_logging, logging_config

if TYPE_CHECKING:
    import argparse

    from verify_api.settings import Settings

log = logging.getLogger("verify_api")


def cmd_migrate(args: argparse.Namespace) -> int:
    applied = run_with_connection(command_settings(), apply_migrations)
    print(f"applied: {', '.join(applied)}" if applied else "the database is up to date")
    return 0


async def _prepare_database(settings: Settings, stack: contextlib.ExitStack) -> str:
    url = await resolve_database_url(settings, stack)
    conn = await connect(url)
    try:
        applied = await apply_migrations(conn)
    finally:
        await conn.close()
    log.info("migrations: %s", ", ".join(applied) if applied else "up to date")
    return url


def public_port_mismatch(settings: Settings) -> str | None:
    """A warning when PUBLIC_BASE_URL names this machine (a loopback host) on another port than `serve` listens on:
    every id, QR code, did:web and LinkedIn link would then point where nothing answers. A public host is left
    alone (a TLS proxy in front serves on its own port)."""
    parts = urlsplit(settings.public_base_url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if not loopback or port == settings.port:
        return None
    return (
        f"PUBLIC_BASE_URL {settings.public_base_url} names port {port} of this machine but serve listens on "
        f"{settings.port}: every credential id, QR code, did:web and link minted now points to port {port}. "
        f"Unset PUBLIC_BASE_URL (it then follows HOST and PORT) or set it to http://{host}:{settings.port}"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from verify_api.app import load_signing_key

    settings = ensure_dev_key(command_settings())
    configure_logging(settings)
    if (mismatch := public_port_mismatch(settings)) is not None:
        log.warning("!!! %s !!!", mismatch)
    load_signing_key(settings)  # fail fast (wrong passphrase, not Ed25519) before anything starts
    with contextlib.ExitStack() as stack:
        _prepare_metrics_directory(stack)
        url = asyncio.run(_prepare_database(settings, stack))
        # Granian's workers build the app from the environment (app_from_environment).
        os.environ.update({"DATABASE_URL": url, "SIGNING_KEY_PATH": settings.signing_key_path or ""})
        embedded = not settings.database_url
        if embedded:  # the URL carries the cluster's password: readable by us alone
            _write_private(running_url_file(settings), url)
        try:
            log.info(
                "serving on http://%s:%d (docs at /docs, OpenAPI at /openapi.json)",
                settings.host,
                settings.port,
            )
            _serve_granian(settings)
        finally:
            if embedded:
                running_url_file(settings).unlink(missing_ok=True)
    return 0


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _prepare_metrics_directory(stack: contextlib.ExitStack) -> None:
    """Give the workers one directory for their metric values, emptied first (a previous run's files would be
    summed in): PROMETHEUS_MULTIPROC_DIR when the operator sets it, else a temporary one removed on exit."""
    given = os.environ.get(METRICS_DIR_ENV)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix="verify-api-metrics-"))
        stack.callback(shutil.rmtree, directory, ignore_errors=True)
    os.environ[METRICS_DIR_ENV] = str(directory)


def _write_private(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)  # a file left by an older version may be world-readable; O_CREAT keeps its mode
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _serve_granian(settings: Settings) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "verify_api.app:app_from_environment",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=settings.workers,
        log_enabled=True,
        log_dictconfig=logging_config(settings),  # granian's own lines in the app's format
        log_access=False,  # the app writes one access line per request (observability.middleware)
    ).serve()


def cmd_openapi(args: argparse.Namespace) -> int:
    from verify_api.cli.openapi_document import openapi_json

    text = openapi_json()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def add_server_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "serve", help="migrate, then serve the API (embedded PostgreSQL when DATABASE_URL is unset)"
    ).set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_migrate)


def add_openapi_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    openapi = sub.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", default="-")
    openapi.set_defaults(func=cmd_openapi)
