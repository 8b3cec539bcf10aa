"""Status changes (scope `manage`), a credential's public history, and the published status lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from verify_api.api.admin import issued_view
from verify_api.api.cors import allow_any_origin
from verify_api.api.deps import Call, Conn, public_read_connection, runtime_of
from verify_api.api.media_types import negotiate_credential_media_type
from verify_api.api.routes import public, scoped
from verify_api.domain.dates import http_date
from verify_api.domain.instant import utc_instant
from verify_api.domain.lifecycle import Action
from verify_api.schemas import (
    CredentialHistoryView,
    CredentialView,
    HistoryEntry,
    IssuedCredentialView,
    StatusChangeRequest,
)
from verify_api.services import lifecycle, lookup
from verify_api.services.history import credential_history
from verify_api.services.status_lists import cached_status_list, published_status_list
from verify_api.services.transitions import StatusChange


def _status_change_route(action: Action, operation_id: str, summary: str, description: str) -> HTTPRouteHandler:
    """POST /credentials/{id}/<action>: the one adapter over `lifecycle.change_status` for each status change."""

    async def change(
        conn: Conn, call: Call, credential_id: FromPath[str], data: JSONBody[StatusChangeRequest]
    ) -> CredentialView:
        change = StatusChange(action, data.reason, data.note, call.actor)
        await lifecycle.change_status(conn, call.ctx, credential_id, change, now=call.now)
        return await lookup.lookup_credential(conn, call.ctx, credential_id, now=call.now)  # read after the commit

    change.__name__ = change.__qualname__ = f"{action}_credential"
    path = f"/credentials/{{credential_id:str}}/{action}"
    return scoped(
        post,
        path,
        scope="manage",
        operation_id=operation_id,
        status_code=200,
        summary=summary,
        description=description,
        problems=[409],
    )(change)


suspend_credential = _status_change_route(
    "suspend",
    "SuspendCredential",
    "Suspend a credential",
    "Suspend an active credential. Reasons: under_investigation, holder_request, "
    "governance_review_overdue, staff_below_minimum, administrative.",
)
reinstate_credential = _status_change_route(
    "reinstate",
    "ReinstateCredential",
    "Reinstate a suspended credential",
    "Reinstate a suspended credential. Reasons: investigation_cleared, requirement_met, issued_in_error, "
    "administrative.",
)
revoke_credential = _status_change_route(
    "revoke",
    "RevokeCredential",
    "Revoke a credential (final)",
    "Revoke a credential; final. Reasons: issued_in_error, misconduct, assessment_invalidated, "
    "holder_request, key_compromise, administrative.",
)


@scoped(
    post,
    "/credentials/{credential_id:str}/renew",
    scope="manage",
    operation_id="RenewCredential",
    status_code=HTTP_201_CREATED,
    summary="Renew a credential (issue its successor)",
    problems=[409],
    description="Issue a successor with fresh dates (the tier's rule is checked again); the old credential becomes "
    "superseded and its links and verification code resolve to the new one. Reasons: recertified, "
    "details_corrected, key_rotation, governance_review_recorded, administrative.",
)
async def renew_credential(
    conn: Conn, call: Call, credential_id: FromPath[str], data: JSONBody[StatusChangeRequest]
) -> Response[IssuedCredentialView]:
    change = StatusChange("renew", data.reason, data.note, call.actor)
    record = await lifecycle.renew_credential(conn, call.ctx, credential_id, change, now=call.now)
    view = issued_view(record, call.ctx.settings.base_url)
    return Response(view, status_code=HTTP_201_CREATED, headers={"Location": view.url})


@public(
    get,
    "/credentials/{credential_id:str}/history",
    operation_id="GetCredentialHistory",
    summary="A credential's history",
    description="Every issuance and status change of the credential, from the tamper-evident event log.",
)
async def get_history(conn: Conn, credential_id: FromPath[str]) -> CredentialHistoryView:
    events = await credential_history(conn, credential_id)
    return CredentialHistoryView(
        id=credential_id, events=[HistoryEntry(at=e.at, event=e.event, reason=e.reason) for e in events]
    )


@public(
    get,
    "/status-lists/{list_id:str}",
    operation_id="GetStatusList",
    media_type="application/vc",
    summary="A published status list",
    description="A signed BitstringStatusListCredential (W3C Bitstring Status List v1.0) that credentials' "
    "`credentialStatus` entries point to. With `timestamp`, the list as it was at that time. Answers 304 to a "
    "matching If-None-Match.",
    problems=[422],
    responses={304: ResponseSpec(data_container=None, description="The list has not changed (If-None-Match).")},
    after_request=allow_any_origin,
)
async def get_status_list(
    request: Request[Any, Any, Any],
    state: State,
    list_id: FromPath[str],
    timestamp: Annotated[datetime | None, QueryParameter(name="timestamp", required=False)] = None,
) -> Response[bytes]:
    # Runtime, clock and connection from state, as GET /v1/credentials/{id}: the current list is served from memory
    # (services.status_lists.cached_status_list) and then needs no connection at all.
    runtime = runtime_of(state)
    now = runtime.clock()
    at = utc_instant(timestamp, what="timestamp") if timestamp is not None else None
    published = cached_status_list(runtime, list_id, now) if at is None else None
    if published is None:
        async with public_read_connection(runtime) as conn:
            published = await published_status_list(conn, runtime, list_id, now=now, at=at)
    # no-cache: caches may keep it but must revalidate (ETag) every time, so a change is visible at once.
    headers = {
        "ETag": published.etag,
        "Cache-Control": "public, max-age=86400, immutable" if published.historical else "public, no-cache",
        "Last-Modified": http_date(published.last_modified),
    }
    headers["Vary"] = "Accept"
    if request.headers.get("if-none-match") == published.etag:
        return Response(b"", status_code=304, headers=headers)
    media_type = negotiate_credential_media_type(request.headers.get("accept"))
    return Response(published.body, media_type=media_type, headers=headers)


LIFECYCLE_HANDLERS = [
    suspend_credential,
    reinstate_credential,
    revoke_credential,
    renew_credential,
    get_history,
    get_status_list,
]
