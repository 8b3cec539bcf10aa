"""`verify-api keys generate | list | rotate | compromise | reissue` (signing keys; API keys are cli/api_keys.py)."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from verify_api.cli.runtime import (
    active_key_path,
    command_settings,
    dev_key_path,
    generate_key_file,
    run_with_connection,
    service_context,
)

if TYPE_CHECKING:
    import argparse

    from verify_api.db.pool import Connection
    from verify_api.settings import Settings


def cmd_keys_generate(args: argparse.Namespace) -> int:
    settings = command_settings()
    path = Path(args.path) if args.path else dev_key_path(settings)
    if path.exists() and not args.force:
        print(f"{path} exists; pass --force to replace it", file=sys.stderr)
        return 1
    if path.exists():
        path.unlink()
    public = generate_key_file(path, os.environ.get("SIGNING_KEY_PASSPHRASE"), settings)
    print(f"wrote a new Ed25519 signing key to {path}\npublic key (Multikey): {public}")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from verify_api.db.signing_keys import SigningKeys

    async def run(conn: Connection) -> list[dict[str, str | None]]:
        keys = await SigningKeys(conn).list_all()
        return [
            {
                "kid": k.kid,
                "created": k.created_at.isoformat(),
                "retired": k.retired_at.isoformat() if k.retired_at else None,
                "compromisedSince": k.compromised_since.isoformat() if k.compromised_since else None,
            }
            for k in keys
        ]

    print(json.dumps(run_with_connection(command_settings(), run), indent=2))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from verify_api.services.key_rotation import rotate_signing_key

    settings = command_settings()
    if args.p256:
        return _rotate_p256(settings)

    async def run(conn: Connection) -> str:
        rotation = await rotate_signing_key(conn, settings, active_key_path(settings), now=datetime.now(UTC))
        return (
            f"rotated the signing key in {rotation.key_path}\n  retired: {rotation.old_kid}\n"
            f"  active:  {rotation.new_kid}\n  the retired private key was deleted; its public key stays published\n"
            "a running server switches to the new key before it next signs; earlier credentials keep verifying"
        )

    print(run_with_connection(settings, run, migrate=True))
    return 0


def _rotate_p256(settings: Settings) -> int:
    from verify_api.services.p256_keys import rotate_p256_key

    settings = command_settings(signing_key_path=str(active_key_path(settings)))

    async def run(conn: Connection) -> str:
        rotation = await rotate_p256_key(conn, settings, now=datetime.now(UTC))
        return (
            f"rotated the P-256 (ES256) key in {rotation.key_path}\n  retired: {rotation.old_kid}\n"
            f"  active:  {rotation.new_kid}\n  the retired private key was deleted; its public key stays published"
        )

    print(run_with_connection(settings, run, migrate=True))
    return 0


def cmd_keys_compromise(args: argparse.Namespace) -> int:
    from verify_api.services.key_rotation import Compromise, compromise_signing_key

    since = datetime.fromisoformat(args.since)
    if since.tzinfo is None:
        print("--since needs a time zone, e.g. 2026-11-27T09:00:00Z", file=sys.stderr)
        return 2
    settings = command_settings()

    async def run(conn: Connection) -> list[str]:
        lines: list[str] = []
        now = datetime.now(UTC)
        compromise = Compromise(args.kid, since)
        done = await compromise_signing_key(conn, settings, active_key_path(settings), compromise, now=now)
        rotation, outcome = done.rotation, done.outcome
        if rotation is not None:
            if rotation.old_kid != args.kid:
                lines.append(f"warning: {args.kid} was active but is not the key in the key file")
            lines.append(f"{args.kid} was the active {done.key_kind}: rotated to {rotation.new_kid}")
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

    print("\n".join(run_with_connection(settings, run, migrate=True)))
    return 0


def cmd_keys_reissue(args: argparse.Namespace) -> int:
    from verify_api.services.reissue import reissue_compromised

    ctx = service_context()

    async def run(conn: Connection) -> tuple[list[str], int]:
        outcomes = await reissue_compromised(conn, ctx, now=ctx.clock())
        lines = [f"re-issuing under {ctx.issuer_key.verification_method}:"]
        for o in outcomes:
            lines.append(
                f"  {o.old_id} {o.tier} -> {o.new_id}"
                if o.new_id
                else f"  {o.old_id} {o.tier} NOT re-issued: {o.problem}"
            )
        done = sum(1 for o in outcomes if o.new_id)
        lines.append(f"{done} credential(s) re-issued, {len(outcomes) - done} not")
        return lines, 0 if done == len(outcomes) else 1

    lines, code = run_with_connection(ctx.settings, run, migrate=True)
    print("\n".join(lines))
    return code


def add_key_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="signing keys").add_subparsers(dest="keys_command", required=True)
    gen = keys.add_parser(
        "generate", help="write a new Ed25519 PKCS#8 key (encrypted when SIGNING_KEY_PASSPHRASE is set)"
    )
    gen.add_argument("--path", default=None, help="default: KEYS_DIR/dev-signing-key.pem")
    gen.add_argument("--force", action="store_true")
    gen.set_defaults(func=cmd_keys_generate)
    keys.add_parser("list", help="list published signing keys").set_defaults(func=cmd_keys_list)
    rotate = keys.add_parser(
        "rotate", help="make a new active key in place of the current one (the old private key is deleted)"
    )
    rotate.add_argument("--p256", action="store_true", help="rotate the P-256 key that signs ES256 JWTs instead")
    rotate.set_defaults(func=cmd_keys_rotate)
    compromise = keys.add_parser("compromise", help="declare a key compromised; lists what it signed")
    compromise.add_argument("kid", help="the key id, as `keys list` shows it")
    compromise.add_argument("--since", required=True, help="ISO 8601 time with zone, e.g. 2026-11-27T09:00:00Z")
    compromise.set_defaults(func=cmd_keys_compromise)
    keys.add_parser(
        "reissue", help="re-issue, under the active key, the credentials a key compromise revoked (prints new ids)"
    ).set_defaults(func=cmd_keys_reissue)
