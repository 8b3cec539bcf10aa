"""`verify-api api-keys create | list | revoke | rotate`: the admin API's keys (the same use cases as
/v1/api-keys). A secret is printed once, alone on the last line; a listing never shows one."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from verify_api.cli.runtime import command_settings, run_with_connection

if TYPE_CHECKING:
    import argparse

    from verify_api.db.pool import Connection
    from verify_api.db.records import ApiKeyRecord
    from verify_api.services.api_clients import IssuedApiKey


def _expiry(args: argparse.Namespace, now: datetime) -> datetime | None:
    if args.expires_in_days is not None:
        return now + timedelta(days=args.expires_in_days)
    if args.expires_at is None:
        return None
    at = datetime.fromisoformat(args.expires_at)
    if at.tzinfo is None:
        raise SystemExit("verify-api: --expires-at needs a time zone, e.g. 2027-06-30T00:00:00Z")
    return at


def _key_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise SystemExit(f"verify-api: {text!r} is not an API key id (a UUID, as `api-keys list` shows)") from None


def _listed(key: ApiKeyRecord, now: datetime) -> dict[str, object]:
    from verify_api.services.api_clients import api_key_status

    def at(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": str(key.id),
        "name": key.name,
        "prefix": key.key_prefix,
        "scopes": key.scopes,
        "status": api_key_status(key, now),
        "created": key.created_at.isoformat(),
        "expires": at(key.expires_at),
        "lastUsed": at(key.last_used_at),
        "revoked": at(key.revoked_at),
        "rotated": at(key.rotated_at),
    }


def _print_secret(issued: IssuedApiKey, what: str) -> None:
    key = issued.key
    expiry = f", expires {key.expires_at.isoformat()}" if key.expires_at else ", no expiry"
    print(f"{what} API key {key.name!r} (client {key.id}) with scopes {','.join(key.scopes)}{expiry}")
    print("the secret is shown once and stored only as a hash:")
    print(issued.secret)


def cmd_api_keys_create(args: argparse.Namespace) -> int:
    from verify_api.services.api_clients import issue_api_key

    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    now = datetime.now(UTC)
    expires_at = _expiry(args, now)

    async def run(conn: Connection) -> IssuedApiKey:
        return await issue_api_key(conn, args.name, scopes, now=now, expires_at=expires_at)

    _print_secret(run_with_connection(command_settings(), run, migrate=True), "created")
    return 0


def cmd_api_keys_list(args: argparse.Namespace) -> int:
    from verify_api.services.api_clients import list_api_keys

    now = datetime.now(UTC)

    async def run(conn: Connection) -> list[ApiKeyRecord]:
        return await list_api_keys(conn)

    keys = run_with_connection(command_settings(), run, migrate=True)
    print(json.dumps([_listed(k, now) for k in keys], indent=2))
    return 0


def cmd_api_keys_revoke(args: argparse.Namespace) -> int:
    from verify_api.services.api_clients import revoke_api_key

    key_id = _key_id(args.id)

    async def run(conn: Connection) -> ApiKeyRecord:
        return await revoke_api_key(conn, key_id, now=datetime.now(UTC))

    key = run_with_connection(command_settings(), run, migrate=True)
    assert key.revoked_at is not None
    print(f"revoked API key {key.name!r} (client {key.id}) at {key.revoked_at.isoformat()}; it gets 401 from now on")
    return 0


def cmd_api_keys_rotate(args: argparse.Namespace) -> int:
    from verify_api.services.api_clients import rotate_api_key

    key_id = _key_id(args.id)
    now = datetime.now(UTC)
    expires_at = _expiry(args, now)

    async def run(conn: Connection) -> IssuedApiKey:
        return await rotate_api_key(conn, key_id, now=now, expires_at=expires_at)

    issued = run_with_connection(command_settings(), run, migrate=True)
    print("the old secret stopped working", file=sys.stderr)
    _print_secret(issued, "rotated")
    return 0


def _add_expiry_options(parser: argparse.ArgumentParser, omitted: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--expires-at", default=None, help=f"ISO 8601 time with zone; {omitted}")
    group.add_argument("--expires-in-days", type=int, default=None, help="days from now")


def add_api_key_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    api_keys = sub.add_parser("api-keys", help="admin API keys").add_subparsers(dest="api_keys_command", required=True)
    create = api_keys.add_parser("create", help="create an API key; prints the secret alone on the last line")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated: assess,issue,manage,prove")
    _add_expiry_options(create, "omitted: never expires")
    create.set_defaults(func=cmd_api_keys_create)
    api_keys.add_parser(
        "list", help="list API keys (JSON): status, expiry, last use (to within a minute); never secrets"
    ).set_defaults(func=cmd_api_keys_list)
    revoke = api_keys.add_parser("revoke", help="revoke an API key at once and for good")
    revoke.add_argument("id", help="the key's id, as `api-keys list` shows it")
    revoke.set_defaults(func=cmd_api_keys_revoke)
    rotate = api_keys.add_parser(
        "rotate", help="a new secret for the key (printed alone on the last line); the old one stops working"
    )
    rotate.add_argument("id", help="the key's id, as `api-keys list` shows it")
    _add_expiry_options(rotate, "omitted: the key keeps its expiry")
    rotate.set_defaults(func=cmd_api_keys_rotate)
