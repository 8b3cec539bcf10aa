"""Credential status transitions and the closed sets of public reason codes.

Stored statuses are active, suspended, revoked and superseded; `expired` is never stored, it is computed from
validUntil at the moment of asking, so expiry needs no job.
"""

from __future__ import annotations

from typing import Literal

from verify_api.errors import IllegalTransitionError, InvalidInputError

Action = Literal["suspend", "reinstate", "revoke", "renew"]
# What the register stores; every other state a reader sees (expired, key problems) is derived (domain.verdict).
StoredStatus = Literal["active", "suspended", "revoked", "superseded"]

SUSPENSION_REASONS = (
    "under_investigation",
    "holder_request",
    "governance_review_overdue",
    "staff_below_minimum",
    "administrative",
)
REVOCATION_REASONS = (
    "issued_in_error",
    "misconduct",
    "assessment_invalidated",
    "holder_request",
    "key_compromise",
    "administrative",
)
REINSTATEMENT_REASONS = ("investigation_cleared", "requirement_met", "issued_in_error", "administrative")
RENEWAL_REASONS = ("recertified", "details_corrected", "key_rotation", "governance_review_recorded", "administrative")

REASONS: dict[Action, tuple[str, ...]] = {
    "suspend": SUSPENSION_REASONS,
    "reinstate": REINSTATEMENT_REASONS,
    "revoke": REVOCATION_REASONS,
    "renew": RENEWAL_REASONS,
}

# action -> (stored statuses it may start from, stored status it leads to)
TRANSITIONS: dict[Action, tuple[tuple[StoredStatus, ...], StoredStatus]] = {
    "suspend": (("active",), "suspended"),
    "reinstate": (("suspended",), "active"),
    "revoke": (("active", "suspended"), "revoked"),
    "renew": (("active",), "superseded"),
}

EVENT_KINDS: dict[Action, str] = {
    "suspend": "credential_suspended",
    "reinstate": "credential_reinstated",
    "revoke": "credential_revoked",
    "renew": "credential_superseded",
}


def check_reason(action: Action, reason: str) -> str:
    allowed = REASONS[action]
    if reason not in allowed:
        raise InvalidInputError(f"reason for {action} must be one of: {', '.join(allowed)}; got {reason!r}")
    return reason


def next_status(action: Action, current: str) -> StoredStatus:
    """The stored status after `action`, or IllegalTransitionError naming the current state."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        why = {
            "revoked": "revocation is final",
            "superseded": "it was renewed; act on the newest credential instead",
        }.get(current, f"{action} applies only to a credential that is {' or '.join(sources)}")
        raise IllegalTransitionError(action, current, why)
    return target


# The stored status an event leaves a credential in, for answering "what was its status at time T?".
STATUS_AFTER_EVENT: dict[str, StoredStatus] = {
    "credential_issued": "active",
    "credential_suspended": "suspended",
    "credential_reinstated": "active",
    "credential_revoked": "revoked",
    "credential_superseded": "superseded",
}

# The public name of each of those events (a credential's history: GET /v1/credentials/{id}/history).
PUBLIC_EVENT_NAMES: dict[str, str] = {kind: kind.removeprefix("credential_") for kind in STATUS_AFTER_EVENT}
PUBLIC_EVENTS = tuple(PUBLIC_EVENT_NAMES.values())


def status_at(events: list[tuple[str, dict[str, object]]]) -> tuple[StoredStatus | None, str | None]:
    """Replay (kind, data) events in order; return the stored status and public reason they leave behind."""
    status: StoredStatus | None = None
    reason: str | None = None
    for kind, data in events:
        if kind in STATUS_AFTER_EVENT:
            status = STATUS_AFTER_EVENT[kind]
            found = data.get("reason")
            reason = str(found) if isinstance(found, str) and kind != "credential_issued" else None
    return status, reason
