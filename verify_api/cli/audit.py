"""`verify-api audit verify | checkpoint | compare`: the tamper-evident event log.

Exit codes: 0 the log is intact (or matches the saved copy), 1 problems were found (each one printed), 2 the check
could not run (no database, an unreadable key or key history).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from verify_api.cli.runtime import active_key_path, command_settings, issuer_key, run_with_connection
from verify_api.errors import InvalidInputError, KeyHistoryError, SigningKeyError
from verify_api.schemas import AuditCheckpointPage, AuditCheckpointView
from verify_api.services.audit import AuditReport, compare_saved_checkpoints, verify_audit_log
from verify_api.services.checkpoints import checkpoint_from_view, write_checkpoint
from verify_api.services.context import IssuerKey
from verify_api.services.key_history import PinnedKey, PinnedKeys, history_path, pinned_keys_sync
from verify_api.services.signing_keys import register_signing_key
from verify_api.services.stored_proofs import StoredProofReport, verify_stored_proofs

if TYPE_CHECKING:
    import argparse

    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

_MAX_SAVED_BYTES = 256 << 20
# A checkpoint is signed just after the write that reaches it; a too-long tail is looked at again after this.
_SETTLE_SECONDS = 2.0
_saved_decoder = msgspec.json.Decoder(AuditCheckpointPage | list[AuditCheckpointPage])


def _pinned_keys(settings: Settings, history: str | None) -> PinnedKeys:
    """The configured key file's public key (when the file exists) and its history file (or `--key-history`)."""
    from verify_api.app import load_signing_key

    key_path = active_key_path(settings)
    active = None
    if key_path.exists():
        try:
            signer = load_signing_key(command_settings(signing_key_path=str(key_path)))
        except SigningKeyError as exc:
            if not history_path(key_path).exists():
                raise
            # Its public key is in the history too (keys generate wrote it): pinning fewer keys is never laxer.
            print(f"note: {exc}; pinning the keys of {history_path(key_path).name} only", file=sys.stderr)
        else:
            kid = IssuerKey.for_settings(signer, settings).verification_method
            active = PinnedKey(kid=kid, public_key_multibase=signer.public_key_multibase)
    pinned = pinned_keys_sync(key_path, active, Path(history) if history else None)
    if not len(pinned):
        raise KeyHistoryError(
            f"no pinned keys: neither {key_path.name} nor its history file exists; pass --key-history PATH"
        )
    return pinned


def _print_report(report: AuditReport, what: str, ok: str) -> int:
    print(what)
    for problem in report.problems:
        print(f"TAMPERED: {problem}")
    if report.intact:
        print(ok)
    return 0 if report.intact else 1


def cmd_audit_verify(args: argparse.Namespace) -> int:
    settings = command_settings()
    pinned = _pinned_keys(settings, args.key_history)
    every = args.every or settings.audit_checkpoint_every

    async def run(conn: Connection) -> tuple[AuditReport, StoredProofReport]:
        log = await verify_audit_log(conn, pinned, every=every, settle=_SETTLE_SECONDS)
        return log, await verify_stored_proofs(conn)

    report, proofs = run_with_connection(settings, run)
    what = (
        f"checked {report.entries} events and {report.checkpoints} signed checkpoints against {len(pinned)} pinned keys"
    )
    status = _print_report(report, what, "the event log is intact")
    # Stored proofs are verified when written and here, never on reads (services.stored_proofs).
    print(f"checked the proofs of {proofs.checked} stored credentials")
    for problem in proofs.problems:
        print(f"TAMPERED: {problem}")
    if not proofs.problems:
        print("every stored proof verifies")
    return status or (1 if proofs.problems else 0)


def cmd_audit_compare(args: argparse.Namespace) -> int:
    settings = command_settings()
    pinned = _pinned_keys(settings, args.key_history)
    saved = _read_saved_checkpoints(Path(args.file))

    async def run(conn: Connection) -> AuditReport:
        return await compare_saved_checkpoints(conn, [checkpoint_from_view(v) for v in saved], pinned)

    report = run_with_connection(settings, run)
    what = f"compared {report.checkpoints} saved checkpoints with the live log ({report.entries} events)"
    return _print_report(report, what, "the live log still holds every saved checkpoint")


def _read_saved_checkpoints(path: Path) -> list[AuditCheckpointView]:
    """A saved copy: one page of GET /v1/audit/checkpoints, or a JSON array of pages."""
    try:
        if path.stat().st_size > _MAX_SAVED_BYTES:
            raise InvalidInputError(f"{path.name} is larger than {_MAX_SAVED_BYTES} bytes")
        decoded = _saved_decoder.decode(path.read_bytes())
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path.name}: {exc.strerror}") from exc
    except msgspec.DecodeError as exc:
        raise InvalidInputError(f"{path.name} is not a saved copy of GET /v1/audit/checkpoints: {exc}") from exc
    if isinstance(decoded, AuditCheckpointPage):
        return list(decoded.checkpoints)
    return [checkpoint for page in decoded for checkpoint in page.checkpoints]


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    key = issuer_key()

    async def run(conn: Connection) -> None:
        now = datetime.now(UTC)
        await register_signing_key(conn, key, now=now)  # published (did.json) before it signs, as at start-up
        checkpoint = await write_checkpoint(conn, key, now=now)
        print(f"signed a checkpoint at event {checkpoint.seq}" if checkpoint else "nothing new to checkpoint")

    run_with_connection(command_settings(), run)
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def add_audit_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident event log").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser(
        "verify",
        help="recompute the hash chain, check the signed checkpoints against the pinned keys and their cadence; "
        "exit 1 naming every problem",
    )
    verify.add_argument(
        "--every", type=_positive, help="the checkpoint cadence to require (default AUDIT_CHECKPOINT_EVERY)"
    )
    verify.set_defaults(func=cmd_audit_verify)
    compare = audit.add_parser(
        "compare", help="check a saved copy of GET /v1/audit/checkpoints against the live log; exit 1 on a mismatch"
    )
    compare.add_argument("file", help="a saved page (or a JSON array of pages) of GET /v1/audit/checkpoints")
    compare.set_defaults(func=cmd_audit_compare)
    for command in (verify, compare):
        command.add_argument(
            "--key-history", help="pin the keys of this history file instead of the one beside the signing key"
        )
    audit.add_parser("checkpoint", help="sign the newest event now").set_defaults(func=cmd_audit_checkpoint)
