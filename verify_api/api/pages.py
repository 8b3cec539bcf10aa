"""The public HTML pages: `/c/{id}` (a credential's badge page), `/verify` (the employer's page) and `/registry`.

Server-rendered with autoescaping Jinja2 templates (`verify_api/pages/`), self-served CSS and JS, and a strict
Content-Security-Policy. `GET /v1/credentials/{id}` keeps answering JSON; a browser asking for HTML is sent here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from litestar import Request, Response, Router, get, post
from litestar.datastructures import CacheControlHeader, UploadFile
from litestar.params import FromPath, FromQuery
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from verify_api import pages as page_assets
from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.api.request_input import refuse_nul_in_url
from verify_api.api.verify import verification_rate_limit
from verify_api.domain.dates import long_date
from verify_api.domain.public_wording import humane_text
from verify_api.errors import InvalidInputError, NotFoundError, UnsupportedMediaTypeError
from verify_api.proofs.offline_qr import PREFIX as OFFLINE_PREFIX
from verify_api.services import pages, report_pages
from verify_api.services.offline_qr import check_offline_text
from verify_api.services.verification import verify_presented
from verify_api.settings import Settings

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: nothing leaves for other sites either way, but under no-referrer a browser sends
    # `Origin: null` on our own form posts, which the cross-site check could then not tell from a forged post.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",  # a credential's status can change at any moment
}
MAX_QUERY_CHARS = 1100


def page_template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=PackageLoader("verify_api.pages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["long_date"] = long_date
    environment.filters["humane"] = humane_text
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_files_router() -> Router:
    directory = Path(page_assets.__file__).parent / "static"
    return create_static_files_router(
        path="/static",
        directories=[directory],
        cache_control=CacheControlHeader(max_age=3600, public=True),
        include_in_schema=False,
    )


def render(name: str, status_code: int = 200, **context: Any) -> Template:
    return Template(
        template_name=name,
        context={"section": None, **context},
        status_code=status_code,
        headers=PAGE_HEADERS,
        media_type="text/html",
    )


def verify_form(*, status_code: int = 200, q: str = "", **context: Any) -> Template:
    defaults: dict[str, Any] = {"section": "verify", "q": q, "error": None, "report": None}
    return render("verify.html", status_code, **(defaults | context))


async def negotiate_credential_page(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """Before-request hook on /v1: a browser asking `GET /v1/credentials/{id}` for HTML gets a 303 to the page.

    JSON stays the default: only an Accept header that ranks text/html above application/json redirects. It replaces
    the app's `refuse_malformed_input` on this route, so it refuses U+0000 in the URL itself (the route has no body).
    """
    refuse_nul_in_url(request)
    if "html" not in request.headers.get("accept", ""):
        return None  # the common API case, decided without parsing the header
    wanted = request.accept.best_match(["application/json", "text/html"], default="application/json")
    if wanted != "text/html":
        return None
    runtime = request.app.state.runtime
    credential_id = request.path_params["credential_id"]
    return Redirect(f"{runtime.settings.base_url}/c/{credential_id}", status_code=303, headers={"Vary": "Accept"})


@get("/c/{credential_id:str}", include_in_schema=False)
async def credential_page(conn: Conn, credential_id: FromPath[str], runtime: RuntimeDep, now: Now) -> Template:
    try:
        page = await pages.badge_page(conn, runtime, credential_id, now=now)
    except NotFoundError:
        return render("not_found.html", 404, message="No credential has this address.")
    return render("badge.html", page=page)


@get("/verify", include_in_schema=False)
async def verify_page(conn: Conn, runtime: RuntimeDep, now: Now, q: FromQuery[str] = "") -> Response[Any]:
    """The form; with `q`, look up the typed id, link or code and redirect to its page (or say what is wrong)."""
    q = q.strip()[:MAX_QUERY_CHARS]
    if not q:
        return verify_form()
    if q.startswith(OFFLINE_PREFIX):
        return await offline_report(conn, q, settings=runtime.settings, now=now)
    try:
        credential_id = await pages.resolve_typed_reference(conn, q)
    except InvalidInputError as exc:
        error = {"title": "That code has a typo", "detail": f"{exc.detail}. Check it against the badge."}
        if looks_like_a_name(q):
            error = {
                "title": "Credentials are not looked up by name",
                "detail": "Type the verification code printed on the badge (PAI-XXXX-XXXX-X), its link, or upload "
                "the badge image: a person's credentials are never listed by name.",
            }
        return verify_form(status_code=422, q=q, error=error)
    except NotFoundError:
        error = {"title": "Not found", "detail": "No PAI credential has that id or verification code."}
        return verify_form(status_code=404, q=q, error=error)
    return Redirect(f"/c/{credential_id}", status_code=303)


def looks_like_a_name(text: str) -> bool:
    """Two or more words of letters and no digits: a person's name, not a mistyped code."""
    words = text.split()
    return len(words) >= 2 and all(w.replace("-", "").replace("'", "").isalpha() for w in words)


async def offline_report(conn: Conn, text: str, *, settings: Settings, now: Now) -> Template:
    report = await check_offline_text(conn, text, settings=settings, now=now)
    return verify_form(report=report_pages.offline_report_page(report))


def origin_of(url: str) -> str:
    """The RFC 6454 §6.2 ASCII serialisation of a URL's origin: scheme://host[:port], lower-case, default port
    omitted (as browsers send it in `Origin`)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return "null"
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        return "null"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def cross_site_reason(request: Request[Any, Any, Any], public_origin: str) -> str | None:
    """Why this POST must be refused as cross-site, or None (Fetch Metadata, https://www.w3.org/TR/fetch-metadata/,
    and the `Origin` header, RFC 6454 §7). A form post from another site could land an employer on a report page the
    fraudster chose. Same-origin posts pass; so do requests with neither header (curl, scripts, old browsers): they
    are not a browser acting for someone on another site's behalf."""
    site = (request.headers.get("sec-fetch-site") or "").lower() or None
    if site is not None and site not in ("same-origin", "none"):
        return f"the browser says this form was sent from another site (Sec-Fetch-Site: {site[:40]})"
    origin = request.headers.get("origin")
    if origin is None or origin_of(origin) == public_origin:
        return None
    if origin.strip() == "null" and site == "same-origin":
        return None  # a page under Referrer-Policy no-referrer (say, a copy cached before ours changed) posting to us
    return f"the form was sent from {origin[:100]!r}, not from {public_origin}"


@post("/verify", include_in_schema=False, status_code=200, opt={"public": True})
async def verify_submission(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, now: Now) -> Template:
    """An uploaded badge file or pasted credential text, verified server-side; the report is shown on the page.

    Only this site's own form may post here: a cross-site post is a 403 before the body is read.
    """
    reason = cross_site_reason(request, origin_of(runtime.settings.base_url))
    if reason is not None:
        detail = f"Refused: {reason}. Open {runtime.settings.base_url}/verify and upload the badge there."
        return verify_form(status_code=403, error={"title": "Form from another site refused", "detail": detail})
    try:
        form = await request.form()
    except UnicodeDecodeError:  # Litestar decodes multipart text fields as UTF-8
        error = {"title": "Unreadable form", "detail": "A form field is not UTF-8 text; paste the credential again."}
        return verify_form(status_code=400, error=error)
    upload, pasted = form.get("badge"), form.get("credential")
    if isinstance(upload, UploadFile) and upload.filename:
        data, content_type = await upload.read(), upload.content_type or "application/octet-stream"
    elif isinstance(pasted, str) and pasted.strip():
        text = pasted.strip()
        if text.startswith(OFFLINE_PREFIX):
            return await offline_report(conn, text, settings=runtime.settings, now=now)
        data, content_type = text.encode("utf-8"), "application/json" if text.startswith("{") else "application/jwt"
    else:
        error = {"title": "Nothing to verify", "detail": "Choose a badge file or paste a credential first."}
        return verify_form(status_code=422, error=error)
    return await presented_report(conn, data, content_type, runtime=runtime, now=now)


async def presented_report(conn: Conn, data: bytes, content_type: str, *, runtime: RuntimeDep, now: Now) -> Template:
    """The same verifier as POST /v1/verify; an unreadable file is a report too, never a server error."""
    try:
        report = await verify_presented(conn, data, content_type, settings=runtime.settings, now=now)
    except UnsupportedMediaTypeError:
        error = {"title": "Unsupported file", "detail": "Upload a PNG or SVG badge, a credential JSON or a JWT."}
        return verify_form(status_code=415, error=error)
    return verify_form(report=report_pages.presented_report_page(report))


def page_routes(settings: Settings) -> list[ControllerRouterHandler]:
    """The pages and their static files. /verify (look-ups by code, uploads) shares POST /v1/verify's per-IP
    budget, so the form is no way around it."""
    # imported here: registry_pages renders with this module's `render`
    from verify_api.api.registry_pages import registry_check_page, registry_check_submission, registry_page

    # the bulk check costs up to 50 searches a post: it shares /verify's per-IP budget (its form page with it)
    limited = [verify_page, verify_submission, registry_check_page, registry_check_submission]
    verify = Router(path="/", route_handlers=limited, middleware=[verification_rate_limit(settings)])
    return [credential_page, registry_page, verify, static_files_router()]
