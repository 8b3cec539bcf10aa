"""verify-api: serve | migrate | keys generate|list|rotate|compromise | api-keys create | openapi."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from verify_api.db.migrate import apply_migrations
from verify_api.db.pool import connect
from verify_api.errors import SigningKeyError, VerifyApiError
from verify_api.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger("verify_api")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / ".data"
DEV_KEY_PATH = PROJECT_ROOT / "keys" / "dev-signing-key.pem"
# Written while `serve` runs the embedded cluster, so other CLI commands can reach the same database.
RUNNING_URL_FILE = DATA_DIR / "database_url"


def _settings(**overrides: object) -> Settings:
    return load_settings(os.environ, **overrides)


@contextlib.contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """DATABASE_URL when set; else the embedded cluster `serve` is running; else start it for this command."""
    if settings.database_url:
        yield settings.database_url
        return
    if RUNNING_URL_FILE.is_file():
        url = RUNNING_URL_FILE.read_text().strip()
        if url and asyncio.run(_reachable(url)):
            yield url
            return
    from verify_api.embedded_postgres import start_cluster

    log.info("DATABASE_URL is unset: using the embedded PostgreSQL under %s", DATA_DIR)
    with start_cluster(DATA_DIR / "pg") as cluster:
        yield cluster.url


async def _reachable(url: str) -> bool:
    try:
        conn = await connect(url)
    except Exception:  # noqa: BLE001 - any failure means "not this one"
        return False
    await conn.close()
    return True


async def _migrate(url: str) -> list[str]:
    conn = await connect(url)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


def cmd_migrate(args: argparse.Namespace) -> int:
    with database_url(_settings()) as url:
        applied = asyncio.run(_migrate(url))
    print(f"applied: {', '.join(applied)}" if applied else "the database is up to date")
    return 0


def generate_key_file(path: Path, passphrase: str | None) -> str:
    from datetime import UTC, datetime

    from verify_api.proofs.keys import generate_signer
    from verify_api.services.context import IssuerKey
    from verify_api.services.key_files import write_key_file
    from verify_api.services.key_history import record_key_sync

    signer = generate_signer()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_key_file(path, signer, passphrase.encode() if passphrase else None)
    # The public key is pinned beside it, outside the database (audit checkpoints verify against it).
    kid = IssuerKey.for_settings(signer, _settings()).verification_method
    record_key_sync(path, kid=kid, public_key_multibase=signer.public_key_multibase, created=datetime.now(UTC))
    return signer.public_key_multibase


def cmd_keys_generate(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"{path} exists; pass --force to replace it", file=sys.stderr)
        return 1
    if path.exists():
        path.unlink()
    public = generate_key_file(path, os.environ.get("SIGNING_KEY_PASSPHRASE"))
    print(f"wrote a new Ed25519 signing key to {path}\npublic key (Multikey): {public}")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from verify_api.db.repository import Repository

    async def run(url: str) -> list[dict[str, str | None]]:
        conn = await connect(url)
        try:
            keys = await Repository(conn).list_signing_keys()
        finally:
            await conn.close()
        return [
            {
                "kid": k.kid,
                "created": k.created_at.isoformat(),
                "retired": k.retired_at.isoformat() if k.retired_at else None,
                "compromisedSince": k.compromised_since.isoformat() if k.compromised_since else None,
            }
            for k in keys
        ]

    with database_url(_settings()) as url:
        print(json.dumps(asyncio.run(run(url)), indent=2))
    return 0


def active_key_path(settings: Settings) -> Path:
    """Where the active signing key lives: SIGNING_KEY_PATH, or the dev key."""
    return Path(settings.signing_key_path) if settings.signing_key_path else DEV_KEY_PATH


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from verify_api.services.key_rotation import rotate_signing_key

    settings = _settings()
    path = active_key_path(settings)

    async def run(url: str) -> str:
        conn = await connect(url)
        try:
            rotation = await rotate_signing_key(conn, settings, path, now=datetime.now(UTC))
        finally:
            await conn.close()
        return (
            f"rotated the signing key in {rotation.key_path}\n  retired: {rotation.old_kid}\n"
            f"  active:  {rotation.new_kid}\n  the retired private key was deleted; its public key stays published\n"
            "a running server switches to the new key before it next signs; earlier credentials keep verifying"
        )

    with database_url(settings) as url:
        asyncio.run(_migrate(url))
        print(asyncio.run(run(url)))
    return 0


def cmd_keys_compromise(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from verify_api.db.repository import Repository
    from verify_api.services.key_rotation import declare_key_compromised, rotate_signing_key

    since = datetime.fromisoformat(args.since)
    if since.tzinfo is None:
        print("--since needs a time zone, e.g. 2026-11-27T09:00:00Z", file=sys.stderr)
        return 2
    settings = _settings()

    async def run(url: str) -> list[str]:
        conn = await connect(url)
        lines: list[str] = []
        try:
            now = datetime.now(UTC)
            record = await Repository(conn).get_signing_key(args.kid)
            if record is not None and record.retired_at is None:
                rotation = await rotate_signing_key(conn, settings, active_key_path(settings), now=now)
                if rotation.old_kid != args.kid:
                    lines.append(f"warning: {args.kid} was active but is not the key in the key file")
                lines.append(f"{args.kid} was the active key: rotated to {rotation.new_kid}")
            outcome = await declare_key_compromised(conn, args.kid, since=since, now=now)
        finally:
            await conn.close()
        assert outcome.key.compromised_since is not None
        lines.append(f"{args.kid} is compromised since {outcome.key.compromised_since.isoformat()}")
        lines.append(
            f"{len(outcome.invalidated)} credential(s) signed at or after that time are revoked (key_compromise); "
            "`verify-api keys reissue` re-issues them under the active key:"
        )
        lines.extend(f"  {c.id} {c.tier} {c.subject_name} ({c.issued_at.isoformat()})" for c in outcome.invalidated)
        lines.append(f"{len(outcome.to_reissue)} credential(s) signed before it stay valid; re-issue them:")
        lines.extend(f"  {c.id} {c.tier} {c.subject_name} ({c.issued_at.isoformat()})" for c in outcome.to_reissue)
        return lines

    with database_url(settings) as url:
        asyncio.run(_migrate(url))
        print("\n".join(asyncio.run(run(url))))
    return 0


def cmd_keys_reissue(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from verify_api.lifecycle_commands import _issuer_key
    from verify_api.services.reissue import reissue_compromised

    settings = _settings()
    key = _issuer_key()

    async def run(url: str) -> tuple[list[str], int]:
        conn = await connect(url)
        try:
            outcomes = await reissue_compromised(conn, key, settings=settings, now=datetime.now(UTC))
        finally:
            await conn.close()
        lines = [f"re-issuing under {key.verification_method}:"]
        for o in outcomes:
            lines.append(
                f"  {o.old_id} {o.tier} -> {o.new_id}"
                if o.new_id
                else f"  {o.old_id} {o.tier} NOT re-issued: {o.problem}"
            )
        done = sum(1 for o in outcomes if o.new_id)
        lines.append(f"{done} credential(s) re-issued, {len(outcomes) - done} not")
        return lines, 0 if done == len(outcomes) else 1

    with database_url(settings) as url:
        asyncio.run(_migrate(url))
        lines, code = asyncio.run(run(url))
    print("\n".join(lines))
    return code


def cmd_api_keys_create(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from verify_api.services.api_clients import create_api_client

    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]

    async def run(url: str) -> tuple[str, str]:
        conn = await connect(url)
        try:
            client_id, secret = await create_api_client(conn, args.name, scopes, now=datetime.now(UTC))
        finally:
            await conn.close()
        return str(client_id), secret

    with database_url(_settings()) as url:
        asyncio.run(_migrate(url))
        client_id, secret = asyncio.run(run(url))
    print(f"created API key {args.name!r} (client {client_id}) with scopes {','.join(scopes)}")
    print("the secret is shown once and stored only as a hash:")
    print(secret)
    return 0


def ensure_dev_key(settings: Settings) -> Settings:
    if settings.signing_key_path:
        return settings
    if not DEV_KEY_PATH.exists():
        public = generate_key_file(DEV_KEY_PATH, None)
        log.warning(
            "generated a DEV-ONLY signing key %s (public %s); set SIGNING_KEY_PATH in production",
            DEV_KEY_PATH.relative_to(PROJECT_ROOT),
            public,
        )
    else:
        log.warning(
            "using the DEV-ONLY signing key %s; set SIGNING_KEY_PATH in production",
            DEV_KEY_PATH.relative_to(PROJECT_ROOT),
        )
    return _settings(signing_key_path=str(DEV_KEY_PATH))


def cmd_serve(args: argparse.Namespace) -> int:
    from verify_api.app import load_signing_key

    settings = ensure_dev_key(_settings())
    load_signing_key(settings)  # fail fast (wrong passphrase, not Ed25519) before anything starts
    with database_url(settings) as url:
        applied = asyncio.run(_migrate(url))
        log.info("migrations: %s", ", ".join(applied) if applied else "up to date")
        # Granian's workers build the app from the environment (app_from_environment).
        os.environ.update({"DATABASE_URL": url, "SIGNING_KEY_PATH": settings.signing_key_path or ""})
        embedded = not settings.database_url
        if embedded:
            RUNNING_URL_FILE.write_text(url)
        try:
            log.info(
                "serving on http://%s:%d (docs at /docs, OpenAPI at /openapi.json)",
                settings.host,
                settings.port,
            )
            _serve_granian(settings)
        finally:
            if embedded:
                RUNNING_URL_FILE.unlink(missing_ok=True)
    return 0


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
    ).serve()


def cmd_openapi(args: argparse.Namespace) -> int:
    from verify_api.openapi_document import openapi_json

    text = openapi_json()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verify-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "serve", help="migrate, then serve the API (embedded PostgreSQL when DATABASE_URL is unset)"
    ).set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_migrate)
    keys = sub.add_parser("keys", help="signing keys").add_subparsers(dest="keys_command", required=True)
    gen = keys.add_parser(
        "generate", help="write a new Ed25519 PKCS#8 key (encrypted when SIGNING_KEY_PASSPHRASE is set)"
    )
    gen.add_argument("--path", default=str(DEV_KEY_PATH))
    gen.add_argument("--force", action="store_true")
    gen.set_defaults(func=cmd_keys_generate)
    keys.add_parser("list", help="list published signing keys").set_defaults(func=cmd_keys_list)
    keys.add_parser(
        "rotate", help="make a new active key in place of the current one (the old private key is deleted)"
    ).set_defaults(func=cmd_keys_rotate)
    compromise = keys.add_parser("compromise", help="declare a key compromised; lists what it signed")
    compromise.add_argument("kid", help="the key id, as `keys list` shows it")
    compromise.add_argument("--since", required=True, help="ISO 8601 time with zone, e.g. 2026-11-27T09:00:00Z")
    compromise.set_defaults(func=cmd_keys_compromise)
    keys.add_parser(
        "reissue", help="re-issue, under the active key, the credentials a key compromise revoked (prints new ids)"
    ).set_defaults(func=cmd_keys_reissue)
    api_keys = sub.add_parser("api-keys", help="admin API keys").add_subparsers(dest="api_keys_command", required=True)
    create = api_keys.add_parser("create", help="create an API key; prints the secret alone on the last line")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated: assess,issue,manage")
    create.set_defaults(func=cmd_api_keys_create)
    from verify_api.lifecycle_commands import add_lifecycle_commands

    add_lifecycle_commands(sub)
    openapi = sub.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", default="-")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except (SettingsError, VerifyApiError, SigningKeyError) as exc:
        print(f"verify-api: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return result
