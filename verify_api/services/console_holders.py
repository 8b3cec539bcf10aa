"""A holder's history as the staff console shows it: the latest events of their credentials (issued, suspended,
renewed, ...) and their own corrections (`holder_changed`, with the old and new values: staff only), newest first,
each with its reason, private note and who acted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from verify_api.db.holder_history import HolderHistory

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.holder_history import HolderEvent
    from verify_api.db.pool import Connection

HISTORY_LIMIT = 100  # the page shows the latest; a credential's page has its whole history
FIELD_LABELS = {"displayName": "name", "email": "e-mail"}


@dataclass(frozen=True)
class HolderHistoryEntry:
    at: datetime
    kind: str
    credential_id: str | None
    reason: str | None
    note: str | None
    changes: list[str]  # a correction's "name: old → new"
    actor: str  # "staff a@b.org", "API key <name>", or "the service" (a rule, the CLI)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _changes(data: dict[str, Any]) -> list[str]:
    found = data.get("changes")
    if not isinstance(found, dict):
        return []
    return [
        f"{FIELD_LABELS.get(field, field)}: {change.get('old') or 'none'} → {change.get('new') or 'none'}"
        for field, change in found.items()
        if isinstance(change, dict)
    ]


def _entry(event: HolderEvent) -> HolderHistoryEntry:
    if event.staff_email:
        actor = f"staff {event.staff_email}"
    elif event.api_key_name:
        actor = f"API key {event.api_key_name}"
    else:
        actor = "the service"
    return HolderHistoryEntry(
        at=event.occurred_at,
        kind=event.kind.removeprefix("credential_"),
        credential_id=event.credential_id,
        reason=_text(event.data.get("reason")),
        note=_text(event.data.get("note")),
        changes=_changes(event.data),
        actor=actor,
    )


async def holder_history(conn: Connection, holder_id: UUID, *, limit: int = HISTORY_LIMIT) -> list[HolderHistoryEntry]:
    return [_entry(event) for event in await HolderHistory(conn).holder_events(holder_id, limit)]
