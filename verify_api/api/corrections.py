"""Corrections (issue 11): PATCH a holder's name or e-mail, and re-issue the credentials that carry the old name
(scope `manage`). Adapters over services.corrections, which the console and `verify-api holders correct` call."""

from __future__ import annotations

from uuid import UUID

from litestar import patch, post
from litestar.params import FromPath, JSONBody

from verify_api.api.admin import IdempotencyKey
from verify_api.api.deps import Call, Conn
from verify_api.api.routes import example, scoped
from verify_api.services import corrections
from verify_api.staff_schemas import HolderChangeRequest, HolderReissueView, ReissueRequest, StaffHolderView


@scoped(
    patch,
    "/holders/{holder_id:uuid}",
    scope="manage",
    operation_id="CorrectHolder",
    status_code=200,
    summary="Correct a holder's name or e-mail",
    description="Change `displayName` and/or `email` (JSON merge patch: a member left out stays as it is, "
    '`"email": null` removes the e-mail). Recorded in the event log as `holder_changed` with the old and new '
    "values (never in a public answer). An e-mail another holder has is a 409. Credentials keep the name they were "
    "signed with: `POST /v1/holders/{id}/reissue` puts the new name on newly signed ones.",
    problems=[409],
    body_examples=[
        example("Correct a misspelt name", HolderChangeRequest(display_name="Ada King Lovelace")),
        example("Change the e-mail", HolderChangeRequest(email="ada.lovelace@example.org")),
    ],
)
async def correct_holder(
    conn: Conn, call: Call, holder_id: FromPath[UUID], data: JSONBody[HolderChangeRequest]
) -> StaffHolderView:
    return await corrections.change_holder(conn, call.ctx, holder_id, data, now=call.now, actor=call.actor)


@scoped(
    post,
    "/holders/{holder_id:uuid}/reissue",
    scope="manage",
    operation_id="ReissueHolderCredentials",
    status_code=200,
    summary="Re-issue a holder's credentials under their current name",
    description="Renew, with reason `details_corrected`, every valid credential of the holder that carries another "
    "name than the holder's current one: each successor is newly signed with the current name (and fresh dates; "
    "the tier's rule is checked again), the old one becomes superseded and its verification code, `current` link "
    "and pages resolve to the new one. One result per credential: `reissued` with `newCredentialId`, or "
    "`not_reissued` with the problem (e.g. a suspended credential, or a rule no longer met). Calling it again "
    "re-issues nothing more; with an Idempotency-Key a retry answers the first call's results (the same key with "
    "another body is a 409).",
    problems=[409],
    body_examples=[example("After a name correction", ReissueRequest(note="name misspelt at the exam session"))],
)
async def reissue_holder(
    conn: Conn,
    call: Call,
    holder_id: FromPath[UUID],
    data: JSONBody[ReissueRequest],
    idempotency_key: IdempotencyKey = None,
) -> HolderReissueView:
    origin = corrections.ReissueOrigin(actor=call.actor, idempotency_key=idempotency_key, note=data.note)
    return await corrections.reissue_holder(conn, call.ctx, holder_id, now=call.now, origin=origin)


CORRECTION_HANDLERS = [correct_holder, reissue_holder]
