"""Suspend, reinstate, revoke and renew: guarded single-statement transitions, each with its event and a bump of
the affected status lists in the same transaction, so a published list is never stale once the API has answered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.assessments import Assessments
from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.status_lists import StatusLists
from verify_api.domain.lifecycle import EVENT_KINDS, TRANSITIONS, Action, check_reason, next_status

__all__ = ["Action", "apply_transition", "change_status", "change_vc_api_status", "current_status", "renew_credential"]
from verify_api.errors import CredentialNotFoundError, InvalidInputError
from verify_api.schemas import IssueCredentialRequest
from verify_api.services.issuance import issue_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord, VcApiCredentialRecord
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings


async def current_status(conn: Connection, credential_id: str) -> str:
    found = await Credentials(conn).status(credential_id)
    if found is None:
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    return found


# Revocation reasons that condemn the evidence too: the assessments behind the credential can back nothing again.
EVIDENCE_CONDEMNING_REASONS = ("assessment_invalidated", "misconduct")


# PLR0913: connection, settings, key, clock and the use-case's own inputs are passed one by one until issue 9's
# one service context carries the shared ones
async def change_status(  # noqa: PLR0913
    conn: Connection,
    credential_id: str,
    action: Action,
    *,
    reason: str,
    note: str | None,
    now: datetime,
    actor: UUID | None,
) -> CredentialRecord:
    """Suspend, reinstate or revoke a PAI certification. One guarded UPDATE decides; a refusal names the current
    state (409). A revocation for assessment_invalidated or misconduct invalidates the assessments the credential
    was issued on, in the same transaction, so the tier rules never count them again."""
    async with conn.transaction():
        await apply_transition(conn, credential_id, action, reason=reason, note=note, now=now, actor=actor)
        record = await Credentials(conn).get(credential_id)
        if record is None:  # a VC API entry: not a certification (rolls the change back)
            raise CredentialNotFoundError(f"no PAI certification has id {credential_id!r}")
    return record


# PLR0913: connection, settings, key, clock and the use-case's own inputs are passed one by one until issue 9's
# one service context carries the shared ones
async def change_vc_api_status(  # noqa: PLR0913
    conn: Connection,
    credential_id: str,
    action: Action,
    *,
    reason: str,
    note: str | None,
    now: datetime,
    actor: UUID | None,
) -> VcApiCredentialRecord:
    """The same transitions for a credential POST /credentials/issue signed (kind 'vc_api')."""
    async with conn.transaction():
        await apply_transition(conn, credential_id, action, reason=reason, note=note, now=now, actor=actor)
        record = await Credentials(conn).get_vc_api(credential_id)
        if record is None:
            raise CredentialNotFoundError(f"no VC API credential has id {credential_id!r}")
    return record


# PLR0913: connection, settings, key, clock and the use-case's own inputs are passed one by one until issue 9's
# one service context carries the shared ones
async def apply_transition(  # noqa: PLR0913
    conn: Connection,
    credential_id: str,
    action: Action,
    *,
    reason: str,
    note: str | None,
    now: datetime,
    actor: UUID | None,
) -> None:
    """The guarded UPDATE, its status-list bump, the evidence follow-up and the event; the caller owns the
    transaction."""
    if action == "renew":
        raise InvalidInputError("renewal issues a new credential; use renew_credential")
    check_reason(action, reason)
    sources, target = TRANSITIONS[action]
    changed = await Credentials(conn).transition(
        credential_id, to=target, reason=reason, note=note, now=now, sources=sources
    )
    if changed is None:
        current = await Credentials(conn).status(credential_id)
        if current is None:
            raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
        next_status(action, current)  # raises IllegalTransitionError naming the current state
        raise AssertionError("the guarded update refused a transition next_status allows")
    data: dict[str, object] = {"reason": reason, "note": note}
    if action == "revoke" and reason in EVIDENCE_CONDEMNING_REASONS:
        invalidated = await Assessments(conn).invalidate_for_credential(credential_id, reason, now)
        data["invalidatedAssessments"] = sorted(str(a) for a in invalidated)
    await Events(conn).append(
        kind=EVENT_KINDS[action], occurred_at=now, credential_id=credential_id, actor=actor, data=data
    )
    # Status-list rows are updated after the event: the event log's append lock then orders every writer of those
    # rows (issuance counts its slots after its events too), so two transactions never wait on each other's rows.
    await StatusLists(conn).bump_versions([changed.revocation_list, changed.suspension_list], now)


# PLR0913: connection, settings, key, clock and the use-case's own inputs are passed one by one until issue 9's
# one service context carries the shared ones
async def renew_credential(  # noqa: PLR0913
    conn: Connection,
    key: IssuerKey,
    credential_id: str,
    *,
    reason: str,
    note: str | None,
    settings: Settings,
    now: datetime,
    actor: UUID | None,
) -> CredentialRecord:
    """Issue a successor with fresh dates; the old one becomes superseded and its links resolve to the new one.

    The tier's rule is checked again: a renewed credential must still be earned (e.g. a CPAP needs an active AIDA).
    """
    check_reason("renew", reason)
    sources, target = TRANSITIONS["renew"]
    async with conn.transaction():
        old = await Credentials(conn).get(credential_id)
        if old is None:
            raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
        changed = await Credentials(conn).transition(
            credential_id, to=target, reason=reason, note=note, now=now, sources=sources
        )
        if changed is None:
            current = await Credentials(conn).status(credential_id) or old.status
            next_status("renew", current)
            raise AssertionError("the guarded update refused a renewal next_status allows")
        request = IssueCredentialRequest(
            tier=old.tier,
            holder_id=old.holder_id,
            organization_id=old.organization_id,
            cryptosuite=old.cryptosuite,
        )
        successor = await issue_in_transaction(
            conn,
            key,
            request,
            settings=settings,
            now=now,
            client_id=actor,
            renewing=credential_id,
            renewal_reason=reason,
        )
        # after the events
        await StatusLists(conn).bump_versions([changed.revocation_list, changed.suspension_list], now)
    return successor
