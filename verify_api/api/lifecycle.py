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
from verify_api.api.routes import BodyExample, example, public, scoped
from verify_api.domain.dates import http_date
from verify_api.domain.instant import utc_instant
from verify_api.domain.lifecycle import REASONS, Action
from verify_api.schemas import (
    STATUS_CHANGE_REQUESTS,
    CredentialHistoryView,
    CredentialView,
    HistoryEntry,
    IssuedCredentialView,
    RenewCredentialRequest,
    StatusChangeRequest,
)
from verify_api.services import lifecycle, lookup
from verify_api.services.history import credential_history
from verify_api.services.status_lists import cached_status_list, published_status_list
from verify_api.services.transitions import StatusChange


def _reasons_of(action: Action) -> str:
    return f"Reasons: {', '.join(REASONS[action])}; any other is a 422 naming these."


ActionBody = StatusChangeRequest  # for the type checker; each route reads its action's subclass (signature_namespace)


def _status_change_route(
    action: Action, operation_id: str, summary: str, description: str, examples: list[BodyExample]
) -> HTTPRouteHandler:
    """POST /credentials/{id}/<action>: the one adapter over `lifecycle.change_status` for each status change, with
    the action's own body (schemas.STATUS_CHANGE_REQUESTS: its reason codes as the enum)."""

    async def change(
        conn: Conn, call: Call, credential_id: FromPath[str], data: JSONBody[ActionBody]
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
        description=f"{description} {_reasons_of(action)}",
        problems=[409],
        body_examples=examples,
        # `ActionBody` is read as the action's own body (its reasons as the enum): decoded, and documented, as that.
        signature_namespace={"ActionBody": STATUS_CHANGE_REQUESTS[action]},
    )(change)


suspend_credential = _status_change_route(
    "suspend",
    "SuspendCredential",
    "Suspend a credential",
    "Suspend an active credential.",
    [
        example(
            "Suspend pending an investigation",
            STATUS_CHANGE_REQUESTS["suspend"](reason="under_investigation", note="complaint 2026-114 received"),
        ),
        example("Suspend at the holder's request", STATUS_CHANGE_REQUESTS["suspend"](reason="holder_request")),
    ],
)
reinstate_credential = _status_change_route(
    "reinstate",
    "ReinstateCredential",
    "Reinstate a suspended credential",
    "Reinstate a suspended credential.",
    [
        example(
            "Reinstate after the investigation cleared the holder",
            STATUS_CHANGE_REQUESTS["reinstate"](reason="investigation_cleared", note="complaint 2026-114 closed"),
        )
    ],
)
revoke_credential = _status_change_route(
    "revoke",
    "RevokeCredential",
    "Revoke a credential (final)",
    "Revoke a credential; final.",
    [
        example(
            "Revoke a credential issued in error",
            STATUS_CHANGE_REQUESTS["revoke"](reason="issued_in_error", note="issued to the wrong holder record"),
        )
    ],
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
    f"superseded and its links and verification code resolve to the new one. {_reasons_of('renew')}",
    body_examples=[
        example("Renew after recertification", RenewCredentialRequest(reason="recertified", note="exam 2027 passed"))
    ],
)
async def renew_credential(
    conn: Conn, call: Call, credential_id: FromPath[str], data: JSONBody[RenewCredentialRequest]
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
