"""The console's API keys page (scope `manage`): list, create, revoke, through services.api_clients, as the API's
/v1/api-keys routes. A new key's secret is shown once, on the page that answers the creating POST (not after a
redirect: the secret is never stored, so no later page could show it), with Cache-Control: no-store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from verify_api.api.console import CONSOLE_PATH, actor_of, console_form, console_page, console_route, form_text
from verify_api.api.deps import Conn, RuntimeDep
from verify_api.api.problems import problem_for
from verify_api.errors import ApiKeyNotFoundError, InvalidInputError, VerifyApiError
from verify_api.services import api_clients

MAX_EXPIRY_DAYS = 3650
DONE = {"revoked": "The API key was revoked; it stops working at once."}


async def api_keys_page(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, *, status_code: int = 200, **context: Any
) -> Template:
    now = runtime.clock()
    keys = [(key, api_clients.api_key_status(key, now)) for key in await api_clients.list_api_keys(conn)]
    defaults: dict[str, Any] = {"created": None, "scopes": api_clients.SCOPES}
    return console_page(
        request,
        "console/api_keys.html",
        status_code=status_code,
        section="api-keys",
        keys=keys,
        **(defaults | context),
    )


@console_route(get, "/api-keys", scope="manage")
async def console_api_keys(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, done: FromQuery[str] = ""
) -> Template:
    return await api_keys_page(request, conn, runtime, notice=DONE.get(done))


def _expiry_days(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_EXPIRY_DAYS:
        raise InvalidInputError(f"expiry must be a whole number of days from 1 to {MAX_EXPIRY_DAYS}, or empty")
    return int(text)


@console_route(post, "/api-keys", scope="manage", status_code=200)
async def console_create_api_key(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Template:
    form = await console_form(request)
    now = runtime.clock()
    scopes = [s for s in form.getall("scopes", []) if isinstance(s, str)]
    try:
        days = _expiry_days(form_text(form, "expires_in_days"))
        issued = await api_clients.issue_api_key(
            conn,
            form_text(form, "name"),
            scopes,
            now=now,
            expires_at=now + timedelta(days=days) if days else None,
            actor=actor_of(request).staff_id,
        )
    except InvalidInputError as exc:
        return await api_keys_page(request, conn, runtime, status_code=422, error=exc.detail)
    return await api_keys_page(request, conn, runtime, created=issued)


@console_route(post, "/api-keys/{key_id:str}/revoke", scope="manage", status_code=200)
async def console_revoke_api_key(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, key_id: FromPath[str]
) -> Response[Any]:
    try:
        key = UUID(key_id)
    except ValueError:
        raise ApiKeyNotFoundError(f"no API key has the id {key_id[:40]!r}") from None
    await console_form(request)
    try:
        await api_clients.revoke_api_key(conn, key, now=runtime.clock(), actor=actor_of(request).staff_id)
    except ApiKeyNotFoundError:
        raise
    except VerifyApiError as exc:
        status, _, title = problem_for(exc)
        if status >= 500:
            raise
        return await api_keys_page(request, conn, runtime, status_code=status, error=f"{title}: {exc.detail}")
    return Redirect(f"{CONSOLE_PATH}/api-keys?done=revoked", status_code=303)


API_KEY_HANDLERS = [console_api_keys, console_create_api_key, console_revoke_api_key]
