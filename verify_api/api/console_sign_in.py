"""Console sign-in and sign-out (services.staff_accounts, services.console_sessions).

The session cookie is HttpOnly, SameSite=Strict, Path=/console, Secure when PUBLIC_BASE_URL is https, and has no
Max-Age (it ends with the browser; the server ends it earlier by the idle and absolute limits). The sign-in form,
posted before any session exists, is protected by a pre-session token: a random value in a cookie of the same flags
and in the form, which must match (a double-submit token), on top of the same-origin check of every console form.

Beside the per-account lockout (services.staff_accounts), every sign-in attempt draws on its client address's budget
of CONSOLE_SIGN_IN_PER_MINUTE (services.rate_limits, the verification routes' machinery: counters shared by every
worker and instance; the client found through TRUSTED_PROXIES only, an IPv6 client by its /64), so one address
cannot spray passwords over many accounts. An attempt beyond it is refused before any password is checked (so it
counts against no account's lockout), with the answer every refusal gets.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery
from litestar.response import Redirect

from verify_api.api.auth import CONSOLE_SESSION_COOKIE
from verify_api.api.console import (
    CONSOLE_PATH,
    console_form,
    console_page,
    console_route,
    form_text,
    is_secure,
    safe_next,
)
from verify_api.api.deps import Conn, RuntimeDep
from verify_api.api.rate_limit import rate_limit_bucket
from verify_api.client_address import client_address
from verify_api.db.rate_limits import PostgresRateLimitStore, RedisRateLimitStore
from verify_api.errors import SignInRefusedError
from verify_api.services.console_sessions import end_session, open_session
from verify_api.services.rate_limits import RateLimiter
from verify_api.services.staff_accounts import sign_in

if TYPE_CHECKING:
    from verify_api.db.pool import Pool
    from verify_api.settings import Settings

log = logging.getLogger("verify_api")

SIGN_IN_COOKIE = "console_sign_in"
SIGN_IN_TOKEN_SECONDS = 3600
SIGN_IN_ROUTE_CLASS = "console-sign-in"  # its budgets' bucket prefix, apart from the verification routes'


def start_sign_in_limiter(settings: Settings, pool: Pool) -> RateLimiter:
    """The sign-in attempts' limiter (built by the lifespan, kept on app.state), on the verification routes' store.
    Leases of one token: a small budget is counted exactly across workers."""
    store = (
        RedisRateLimitStore(settings.redis_url, window_seconds=60)
        if settings.redis_url
        else PostgresRateLimitStore(pool)
    )
    return RateLimiter(store, limit=settings.console_sign_in_per_minute, window_seconds=60, lease_max=1)


async def sign_in_admitted(request: Request[Any, Any, Any], settings: Settings) -> bool:
    """Whether this attempt fits its client address's budget (it is counted either way)."""
    limiter: RateLimiter = request.app.state.sign_in_limiter
    client = client_address(request.scope, settings)
    if await limiter.admit(rate_limit_bucket(SIGN_IN_ROUTE_CLASS, client)) is None:
        return True
    log.warning("console sign-in: attempts from %s beyond CONSOLE_SIGN_IN_PER_MINUTE refused", client)
    return False


def console_cookie(request: Request[Any, Any, Any], key: str, value: str, *, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=CONSOLE_PATH,
        max_age=max_age,
        secure=is_secure(request),
        httponly=True,
        samesite="strict",
    )


def expired_cookie(request: Request[Any, Any, Any], key: str) -> Cookie:
    return console_cookie(request, key, "", max_age=0)


def sign_in_form(
    request: Request[Any, Any, Any], *, next_path: str, status_code: int = 200, **context: Any
) -> Response[Any]:
    """The form with a fresh pre-session token (in its cookie and its hidden field)."""
    token = secrets.token_urlsafe(32)
    page = console_page(
        request, "console/sign_in.html", status_code=status_code, sign_in_token=token, next=next_path, **context
    )
    page.cookies.append(console_cookie(request, SIGN_IN_COOKIE, token, max_age=SIGN_IN_TOKEN_SECONDS))
    return page


@console_route(get, "/sign-in", public=True)
async def sign_in_page(request: Request[Any, Any, Any], next: FromQuery[str] = CONSOLE_PATH) -> Response[Any]:
    """The form (also when signed in already: signing in again opens a new session and ends nothing)."""
    return sign_in_form(request, next_path=safe_next(next))


@console_route(post, "/sign-in", public=True, status_code=200)
async def sign_in_submission(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    form = await console_form(request, csrf=request.cookies.get(SIGN_IN_COOKIE, ""))
    email, next_path = form_text(form, "email"), safe_next(form_text(form, "next"))
    password = form.get("password")
    now = runtime.clock()
    try:
        if not await sign_in_admitted(request, runtime.settings):
            raise SignInRefusedError  # the answer of every refusal; no password is checked
        principal = await sign_in(conn, runtime.settings, email, password if isinstance(password, str) else "", now=now)
    except SignInRefusedError as exc:
        return sign_in_form(request, next_path=next_path, status_code=401, error=exc.detail, email=email[:254])
    opened = await open_session(conn, runtime.settings, principal, now=now)
    cookies = [console_cookie(request, CONSOLE_SESSION_COOKIE, opened.token), expired_cookie(request, SIGN_IN_COOKIE)]
    return Redirect(next_path, status_code=303, cookies=cookies)


@console_route(post, "/sign-out", scope="assess", status_code=200)
async def sign_out(request: Request[Any, Any, Any], conn: Conn) -> Response[Any]:
    await console_form(request)
    await end_session(conn, request.state.console_session)
    cookies = [expired_cookie(request, CONSOLE_SESSION_COOKIE)]
    return Redirect(f"{CONSOLE_PATH}/sign-in?next={CONSOLE_PATH}", status_code=303, cookies=cookies)


SIGN_IN_HANDLERS = [sign_in_page, sign_in_submission, sign_out]
