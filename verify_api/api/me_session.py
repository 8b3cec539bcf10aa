"""The signed-in holder of a request (services.holder_sessions): their session cookie, read once per request.

The cookie (`HOLDER_SESSION_COOKIE`) is HttpOnly, SameSite=Lax (a holder arrives from the link in their e-mail, a
top-level navigation from another site, and must be signed in there), Path=/ (the /me pages and the wallet consent
pages share it), Secure when PUBLIC_BASE_URL is https, and has no Max-Age: it ends with the browser, and the server
ends it earlier by the idle and absolute limits.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from verify_api.api.deps import runtime_of
from verify_api.services.holder_sessions import HOLDER_SESSION_COOKIE, HolderSession, resume_holder_session

_STATE_KEY = "holder_session"
_UNSET = object()


def is_secure_origin(request: Request[Any, Any, Any]) -> bool:
    """Cookies are Secure when the service is served over https: PUBLIC_BASE_URL says how browsers reach it (behind a
    TLS-terminating proxy the socket itself is plain http)."""
    return bool(runtime_of(request.app.state).settings.base_url.startswith("https://"))


def holder_cookie(request: Request[Any, Any, Any], value: str, *, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=HOLDER_SESSION_COOKIE,
        value=value,
        path="/",
        max_age=max_age,
        secure=is_secure_origin(request),
        httponly=True,
        samesite="lax",
    )


def expired_holder_cookie(request: Request[Any, Any, Any]) -> Cookie:
    return holder_cookie(request, "", max_age=0)


async def signed_in_holder(request: Request[Any, Any, Any]) -> HolderSession | None:
    """The live session of the request's holder cookie, or None; looked up once per request (kept on its state)."""
    cached = getattr(request.state, _STATE_KEY, _UNSET)
    if cached is not _UNSET:
        return cached if isinstance(cached, HolderSession) else None
    token = request.cookies.get(HOLDER_SESSION_COOKIE, "")
    session: HolderSession | None = None
    if token:
        runtime = runtime_of(request.app.state)
        assert runtime.pool is not None
        async with runtime.pool.acquire() as conn:
            session = await resume_holder_session(conn, runtime.settings, token, now=runtime.clock())
    setattr(request.state, _STATE_KEY, session)
    return session
