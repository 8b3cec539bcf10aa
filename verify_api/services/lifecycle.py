"""Suspend, reinstate, revoke and renew: one command per use case, each owning its whole transaction.

A status change commits together with what it triggers: the organisation rules it re-evaluates (a revoked AIDA can
suspend its employer's CAI) and the audit checkpoint that falls due, so a failure in any follow-up rolls the
change back and no half-written state is ever visible. The steps themselves are services.transitions'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.credentials import Credentials
from verify_api.domain.lifecycle import Action
from verify_api.errors import CredentialNotFoundError
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.organization_rules import evaluate_after_change
from verify_api.services.transaction import run_in_transaction
from verify_api.services.transitions import StatusChange, apply_transition, current_status, renew_in_transaction

__all__ = ["Action", "StatusChange", "change_status", "current_status", "renew_credential"]

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.services.context import ServiceContext


async def change_status(
    conn: Connection, ctx: ServiceContext, credential_id: str, change: StatusChange, *, now: datetime
) -> CredentialRecord:
    """Suspend, reinstate or revoke a PAI certification, with the organisation rules it triggers and the audit
    checkpoint, in one transaction. One guarded UPDATE decides; a refusal names the current state (409). A
    revocation for assessment_invalidated or misconduct invalidates the assessments the credential was issued on,
    so the tier rules never count them again."""

    async def command() -> CredentialRecord:
        record = await change_certification_status(conn, ctx, credential_id, change, now=now)
        await checkpoint_after_write(conn, ctx, now=now)
        return record

    return await run_in_transaction(conn, command)


async def change_certification_status(
    conn: Connection, ctx: ServiceContext, credential_id: str, change: StatusChange, *, now: datetime
) -> CredentialRecord:
    """`change_status` without the transaction and checkpoint, for a command that changes several at once."""
    await apply_transition(conn, credential_id, change, now=now)
    record = await Credentials(conn).get(credential_id)
    if record is None:  # a VC API entry: not a certification (rolls the change back)
        raise CredentialNotFoundError(f"no PAI certification has id {credential_id!r}")
    await evaluate_after_change(conn, ctx, record, now=now)
    return record


async def renew_credential(
    conn: Connection, ctx: ServiceContext, credential_id: str, change: StatusChange, *, now: datetime
) -> CredentialRecord:
    """Issue a successor with fresh dates (the tier's rule checked again) and write the audit checkpoint, in one
    transaction; the old credential becomes superseded and its links resolve to the new one."""

    async def command() -> CredentialRecord:
        successor = await renew_in_transaction(conn, ctx, credential_id, change, now=now)
        await checkpoint_after_write(conn, ctx, now=now)
        return successor

    return await run_in_transaction(conn, command)
