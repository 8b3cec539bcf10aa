"""The holders' pages' frame (/me, issue 13): page rendering, forms, errors, and the /me router's declaration.

Server-rendered Jinja templates (`pages/templates/me/`) under the public pages' strict Content-Security-Policy; every
action is an HTML form, so the pages work without JavaScript. Every POST reads its form through `me_form`, which
refuses a form from another origin (Fetch Metadata and Origin, as the public /verify form) and one without the
synchronizer token of the signed-in holder's session, or, for the forms posted before a session exists (asking for
a link, using it), the token of their pre-session cookie (a double-submit token, as the console's sign-in form).
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from verify_api.api.me_session import is_secure_origin, signed_in_holder
from verify_api.api.pages import PAGE_HEADERS, cross_site_reason, origin_of
from verify_api.api.problems import handle_domain_error, problem_for
from verify_api.errors import AuthenticationError, CsrfRefusedError, InvalidInputError, VerifyApiError
from verify_api.services.holder_sessions import check_holder_csrf_token
from verify_api.services.holder_sign_in import same_origin_path

if TYPE_CHECKING:
    from litestar.datastructures import FormMultiDict

    from verify_api.services.holder_sessions import HolderSession

ME_PATH = "/me"
SIGN_IN_PATH = f"{ME_PATH}/sign-in"
# A holder's own pages are never kept by a shared cache, nor offered by the browser's history once signed out.
ME_HEADERS = {**PAGE_HEADERS, "Cache-Control": "no-store"}
MAX_FIELD_CHARS = 2000
PRE_SESSION_COOKIE = "holder_sign_in"
PRE_SESSION_SECONDS = 3600


class HolderSignInRequiredError(AuthenticationError):
    """Sign in first: there is no session, or it has ended."""


def me_page(request: Request[Any, Any, Any], name: str, *, status_code: int = 200, **context: Any) -> Template:
    session: HolderSession | None = getattr(request.state, "holder_session", None)
    return Template(
        template_name=name,
        context={
            "section": "me",
            "csrf_token": session.csrf_token if session is not None else "",
            "signed_in": session is not None,
            "notice": None,
            "error": None,
            "next_path": None,
            **context,
        },
        status_code=status_code,
        headers=ME_HEADERS,
        media_type="text/html",
    )


def pre_session_cookie(request: Request[Any, Any, Any], value: str, *, max_age: int) -> Cookie:
    return Cookie(
        key=PRE_SESSION_COOKIE,
        value=value,
        path=ME_PATH,
        max_age=max_age,
        secure=is_secure_origin(request),
        httponly=True,
        samesite="lax",
    )


def with_pre_session_token(request: Request[Any, Any, Any], page: Template) -> Template:
    """A page whose form is posted before a session exists: a fresh token in its cookie and in the form (the page's
    context `form_token`)."""
    token = request.cookies.get(PRE_SESSION_COOKIE, "")
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(32)
    page.context["form_token"] = token
    page.cookies.append(pre_session_cookie(request, token, max_age=PRE_SESSION_SECONDS))
    return page


async def me_form(request: Request[Any, Any, Any], *, pre_session: bool = False) -> FormMultiDict:
    """The posted form, once it is known to come from our own page: same origin, and the session's synchronizer
    token (or, with `pre_session`, the pre-session cookie's token). Fields may not hold U+0000 or be longer than
    MAX_FIELD_CHARS."""
    settings = request.app.state.runtime.settings
    reason = cross_site_reason(request, origin_of(settings.base_url))
    if reason is not None:
        raise CsrfRefusedError(f"refused: {reason}")
    form = await request.form()
    presented = form.get("csrf_token")
    token = presented if isinstance(presented, str) else None
    if pre_session:
        expected = request.cookies.get(PRE_SESSION_COOKIE, "")
        if not token or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            raise CsrfRefusedError("the form's token is missing or stale; reload the page and try again")
    else:
        check_holder_csrf_token(await require_holder(request), token)
    for value in form.values():  # only once the form is known to be ours
        if isinstance(value, str) and ("\x00" in value or len(value) > MAX_FIELD_CHARS):
            raise InvalidInputError(f"a form field holds U+0000 or is longer than {MAX_FIELD_CHARS} characters")
    return form


def form_text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def require_holder(request: Request[Any, Any, Any]) -> HolderSession:
    session = await signed_in_holder(request)
    if session is None:
        raise HolderSignInRequiredError()
    return session


def sign_in_url(next_path: str | None) -> str:
    """The sign-in page, sending the holder on to `next_path` (a path on this site) once signed in; /me needs no
    `next` (it is where signing in leads)."""
    checked = same_origin_path(next_path)
    if checked is None or checked == ME_PATH:
        return SIGN_IN_PATH
    return f"{SIGN_IN_PATH}?{urlencode({'next': checked})}"


def wanted_page(request: Request[Any, Any, Any]) -> str | None:
    """The page a signed-out GET asked for (path and query), to come back to; a form's POST cannot be replayed."""
    if request.method != "GET":
        return None
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def handle_me_error(request: Request[Any, Any, Any], exc: VerifyApiError) -> Response[Any]:
    """Errors of the holders' pages as pages: no session sends the browser to sign in (and back to the page it
    asked for, after); everything else is a page with the problem's status and detail (problem+json when the
    client does not ask for HTML)."""
    if isinstance(exc, HolderSignInRequiredError):
        return Redirect(sign_in_url(wanted_page(request)), status_code=303)
    if "html" not in request.headers.get("accept", ""):
        return handle_domain_error(request, exc)
    status, _, title = problem_for(exc)
    if status >= 500:
        return handle_domain_error(request, exc)
    # A link that failed keeps where it was leading: "ask for a new link" goes on there too.
    again = sign_in_url(request.query_params.get("next"))
    page = me_page(request, "me/error.html", status_code=status, title=title, detail=exc.detail, sign_in=again)
    retry = getattr(exc, "retry_after_seconds", None)
    if retry is not None:
        page.headers["Retry-After"] = str(retry)
    return page


ME_EXCEPTION_HANDLERS = {VerifyApiError: handle_me_error}
