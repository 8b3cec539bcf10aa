"""`verify-api holders correct HOLDER_ID [--display-name NAME] [--email EMAIL | --remove-email]`: correct a holder
and re-issue the credentials that carry the old name (the use cases of PATCH /v1/holders/{id} and POST
/v1/holders/{id}/reissue, services.corrections). Exits 1 when a credential could not be re-issued."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from uuid import UUID

import msgspec

from verify_api.cli.runtime import run_with_connection, service_context

if TYPE_CHECKING:
    import argparse

    from verify_api.db.pool import Connection

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")  # schemas.Email's shape


def _holder_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise SystemExit(f"verify-api: {text!r} is not a holder id (a UUID)") from None


def cmd_holders_correct(args: argparse.Namespace) -> int:
    from verify_api.services.corrections import ReissueOrigin, change_holder, reissue_holder
    from verify_api.staff_schemas import HolderChangeRequest

    holder_id = _holder_id(args.holder_id)
    if args.email is not None and not _EMAIL.match(args.email):
        raise SystemExit(f"verify-api: {args.email!r} is not an e-mail address")
    change = HolderChangeRequest(
        display_name=args.display_name if args.display_name is not None else msgspec.UNSET,
        email=None if args.remove_email else (args.email if args.email is not None else msgspec.UNSET),
    )
    ctx = service_context()

    async def run(conn: Connection) -> tuple[list[str], int]:
        now = ctx.clock()
        lines = []
        if not (isinstance(change.display_name, msgspec.UnsetType) and isinstance(change.email, msgspec.UnsetType)):
            holder = await change_holder(conn, ctx, holder_id, change, now=now)
            lines.append(f"holder {holder.id}: {holder.display_name!r}, e-mail {holder.email or 'none'}")
        outcome = await reissue_holder(conn, ctx, holder_id, now=now, origin=ReissueOrigin(note=args.note))
        for r in outcome.results:
            if r.outcome == "reissued":
                lines.append(f"  {r.credential_id} {r.tier} -> {r.new_credential_id}")
            else:
                lines.append(f"  {r.credential_id} {r.tier} NOT re-issued: {r.problem}")
        done = sum(1 for r in outcome.results if r.outcome == "reissued")
        lines.append(f"{done} credential(s) re-issued as {outcome.display_name!r}, {len(outcome.results) - done} not")
        return lines, 0 if done == len(outcome.results) else 1

    lines, code = run_with_connection(ctx.settings, run, migrate=True)
    print("\n".join(lines))
    return code


def add_holder_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    holders = sub.add_parser("holders", help="holders").add_subparsers(dest="holders_command", required=True)
    correct = holders.add_parser(
        "correct",
        help="correct a holder's name or e-mail and re-issue the credentials that carry the old name "
        "(reason details_corrected)",
    )
    correct.add_argument("holder_id", help="the holder's id")
    correct.add_argument("--display-name", help="the corrected name")
    email = correct.add_mutually_exclusive_group()
    email.add_argument("--email", help="the corrected e-mail")
    email.add_argument("--remove-email", action="store_true", help="remove the e-mail")
    correct.add_argument("--note", help="a private note kept with the re-issue")
    correct.set_defaults(func=cmd_holders_correct)
