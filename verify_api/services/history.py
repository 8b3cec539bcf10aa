"""A credential's public history, read from the hash-chained event log (notes and actors stay private)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.domain.codes import is_credential_id
from verify_api.domain.lifecycle import PUBLIC_EVENT_NAMES
from verify_api.errors import CredentialNotFoundError

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection

_PUBLIC_NAMES = PUBLIC_EVENT_NAMES


@dataclass(frozen=True)
class PublicEvent:
    at: datetime
    event: str
    reason: str | None


async def credential_history(conn: Connection, credential_id: str) -> list[PublicEvent]:
    if not is_credential_id(credential_id) or await Credentials(conn).get(credential_id) is None:
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    events = await Events(conn).credential_events(credential_id)
    return [
        PublicEvent(
            at=e.occurred_at,
            event=_PUBLIC_NAMES[e.kind],
            reason=str(e.data["reason"]) if isinstance(e.data.get("reason"), str) else None,
        )
        for e in events
        if e.kind in _PUBLIC_NAMES
    ]
