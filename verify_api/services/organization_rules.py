"""Applying the organisation rules: evaluated on read (registry, lookups), after every relevant write, and by
`verify-api rules evaluate` for a scheduler. Each run is idempotent: guarded transitions make a second run a no-op."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from verify_api.db.assessments import Assessments
from verify_api.db.credentials import Credentials
from verify_api.db.organizations import Organizations
from verify_api.domain.organization_rules import Standing, cae_standing
from verify_api.errors import IllegalTransitionError
from verify_api.services import lifecycle
from verify_api.services.judgement import organization_standing

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings


async def evaluate_organization(
    conn: Connection, org_id: UUID, *, key: IssuerKey, settings: Settings, now: datetime
) -> Standing:
    """The organisation's standing now, after applying any suspension, reinstatement or renewal it calls for."""
    orgs = Organizations(conn)
    credential = await orgs.current_credential(org_id)
    if credential is None:
        return Standing(at_risk=False)
    if credential.tier == "CAI":
        # The same standing the judgement derives on every read (services.judgement), so acting on it only
        # stores what every path already says.
        standing = await organization_standing(
            conn, org_id, tier="CAI", certified_at=credential.issued_at, settings=settings, now=now
        )
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
            await lifecycle.renew_credential(
                conn,
                key,
                credential.id,
                reason="governance_review_recorded",
                note=None,
                settings=settings,
                now=now,
                actor=None,
            )
        return cae_standing(due, grace_days=settings.cae_governance_grace_days, now=now)
    standing = await organization_standing(
        conn, org_id, tier="CAE", certified_at=credential.issued_at, settings=settings, now=now
    )
    if credential.status == "active" and standing.suspension_due(now):
        await _apply(conn, credential.id, "suspend", "governance_review_overdue", now)
    return standing


async def _apply(conn: Connection, credential_id: str, action: lifecycle.Action, reason: str, now: datetime) -> None:
    # IllegalTransitionError: a concurrent evaluation or an operator got there first; the guarded update kept the
    # credential consistent, so there is nothing left to do.
    with contextlib.suppress(IllegalTransitionError):
        await lifecycle.change_status(
            conn, credential_id, action, reason=reason, note="applied by the organisation rules", now=now, actor=None
        )


async def evaluate_after_change(
    conn: Connection, credential_id: str, *, key: IssuerKey, settings: Settings, now: datetime
) -> None:
    """Re-evaluate the organisations a credential's change can affect (its own, or every employer of an AIDA holder)."""
    record = await Credentials(conn).get(credential_id)
    if record is None:
        return
    orgs: list[UUID] = []
    if record.organization_id is not None:
        orgs = [record.organization_id]
    elif record.tier == "AIDA" and record.holder_id is not None:
        orgs = await Organizations(conn).organizations_of_holder(record.holder_id)
    for org_id in orgs:
        await evaluate_organization(conn, org_id, key=key, settings=settings, now=now)


async def evaluate_all(conn: Connection, *, key: IssuerKey, settings: Settings, now: datetime) -> dict[UUID, Standing]:
    return {
        org_id: await evaluate_organization(conn, org_id, key=key, settings=settings, now=now)
        for org_id in await Organizations(conn).certified_organizations()
    }
