"""Bearer API-key guard. Each admin route names the scope it needs (api.routes `scoped`: `opt={"scope": ...}`); the
principal it authenticates is what api.deps hands a write route's command as its actor. A revoked or expired key is
refused (401) with a detail that says so, once its secret matched (services.api_clients)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from verify_api.api.deps import runtime_of
from verify_api.errors import AuthenticationError, PermissionDeniedError
from verify_api.services.api_clients import authenticate


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
    accepted = (scope,) if isinstance(scope, str) else tuple(scope)  # a staff read takes any of its scopes
    if not any(s in principal.scopes for s in accepted):
        needed = " or ".join(repr(s) for s in accepted)
        raise PermissionDeniedError(f"this operation needs the {needed} scope; the key has {sorted(principal.scopes)}")
    connection.state.principal = principal
