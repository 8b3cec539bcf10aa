"""W3C VC API (VCALM) `POST /credentials/status`: set or clear a credential's status bit (scope `manage`).

Request per the VC API's UpdateCredentialStatusRequest: `{credentialId, credentialStatus: {type, statusPurpose},
status: bool}`; 200 when updated, 400 for a malformed request, 404 for an unknown credential. The change is one
command, services.vc_status.update_credential_status; this adapter parses the request and shapes the answer.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import post
from litestar.params import JSONBody

from verify_api.api.deps import Call, Conn
from verify_api.api.openapi_examples import EXAMPLE_CREDENTIAL_ID
from verify_api.api.routes import example, scoped
from verify_api.domain.status_list import StatusPurpose
from verify_api.services.vc_status import StatusBit
from verify_api.services.vc_status import update_credential_status as update_status_bit


class CredentialStatusEntry(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    type: str
    status_purpose: StatusPurpose
    id: str | None = None
    status_list_index: str | None = None
    status_list_credential: str | None = None


class UpdateCredentialStatusRequest(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    credential_id: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    credential_status: CredentialStatusEntry
    status: bool


class UpdateCredentialStatusResponse(msgspec.Struct, rename="camel"):
    credential_id: str
    status_purpose: StatusPurpose
    status: bool


@scoped(
    post,
    "/credentials/status",
    scope="manage",
    operation_id="VcApiUpdateCredentialStatus",
    tags=["vc-api"],
    status_code=200,
    summary="Set or clear a credential's status (VC API)",
    description="W3C VC API `POST /credentials/status`: set (status true) or clear (false) a credential's "
    "revocation or suspension status bit; the change is recorded in the credential's history.",
    problems=[404, 409],
    body_examples=[
        example(
            "Suspend",
            UpdateCredentialStatusRequest(
                credential_id=EXAMPLE_CREDENTIAL_ID,
                credential_status=CredentialStatusEntry(type="BitstringStatusListEntry", status_purpose="suspension"),
                status=True,
            ),
        ),
        example(
            "Revoke",
            UpdateCredentialStatusRequest(
                credential_id=EXAMPLE_CREDENTIAL_ID,
                credential_status=CredentialStatusEntry(type="BitstringStatusListEntry", status_purpose="revocation"),
                status=True,
            ),
        ),
    ],
)
async def update_credential_status(
    conn: Conn, call: Call, data: JSONBody[UpdateCredentialStatusRequest]
) -> UpdateCredentialStatusResponse:
    purpose = data.credential_status.status_purpose
    bit = StatusBit(data.credential_id, purpose, data.status, actor=call.actor)
    await update_status_bit(conn, call.ctx, bit, now=call.now)
    return UpdateCredentialStatusResponse(credential_id=data.credential_id, status_purpose=purpose, status=data.status)
