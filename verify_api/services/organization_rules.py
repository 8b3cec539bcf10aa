"""Applying the organisation rules: inside every write command that can change an organisation's standing (a
status change, a staff link, an assessment), and by `verify-api rules evaluate` for a scheduler. Reads never apply
them: every read derives the same standing from the data (services.judgement), and `standing_of` is that read.
Each run is idempotent: guarded transitions make a second run a no-op."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from verify_api.db.assessments import Assessments
from verify_api.db.organizations import Organizations
from verify_api.domain.organization_rules import Standing, cae_standing
from verify_api.errors import IllegalTransitionError
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.judgement import organization_standing
from verify_api.services.transaction import run_in_transaction
from verify_api.services.transitions import StatusChange, apply_transition, renew_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.domain.lifecycle import Action
    from verify_api.services.context import ServiceContext

_RULES_NOTE = "applied by the organisation rules"


async def apply_organization_rules(conn: Connection, ctx: ServiceContext, org_id: UUID, *, now: datetime) -> Standing:
    """One organisation's rules as a command: what they call for and the audit checkpoint, in one transaction."""

    async def command() -> Standing:
        standing = await evaluate_organization(conn, ctx, org_id, now=now)
        await checkpoint_after_write(conn, ctx, now=now)
        return standing

    return await run_in_transaction(conn, command)


async def standing_of(conn: Connection, ctx: ServiceContext, org_id: UUID, *, now: datetime) -> Standing:
    """The organisation's standing now, read only: what `evaluate_organization` would find, without acting on it."""
    credential = await Organizations(conn).current_credential(org_id)
    if credential is None:
        return Standing(at_risk=False)
    return await organization_standing(conn, ctx.settings, org_id, credential, now=now)


async def evaluate_organization(conn: Connection, ctx: ServiceContext, org_id: UUID, *, now: datetime) -> Standing:
    """The organisation's standing now, after applying any suspension, reinstatement or renewal it calls for.
    The caller owns the transaction."""
    settings = ctx.settings
    orgs = Organizations(conn)
    credential = await orgs.current_credential(org_id)
    if credential is None:
        return Standing(at_risk=False)
    if credential.tier == "CAI":
        # The same standing the judgement derives on every read (services.judgement), so acting on it only
        # stores what every path already says.
        standing = await organization_standing(conn, settings, org_id, credential, now=now)
        if credential.status == "active" and standing.suspension_due(now):
            await _apply(conn, credential.id, "suspend", "staff_below_minimum", now)
        elif (
            credential.status == "suspended"
            and credential.status_reason == "staff_below_minimum"
            and not standing.at_risk
        ):
            await _apply(conn, credential.id, "reinstate", "requirement_met", now)
        return standing
    governance = await Assessments(conn).latest_governance_record(org_id)
    due = governance.next_review_due if governance else None
    if governance is not None and governance.recorded_at > credential.issued_at and due is not None and due > now:
        # A review recorded since issuance: lift an overdue suspension and renew so validUntil follows the new date.
        if credential.status == "suspended" and credential.status_reason == "governance_review_overdue":
            await _apply(conn, credential.id, "reinstate", "requirement_met", now)
        if credential.status == "active" or credential.status_reason == "governance_review_overdue":
            renewal = StatusChange("renew", "governance_review_recorded")
            await renew_in_transaction(conn, ctx, credential.id, renewal, now=now)
        return cae_standing(due, grace_days=settings.cae_governance_grace_days, now=now)
    standing = await organization_standing(conn, settings, org_id, credential, now=now)
    if credential.status == "active" and standing.suspension_due(now):
        await _apply(conn, credential.id, "suspend", "governance_review_overdue", now)
    return standing


async def _apply(conn: Connection, credential_id: str, action: Action, reason: str, now: datetime) -> None:
    # IllegalTransitionError: a concurrent evaluation or an operator got there first; the guarded update kept the
    # credential consistent, so there is nothing left to do (the savepoint undoes only this attempt).
    with contextlib.suppress(IllegalTransitionError):
        async with conn.transaction():
            await apply_transition(conn, credential_id, StatusChange(action, reason, _RULES_NOTE), now=now)


async def evaluate_after_change(
    conn: Connection, ctx: ServiceContext, record: CredentialRecord, *, now: datetime
) -> None:
    """Re-evaluate the organisations a credential's change can affect (its own, or every employer of an AIDA holder);
    the caller owns the transaction."""
    orgs: list[UUID] = []
    if record.organization_id is not None:
        orgs = [record.organization_id]
    elif record.tier == "AIDA" and record.holder_id is not None:
        orgs = await Organizations(conn).organizations_of_holder(record.holder_id)
    for org_id in orgs:
        await evaluate_organization(conn, ctx, org_id, now=now)


async def evaluate_all(conn: Connection, ctx: ServiceContext, *, now: datetime) -> dict[UUID, Standing]:
    """`verify-api rules evaluate`: each certified organisation's rules, one command (transaction) each."""
    return {
        org_id: await apply_organization_rules(conn, ctx, org_id, now=now)
        for org_id in await Organizations(conn).certified_organizations()
    }
