"""A credential as the staff console shows it: the public view (the one judgement, services.lookup), its stored
status (which actions apply), and its whole history from the event log with reasons, notes and who acted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from verify_api.db.staff_accounts import StaffAccounts
from verify_api.domain.lifecycle import REASONS, TRANSITIONS, Action
from verify_api.services import lookup
from verify_api.services.transitions import current_status

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.schemas import CredentialView
    from verify_api.services.context import ServiceContext

ACTIONS: tuple[Action, ...] = ("suspend", "reinstate", "revoke", "renew")


@dataclass(frozen=True)
class StaffHistoryEntry:
    at: datetime
    kind: str
    reason: str | None
    note: str | None
    actor: str  # "staff a@b.org", "API key <name>", or "the service" (a rule, the CLI)


@dataclass(frozen=True)
class StaffCredential:
    view: CredentialView
    stored_status: str
    actions: dict[Action, tuple[str, ...]]  # the actions its stored status allows, with their reasons
    history: list[StaffHistoryEntry]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def staff_credential(
    conn: Connection, ctx: ServiceContext, credential_id: str, *, now: datetime
) -> StaffCredential:
    view = await lookup.lookup_credential(conn, ctx, credential_id, now=now)  # CredentialNotFoundError
    stored = await current_status(conn, view.id)
    actions = {action: REASONS[action] for action in ACTIONS if stored in TRANSITIONS[action][0]}
    history = [
        StaffHistoryEntry(
            at=event.occurred_at,
            kind=event.kind.removeprefix("credential_"),
            reason=_text(event.data.get("reason")),
            note=_text(event.data.get("note")),
            actor=f"staff {event.staff_email}"
            if event.staff_email
            else f"API key {event.api_key_name}"
            if event.api_key_name
            else "the service",
        )
        for event in await StaffAccounts(conn).credential_history(view.id)
    ]
    return StaffCredential(view=view, stored_status=stored, actions=actions, history=history)
