"""The steps a status change is made of, for the commands that own the transaction (services.lifecycle, the
organisation rules, a key compromise, the VC API status bit): each guarded single-statement transition with its
event and a bump of the affected status lists, so a published list is never stale once the command commits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from verify_api.db.assessments import Assessments
from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.status_lists import StatusLists
from verify_api.domain.lifecycle import EVENT_KINDS, TRANSITIONS, Action, check_reason, next_status
from verify_api.errors import CredentialNotFoundError, InvalidInputError
from verify_api.observability.metrics import count_status_change
from verify_api.schemas import IssueCredentialRequest
from verify_api.services.issuance import IssueOrigin, issue_in_transaction
from verify_api.services.transaction import after_commit

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.services.context import ServiceContext

# Revocation reasons that condemn the evidence too: the assessments behind the credential can back nothing again.
EVIDENCE_CONDEMNING_REASONS = ("assessment_invalidated", "misconduct")


@dataclass(frozen=True)
class StatusChange:
    """What an operator (or a rule, `actor` None) asks of a credential: the action, its reason and note."""

    action: Action
    reason: str
    note: str | None = None
    actor: UUID | None = None


async def current_status(conn: Connection, credential_id: str) -> str:
    found = await Credentials(conn).status(credential_id)
    if found is None:
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    return found


async def apply_transition(conn: Connection, credential_id: str, change: StatusChange, *, now: datetime) -> None:
    """The guarded UPDATE, its status-list bump, the evidence follow-up and the event; the caller owns the
    transaction. A refusal names the current state (409)."""
    action, reason, note = change.action, change.reason, change.note
    if action == "renew":
        raise InvalidInputError("renewal issues a new credential; use renew_credential")
    check_reason(action, reason)
    sources, target = TRANSITIONS[action]
    credentials = Credentials(conn)
    changed = await credentials.transition(credential_id, to=target, reason=reason, note=note, now=now, sources=sources)
    if changed is None:
        current = await credentials.status(credential_id)
        if current is None:
            raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
        next_status(action, current)  # raises IllegalTransitionError naming the current state
        raise AssertionError("the guarded update refused a transition next_status allows")
    data: dict[str, object] = {"reason": reason, "note": note}
    if action == "revoke" and reason in EVIDENCE_CONDEMNING_REASONS:
        invalidated = await Assessments(conn).invalidate_for_credential(credential_id, reason, now)
        data["invalidatedAssessments"] = sorted(str(a) for a in invalidated)
    await Events(conn).append(
        kind=EVENT_KINDS[action], occurred_at=now, credential_id=credential_id, actor=change.actor, data=data
    )
    after_commit(partial(count_status_change, EVENT_KINDS[action]))
    # Status-list rows are updated after the event: the event log's append lock then orders every writer of those
    # rows (issuance counts its slots after its events too), so two transactions never wait on each other's rows.
    await StatusLists(conn).bump_versions([changed.revocation_list, changed.suspension_list], now)


async def renew_in_transaction(
    conn: Connection, ctx: ServiceContext, credential_id: str, change: StatusChange, *, now: datetime
) -> CredentialRecord:
    """Issue a successor with fresh dates; the old one becomes superseded and its links resolve to the new one.
    The caller owns the transaction.

    The tier's rule is checked again: a renewed credential must still be earned (e.g. a CPAP needs an active AIDA).
    """
    check_reason("renew", change.reason)
    credentials = Credentials(conn)
    sources, target = TRANSITIONS["renew"]
    old = await credentials.get(credential_id)
    if old is None:
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    changed = await credentials.transition(
        credential_id, to=target, reason=change.reason, note=change.note, now=now, sources=sources
    )
    if changed is None:
        current = await credentials.status(credential_id) or old.status
        next_status("renew", current)
        raise AssertionError("the guarded update refused a renewal next_status allows")
    request = IssueCredentialRequest(
        tier=old.tier,
        holder_id=old.holder_id,
        organization_id=old.organization_id,
        cryptosuite=old.cryptosuite,
    )
    origin = IssueOrigin(
        client_id=change.actor, renewing=credential_id, renewal_reason=change.reason, renewal_note=change.note
    )
    successor = await issue_in_transaction(conn, ctx, request, now=now, origin=origin)
    await StatusLists(conn).bump_versions([changed.revocation_list, changed.suspension_list], now)  # after the events
    return successor
