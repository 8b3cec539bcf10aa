"""Bearer API-key guard. Each admin route names the scope it needs (api.routes `scoped`: `opt={"scope": ...}`); the
principal it authenticates is what api.deps hands a write route's command as its actor. A revoked or expired key is
refused (401) with a detail that says so, once its secret matched (services.api_clients).

The staff console's pages (api/console.py) name their scope the same way and are guarded by
`require_console_scope`: the actor is the signed-in staff member (their console session cookie,
services.console_sessions), whose role stands for a set of the same scopes (services.staff_accounts.ROLES). Both
guards decide with `check_scope`, so a role and a key with the same scopes may do the same things."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from verify_api.api.deps import runtime_of
from verify_api.errors import AuthenticationError, PermissionDeniedError
from verify_api.services.api_clients import authenticate
from verify_api.services.console_sessions import resume_session

CONSOLE_SESSION_COOKIE = "console_session"


def check_scope(scope: str | tuple[str, ...], granted: frozenset[str], *, holder: str) -> None:
    """The one scope check of API keys and console roles: `scope` (or, for a tuple such as a staff read's, any one
    of them) must be among those `holder` was granted."""
    accepted = (scope,) if isinstance(scope, str) else scope
    if not any(s in granted for s in accepted):
        needed = " or ".join(repr(s) for s in accepted)
        raise PermissionDeniedError(f"this operation needs the {needed} scope; {holder} has {sorted(granted)}")


async def require_scope(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard for every /v1 route: public ones name no scope; a test asserts every write route names one."""
    scope = handler.opt.get("scope")
    if scope is None:
        return
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send the API key as `Authorization: Bearer <key>`")
    runtime = runtime_of(connection.app.state)
    assert runtime.pool is not None
    async with runtime.pool.acquire() as conn:
        principal = await authenticate(conn, token.strip(), now=runtime.clock())
    check_scope(scope, principal.scopes, holder="the key")
    connection.state.principal = principal


async def require_console_scope(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard of the /console pages: the sign-in pages say `opt={"public": True}`; every other page names a scope,
    which the signed-in staff member's role must include. No live session: AuthenticationError (the console sends
    the browser to its sign-in page). Sets `state.console_session` and `state.principal` (the actor)."""
    if handler.opt.get("public") is True:
        return
    scope = handler.opt.get("scope")
    if scope is None:
        raise PermissionDeniedError("this console page names no scope, so nobody may use it")
    runtime = runtime_of(connection.app.state)
    assert runtime.pool is not None
    token = connection.cookies.get(CONSOLE_SESSION_COOKIE, "")
    async with runtime.pool.acquire() as conn:
        session = await resume_session(conn, runtime.settings, token, now=runtime.clock())
    if session is None:
        raise AuthenticationError("sign in to the console first (no session, or it has ended)")
    connection.state.console_session = session  # before the check: a refusal is a page in the signed-in frame
    check_scope(scope, session.principal.scopes, holder=f"the {session.principal.role} role")
    connection.state.principal = session.principal
