"""Staff and holders' privacy choices (issue 13): PATCH /v1/holders/{id}/privacy (scope `manage`), over
services.holder_privacy, the command /me uses. GET /v1/holders/{id} shows the choices (`privacy`)."""

from __future__ import annotations

from uuid import UUID

from litestar import patch
from litestar.params import FromPath, JSONBody

from verify_api.api.deps import Call, Conn
from verify_api.api.routes import example, scoped
from verify_api.holder_privacy_schemas import HolderPrivacyChange, HolderPrivacyView
from verify_api.services.holder_privacy import change_privacy


@scoped(
    patch,
    "/holders/{holder_id:uuid}/privacy",
    scope="manage",
    operation_id="ChangeHolderPrivacy",
    status_code=200,
    summary="Change a holder's privacy choices",
    description="The choices the holder makes on their own page (`/me`): `publicListing` (listed in the public "
    "directory), `indexable` (search engines may index their badge pages), and per credential `listed` and "
    "`indexable`, which narrow the account's. Members left out stay as they are. A change is never silent: it is "
    "recorded as a `holder_changed` event (`by: staff`, with the old and new values), which the holder sees in "
    "the history on their page and the event feed carries as `holder.changed`.",
    problems=[404, 422],
    body_examples=[
        example("Take a holder out of the directory", HolderPrivacyChange(public_listing=False)),
    ],
)
async def change_holder_privacy(
    conn: Conn, call: Call, holder_id: FromPath[UUID], data: JSONBody[HolderPrivacyChange]
) -> HolderPrivacyView:
    return await change_privacy(conn, call.ctx, holder_id, data, now=call.now, by="staff", actor=call.actor)


HOLDER_PRIVACY_HANDLERS = [change_holder_privacy]
