"""W3C VC API (VCALM) `POST /credentials/status`: set or clear a credential's status bit (scope `manage`).

Request per the VC API's UpdateCredentialStatusRequest: `{credentialId, credentialStatus: {type, statusPurpose},
status: bool}`; 200 when updated, 400 for a malformed request, 404 for an unknown credential. The bit is the
lifecycle's: revocation true = revoke (final, so false afterwards is a 409), suspension true/false = suspend or
reinstate; the change, event and status-list version bump are the same as through /v1. `credentialId` is a PAI
credential's URL (or register id), or the id a credential POST /credentials/issue signed was issued under
(credential.id or options.credentialId).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, post
from litestar.params import JSONBody

from verify_api.api.auth import principal_of
from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.db.pool import Connection
from verify_api.domain.lifecycle import Action
from verify_api.errors import CredentialNotFoundError, IllegalTransitionError
from verify_api.services import audit, lifecycle, organization_rules, vc_api


class CredentialStatusEntry(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    type: str
    status_purpose: Literal["revocation", "suspension"]
    id: str | None = None
    status_list_index: str | None = None
    status_list_credential: str | None = None


class UpdateCredentialStatusRequest(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    credential_id: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    credential_status: CredentialStatusEntry
    status: bool


class UpdateCredentialStatusResponse(msgspec.Struct, rename="camel"):
    credential_id: str
    status_purpose: str
    status: bool


_ACTIONS: dict[tuple[str, bool], tuple[Action, str]] = {
    ("revocation", True): ("revoke", "administrative"),
    ("suspension", True): ("suspend", "administrative"),
    ("suspension", False): ("reinstate", "administrative"),
}


@post(
    "/credentials/status",
    opt={"scope": "manage"},
    security=[{"apiKey": []}],
    operation_id="VcApiUpdateCredentialStatus",
    tags=["vc-api"],
    status_code=200,
    description="VC API: set (status true) or clear (false) a credential's revocation or suspension status.",
)
async def update_credential_status(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    now: Now,
    data: JSONBody[UpdateCredentialStatusRequest],
) -> UpdateCredentialStatusResponse:
    purpose = data.credential_status.status_purpose
    actor = principal_of(request).client_id
    issued_here = await vc_api.find_vc_api_credentials(conn, data.credential_id)
    if issued_here:
        # Every credential issued under this id (a client may reuse one): a revocation must reach every copy.
        async with conn.transaction():
            for register_id in issued_here:
                change = await _status_change(conn, register_id, purpose, data.status)
                if change is not None:
                    await lifecycle.apply_transition(
                        conn, register_id, change[0], reason=change[1], note="via the VC API", now=now, actor=actor
                    )
    else:
        if data.credential_id.startswith("http") and not data.credential_id.startswith(f"{runtime.settings.base_url}/"):
            raise CredentialNotFoundError(f"{data.credential_id} was not issued by this service")
        register_id = data.credential_id.rstrip("/").rsplit("/", 1)[-1]
        change = await _status_change(conn, register_id, purpose, data.status)
        if change is not None:
            await lifecycle.change_status(
                conn, register_id, change[0], reason=change[1], note="via the VC API", now=now, actor=actor
            )
            await organization_rules.evaluate_after_change(
                conn, register_id, key=runtime.issuer_key, settings=runtime.settings, now=now
            )
    await audit.checkpoint_if_due(conn, runtime.issuer_key, every=runtime.settings.audit_checkpoint_every, now=now)
    return UpdateCredentialStatusResponse(credential_id=data.credential_id, status_purpose=purpose, status=data.status)


async def _status_change(conn: Connection, register_id: str, purpose: str, status: bool) -> tuple[Action, str] | None:
    """The lifecycle action that sets the bit as asked, or None when it already says so (a bit write is
    idempotent); clearing a revocation is a 409 (revocation is final)."""
    current = await lifecycle.current_status(conn, register_id)
    if (current == ("revoked" if purpose == "revocation" else "suspended")) == status:
        return None
    if (purpose, status) == ("revocation", False):
        raise IllegalTransitionError("clear the revocation bit of", current, "revocation is final")
    return _ACTIONS[(purpose, status)]
