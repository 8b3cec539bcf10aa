"""W3C VC API (VCALM) `POST /credentials/status` as one command: set or clear a credential's status bit.

The bit is the lifecycle's: revocation true = revoke (final, so false afterwards is a 409), suspension true/false =
suspend or reinstate; the change, event and status-list version bump are the same as through /v1, and so are its
follow-ups (a PAI certification's organisation rules, the audit checkpoint), all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from verify_api.errors import CredentialNotFoundError, IllegalTransitionError
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.lifecycle import change_certification_status
from verify_api.services.transaction import run_in_transaction
from verify_api.services.transitions import StatusChange, apply_transition, current_status
from verify_api.services.vc_api import find_vc_api_credentials

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.domain.lifecycle import Action
    from verify_api.services.context import ServiceContext

StatusPurpose = Literal["revocation", "suspension"]

_ACTIONS: dict[tuple[str, bool], tuple[Action, str]] = {
    ("revocation", True): ("revoke", "administrative"),
    ("suspension", True): ("suspend", "administrative"),
    ("suspension", False): ("reinstate", "administrative"),
}
_NOTE = "via the VC API"


@dataclass(frozen=True)
class StatusBit:
    """The VC API's UpdateCredentialStatusRequest, as the service reads it, and who asks."""

    credential_id: str
    purpose: StatusPurpose
    status: bool
    actor: UUID | None = None


async def update_credential_status(conn: Connection, ctx: ServiceContext, bit: StatusBit, *, now: datetime) -> None:
    """Set or clear the bit of every credential `bit.credential_id` names, in one transaction.

    `credential_id` is a PAI credential's URL (or register id), or the id a credential POST /credentials/issue
    signed was issued under (credential.id or options.credentialId); a client may reuse one, and a revocation must
    reach every copy.
    """

    async def command() -> None:
        issued_here = await find_vc_api_credentials(conn, bit.credential_id)
        if issued_here:
            for register_id in issued_here:
                change = await _status_change(conn, register_id, bit)
                if change is not None:
                    await apply_transition(conn, register_id, change, now=now)
        else:
            register_id = _register_id(bit.credential_id, ctx.settings.base_url)
            change = await _status_change(conn, register_id, bit)
            if change is not None:
                await change_certification_status(conn, ctx, register_id, change, now=now)
        await checkpoint_after_write(conn, ctx, now=now)

    await run_in_transaction(conn, command)


def _register_id(credential_id: str, base_url: str) -> str:
    if credential_id.startswith("http") and not credential_id.startswith(f"{base_url}/"):
        raise CredentialNotFoundError(f"{credential_id} was not issued by this service")
    return credential_id.rstrip("/").rsplit("/", 1)[-1]


async def _status_change(conn: Connection, register_id: str, bit: StatusBit) -> StatusChange | None:
    """The lifecycle change that sets the bit as asked, or None when it already says so (a bit write is
    idempotent); clearing a revocation is a 409 (revocation is final)."""
    current = await current_status(conn, register_id)
    if (current == ("revoked" if bit.purpose == "revocation" else "suspended")) == bit.status:
        return None
    if (bit.purpose, bit.status) == ("revocation", False):
        raise IllegalTransitionError("clear the revocation bit of", current, "revocation is final")
    action, reason = _ACTIONS[(bit.purpose, bit.status)]
    return StatusChange(action, reason, _NOTE, bit.actor)
