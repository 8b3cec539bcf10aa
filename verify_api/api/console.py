"""The staff console's frame: its routes' declaration, the navigation, page rendering, forms and errors.

Pages are server-rendered Jinja templates (`pages/templates/console/`), under the same strict Content-Security-Policy
as the public pages, with no script at all: every action is an HTML form, so the console works without JavaScript.
Each page is declared with `console_route(get|post, path, scope=...)` (or `public=True` for the sign-in pages): the
guard `api.auth.require_console_scope` then checks the signed-in staff member's role for that scope, the scope check
API keys get. Every POST reads its form through `console_form`, which refuses a form from another origin and one
without its session's CSRF token (a 403 page, or problem+json for a client that does not ask for HTML).

Adding a page (wave 2: Holders, Bulk issuance, Webhooks) is a small change:
1. write its handlers in a new `api/console_<noun>.py`, each declared with `console_route(...)` and answering
   `console_page(request, "console/<noun>.html", section="<noun>", ...)` (a template extending `console/base.html`);
2. list the handlers in `api/console_routes.py` `CONSOLE_HANDLERS`;
3. append a `NavItem` to `NAV` below (label, path, the scope it needs, its section): the navigation shows it to
   every role that has the scope, and marks it as the current page on pages of its section.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect, Template

from verify_api.api.pages import PAGE_HEADERS, cross_site_reason, origin_of
from verify_api.api.problems import handle_domain_error, problem_for
from verify_api.errors import (
    AuthenticationError,
    CsrfRefusedError,
    InvalidInputError,
    SignInRefusedError,
    VerifyApiError,
)
from verify_api.services.console_sessions import check_csrf_token

if TYPE_CHECKING:
    from litestar.datastructures import FormMultiDict
    from litestar.handlers import HTTPRouteHandler

    from verify_api.services.console_sessions import ConsoleSession
    from verify_api.services.staff_accounts import StaffPrincipal

H = TypeVar("H", bound="HTTPRouteHandler")
CONSOLE_PATH = "/console"
# Staff pages are never kept by a cache (shared or the browser's back-forward store beyond the session).
CONSOLE_HEADERS = {**PAGE_HEADERS, "Cache-Control": "no-store"}
MAX_FIELD_CHARS = 2000


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    scope: str
    section: str


NAV: tuple[NavItem, ...] = (
    NavItem("Credentials", CONSOLE_PATH, "assess", "credentials"),
    NavItem("Holders", f"{CONSOLE_PATH}/holders", "assess", "holders"),
    NavItem("Organisations", f"{CONSOLE_PATH}/organisations", "assess", "organisations"),
    NavItem("Pending", f"{CONSOLE_PATH}/pending", "assess", "pending"),
    NavItem("Bulk issuance", f"{CONSOLE_PATH}/issuance-jobs", "issue", "issuance-jobs"),
    NavItem("API keys", f"{CONSOLE_PATH}/api-keys", "manage", "api-keys"),
    NavItem("Webhooks", f"{CONSOLE_PATH}/webhooks", "manage", "webhooks"),
)


def console_route(
    method: Callable[..., Callable[[Any], H]], path: str, *, scope: str | None = None, public: bool = False, **kw: Any
) -> Callable[[Any], H]:
    """A console page or form target: `scope` names what the role must include; `public=True` only for sign-in."""
    if (scope is None) == (not public):
        raise ValueError("a console route names a scope, or says public=True (the sign-in pages only)")
    opt: dict[str, Any] = {"public": True} if public else {"scope": scope}
    return method(path, include_in_schema=False, opt=opt, **kw)


def session_of(request: Request[Any, Any, Any]) -> ConsoleSession:
    session: ConsoleSession = request.state.console_session  # set by api.auth.require_console_scope
    return session


def actor_of(request: Request[Any, Any, Any]) -> StaffPrincipal:
    return session_of(request).principal


def console_page(
    request: Request[Any, Any, Any], name: str, *, status_code: int = 200, section: str | None = None, **context: Any
) -> Template:
    """A console page in the frame: navigation for the signed-in role, its CSRF token for the page's forms."""
    session: ConsoleSession | None = getattr(request.state, "console_session", None)
    nav = [] if session is None else [item for item in NAV if item.scope in session.principal.scopes]
    return Template(
        template_name=name,
        context={
            "section": section,
            "nav": nav,
            "staff": session.principal if session else None,
            "csrf_token": session.csrf_token if session else "",
            "notice": None,
            "error": None,
            **context,
        },
        status_code=status_code,
        headers=CONSOLE_HEADERS,
        media_type="text/html",
    )


def is_secure(request: Request[Any, Any, Any]) -> bool:
    """Cookies are Secure when the console is served over https: PUBLIC_BASE_URL says how browsers reach it (behind
    a TLS-terminating proxy the socket itself is plain http)."""
    base_url: str = request.app.state.runtime.settings.base_url
    return base_url.startswith("https://")


async def console_form(request: Request[Any, Any, Any], *, csrf: str | None = None) -> FormMultiDict:
    """The posted form, once it is known to come from this console's own page: same origin (Fetch Metadata and
    Origin, as the public /verify form) and the synchronizer token of the signed-in session (or, for the sign-in form,
    `csrf`: the token of its pre-session cookie). Fields may not hold U+0000 or be longer than MAX_FIELD_CHARS."""
    reason = cross_site_reason(request, origin_of(request.app.state.runtime.settings.base_url))
    if reason is not None:
        raise CsrfRefusedError(f"refused: {reason}")
    form = await request.form()
    presented = form.get("csrf_token")
    token = presented if isinstance(presented, str) else None
    if csrf is None:
        check_csrf_token(session_of(request), token)
    elif not token or not csrf or not hmac.compare_digest(token.encode(), csrf.encode()):
        raise CsrfRefusedError("the sign-in form's token is missing or stale; reload the sign-in page and try again")
    for value in form.values():  # only once the form is known to be ours
        if isinstance(value, str) and ("\x00" in value or len(value) > MAX_FIELD_CHARS):
            raise InvalidInputError(f"a form field holds U+0000 or is longer than {MAX_FIELD_CHARS} characters")
    return form


def form_text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a console path only (never another site, `//host` or `/\\host`)."""
    inside = path is not None and (path == CONSOLE_PATH or path.startswith((f"{CONSOLE_PATH}/", f"{CONSOLE_PATH}?")))
    if not path or not inside or "//" in path or "\\" in path or len(path) > 500:
        return CONSOLE_PATH
    return path


def sign_in_redirect(request: Request[Any, Any, Any]) -> Redirect:
    wanted = request.url.path if request.method == "GET" else CONSOLE_PATH
    if request.method == "GET" and request.url.query:
        wanted += f"?{request.url.query}"
    return Redirect(f"{CONSOLE_PATH}/sign-in?next={quote(safe_next(wanted), safe='/')}", status_code=303)


def handle_console_error(request: Request[Any, Any, Any], exc: VerifyApiError) -> Response[Any]:
    """Errors of console pages as pages: no session sends the browser to sign in; everything else is a page with
    the problem's status and detail (problem+json when the client does not ask for HTML)."""
    if isinstance(exc, AuthenticationError) and not isinstance(exc, SignInRefusedError):
        return sign_in_redirect(request)
    if "html" not in request.headers.get("accept", ""):
        return handle_domain_error(request, exc)
    status, _, title = problem_for(exc)
    if status >= 500:
        return handle_domain_error(request, exc)
    return console_page(request, "console/error.html", status_code=status, title=title, detail=exc.detail)


CONSOLE_EXCEPTION_HANDLERS = {VerifyApiError: handle_console_error}
