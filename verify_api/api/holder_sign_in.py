"""Holders' sign-in and sign-out pages (services.holder_sign_in, services.holder_sessions).

GET /me/sign-in shows the form; POST /me/sign-in asks for a link and always answers the same page ("if an account
uses that address, a link is on its way"), known address or not, before the address is even looked up (the link is
made by the answer's background task). The e-mailed link is GET /me/sign-in/link?token=..., which only shows a Sign
in button (a mail scanner that fetches it uses nothing up); its POST uses the link and sets the session cookie
(api.me_session). POST /me/sign-out ends the session.

`next=` (on the sign-in page, carried by its form into the e-mailed link and by the link's page into its form) is
where the holder goes once signed in: a path on this site only (services.holder_sign_in.same_origin_path), else
/me. A signed-out holder sent to a page that needs a session comes back with it (api.me_frame), as does one a wallet
sent to the Open Badges API's authorization page (api.ob_api).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect

from verify_api.api.deps import Conn, RuntimeDep
from verify_api.api.me_frame import (
    ME_PATH,
    SIGN_IN_PATH,
    form_text,
    me_form,
    me_page,
    pre_session_cookie,
    require_holder,
    with_pre_session_token,
)
from verify_api.api.me_session import expired_holder_cookie, holder_cookie, signed_in_holder
from verify_api.client_address import client_address
from verify_api.errors import HolderLinkInvalidError
from verify_api.services.holder_sessions import end_holder_session
from verify_api.services.holder_sign_in import (
    MAX_NEXT_CHARS,
    make_sign_in_link_after_answer,
    request_sign_in_link,
    same_origin_path,
    sign_in_link_address,
    sign_in_with_link,
)

MAX_TOKEN_CHARS = 100
NextQuery = Annotated[str, QueryParameter(name="next")]


def next_of(value: str) -> str | None:
    return same_origin_path(value[: MAX_NEXT_CHARS + 1])


@get("/sign-in", include_in_schema=False)
async def sign_in_page(request: Request[Any, Any, Any], next_path: NextQuery = "") -> Response[Any]:
    """The form (also when signed in already: a new link opens a new session)."""
    await signed_in_holder(request)
    page = me_page(request, "me/sign_in.html", email="", next_path=next_of(next_path))
    return with_pre_session_token(request, page)


@post("/sign-in", include_in_schema=False, status_code=200, opt={"public": True})
async def sign_in_submission(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """The same answer for any address, sent before the address is looked up: the link is made after it."""
    form = await me_form(request, pre_session=True)
    email = form_text(form, "email")
    client = client_address(request.scope, runtime.settings)
    next_path = next_of(form_text(form, "next"))
    asked = await request_sign_in_link(conn, runtime, email, client=client, now=runtime.clock(), next_path=next_path)
    minutes = runtime.settings.holder_sign_in_link_minutes
    page = me_page(request, "me/sign_in_sent.html", minutes=minutes, next_path=next_path)
    assert runtime.pool is not None, "the lifespan creates the pool before any request"
    page.background = BackgroundTask(make_sign_in_link_after_answer, runtime.pool, runtime, asked)
    return with_pre_session_token(request, page)


@get("/sign-in/link", include_in_schema=False)
async def sign_in_link_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    token: FromQuery[str] = "",
    next_path: NextQuery = "",
) -> Response[Any]:
    """The e-mailed link: the link is read, not used (so a prefetch burns nothing); a button posts it."""
    token = token[: MAX_TOKEN_CHARS + 1]
    address = await sign_in_link_address(conn, token, now=runtime.clock())
    page = me_page(request, "me/sign_in_link.html", token=token, next_path=next_of(next_path), address=address)
    return with_pre_session_token(request, page)


@post("/sign-in/link", include_in_schema=False, status_code=200, opt={"public": True})
async def sign_in_link_submission(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """Use the link, open the session, and go where `next` says (a path on this site), else to /me."""
    form = await me_form(request, pre_session=True)
    token = form_text(form, "token")
    if not token:
        raise HolderLinkInvalidError()
    previous = await signed_in_holder(request)
    opened = await sign_in_with_link(conn, runtime, token, now=runtime.clock())
    if previous is not None:  # this browser's earlier session (perhaps another holder's) ends: its cookie goes
        await end_holder_session(conn, previous)
    cookies = [holder_cookie(request, opened.token), pre_session_cookie(request, "", max_age=0)]
    return Redirect(next_of(form_text(form, "next")) or ME_PATH, status_code=303, cookies=cookies)


@post("/sign-out", include_in_schema=False, status_code=200, opt={"holder_session": True})
async def sign_out(request: Request[Any, Any, Any], conn: Conn) -> Response[Any]:
    session = await require_holder(request)
    await me_form(request)
    await end_holder_session(conn, session)
    return Redirect(SIGN_IN_PATH, status_code=303, cookies=[expired_holder_cookie(request)])


SIGN_IN_HANDLERS = [sign_in_page, sign_in_submission, sign_in_link_page, sign_in_link_submission, sign_out]
