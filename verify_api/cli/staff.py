"""`verify-api staff create | list | disable | reset-password`: the staff console's accounts
(services.staff_accounts). A password is read from a prompt (twice, not echoed) or, with `--password-stdin`, from the
first line of standard input; never from the command line, where other users and the shell history would see it.
`--generate-password` makes a random one and prints it once, alone on the last line."""

from __future__ import annotations

import getpass
import json
import secrets
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from verify_api.cli.runtime import command_settings, run_with_connection

if TYPE_CHECKING:
    import argparse

    from verify_api.db.pool import Connection
    from verify_api.db.staff_accounts import StaffAccountRecord


def _read_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(the password, whether it was generated and must be printed)."""
    if args.generate_password:
        return secrets.token_urlsafe(18), True
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n"), False
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("verify-api: the two passwords differ; nothing was changed")
    return first, False


def _listed(account: StaffAccountRecord) -> dict[str, object]:
    def at(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": str(account.id),
        "email": account.email,
        "role": account.role,
        "created": account.created_at.isoformat(),
        "lastSignIn": at(account.last_sign_in_at),
        "disabled": at(account.disabled_at),
        "lockedUntil": at(account.locked_until),
    }


def cmd_staff_create(args: argparse.Namespace) -> int:
    from verify_api.services.staff_accounts import check_email, check_role, create_staff_account

    check_email(args.email)
    check_role(args.role)
    password, generated = _read_password(args)
    settings = command_settings()

    async def run(conn: Connection) -> StaffAccountRecord:
        return await create_staff_account(conn, settings, args.email, args.role, password, now=datetime.now(UTC))

    account = run_with_connection(settings, run, migrate=True)
    print(f"created staff account {account.email} ({account.role}, id {account.id})")
    if generated:
        print("the password is shown once and stored only as an argon2id hash:")
        print(password)
    return 0


def cmd_staff_list(args: argparse.Namespace) -> int:
    from verify_api.services.staff_accounts import list_staff_accounts

    accounts = run_with_connection(command_settings(), list_staff_accounts, migrate=True)
    print(json.dumps([_listed(a) for a in accounts], indent=2))
    return 0


def cmd_staff_disable(args: argparse.Namespace) -> int:
    from verify_api.services.staff_accounts import disable_staff_account

    async def run(conn: Connection) -> StaffAccountRecord:
        return await disable_staff_account(conn, args.email, now=datetime.now(UTC))

    account = run_with_connection(command_settings(), run, migrate=True)
    print(f"disabled staff account {account.email}; its sessions ended")
    return 0


def cmd_staff_reset_password(args: argparse.Namespace) -> int:
    from verify_api.services.staff_accounts import find_staff_account, reset_staff_password

    settings = command_settings()
    run_with_connection(settings, lambda conn: find_staff_account(conn, args.email), migrate=True)  # before asking
    password, generated = _read_password(args)

    async def run(conn: Connection) -> StaffAccountRecord:
        return await reset_staff_password(conn, settings, args.email, password, now=datetime.now(UTC))

    account = run_with_connection(settings, run)
    print(f"new password for {account.email}; its lockout is lifted and its sessions ended")
    if generated:
        print("the password is shown once and stored only as an argon2id hash:")
        print(password)
    return 0


def _add_password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    group.add_argument("--generate-password", action="store_true", help="generate one and print it once (last line)")


def add_staff_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from verify_api.services.staff_accounts import ROLES

    staff = sub.add_parser("staff", help="staff console accounts").add_subparsers(dest="staff_command", required=True)
    create = staff.add_parser("create", help="create a staff account (password prompted unless told otherwise)")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=list(ROLES), help="assessor, issuer or admin")
    _add_password_options(create)
    create.set_defaults(func=cmd_staff_create)
    staff.add_parser("list", help="list staff accounts (JSON); never hashes").set_defaults(func=cmd_staff_list)
    disable = staff.add_parser("disable", help="disable an account for good and end its sessions")
    disable.add_argument("email")
    disable.set_defaults(func=cmd_staff_disable)
    reset = staff.add_parser("reset-password", help="a new password; lifts a lockout, ends the account's sessions")
    reset.add_argument("email")
    _add_password_options(reset)
    reset.set_defaults(func=cmd_staff_reset_password)
