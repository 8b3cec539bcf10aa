"""The 1EdTech Open Badges API 3.0 under /ims/ob/v3p0 (https://www.imsglobal.org/spec/ob/v3p0/#api): a wallet or
backpack discovers the service, registers itself, has the holder approve it, and reads the holder's credentials.

- `GET /discovery`: the Service Description Document (OB 3.0 §"Request the Service Description Document"), open,
  rate-limited as the spec recommends.
- `POST /register`: RFC 7591 dynamic client registration (OB 3.0 §"Register with Authorization Server").
- `GET /authorize`: the authorization endpoint (RFC 6749 §4.1.1, PKCE S256, RFC 7636): the consent page for the
  signed-in holder; `POST /authorize` is that page's form (same-origin, the holder session's CSRF token), which
  sends the browser back to the client with the code (§4.1.2) or `access_denied`.
- `POST /token`: authorization_code and refresh_token grants (RFC 6749 §4.1.3, §6), client_secret_basic or
  client_secret_post (§2.3.1); `POST /revoke`: RFC 7009.
- `GET /credentials`, `GET /profile`: getCredentials and getProfile with a bearer access token (RFC 6750).

Errors are each standard's own, not problem+json: RFC 6749 §5.2 / RFC 7591 §3.2.2 JSON (`error`,
`error_description`) at the token, revocation and registration endpoints, Imsx_StatusInfo at the resource
endpoints, a page (never a redirect) for an authorization request naming an unknown client or redirection URI, and
`?error=` back at the client for the rest of §4.1.2.1. These routes are described by the discovery document, not
by the service's own OpenAPI document (/openapi.json).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.params import JSONBody
from litestar.response import Redirect, Template

from verify_api.api.deps import Conn, RuntimeDep
from verify_api.api.me_frame import sign_in_url
from verify_api.api.me_session import signed_in_holder
from verify_api.api.ob_api_errors import (
    IMSX_ERRORS,
    NO_STORE,
    OAUTH_ERRORS,
    REGISTRATION_ERRORS,
    ascii_description,
)
from verify_api.api.pages import PAGE_HEADERS, cross_site_reason, origin_of
from verify_api.api.rate_limit import rate_limited
from verify_api.errors import (
    AuthorizationRequestError,
    OAuthError,
    VerifyApiError,
)
from verify_api.ob_api_schemas import (
    CREDENTIAL_READONLY,
    OB_SCOPES,
    PROFILE_READONLY,
    SCOPE_WORDS,
    ClientMetadata,
)
from verify_api.services.holder_sessions import check_holder_csrf_token
from verify_api.services.oauth_clients import authenticate_client, register_client
from verify_api.services.oauth_grants import (
    AccessGrant,
    AuthorizationRequest,
    authenticate_access_token,
    check_authorization_parameters,
    check_client_and_redirect,
    exchange_authorization_code,
    issue_authorization_code,
    refresh_access_token,
    require_grant_scope,
    revoke_token,
)
from verify_api.services.ob_api import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    OB_API_PATH,
    holder_credentials,
    holder_profile,
    service_description_document,
)
from verify_api.settings import Settings

_FORM = "application/x-www-form-urlencoded"
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge")
AUTHORIZE_FIELDS = (*AUTHORIZE_PARAMS, "code_challenge_method")
MAX_FIELD_CHARS = 2000


# --- discovery and registration -------------------------------------------------------------------------------


@get("/discovery", include_in_schema=False, exception_handlers=IMSX_ERRORS, opt={"public": True})
async def get_service_description(runtime: RuntimeDep) -> Response[Any]:
    """getServiceDescription: open (OB 3.0: "MUST NOT be protected"), cacheable for an hour."""
    document = service_description_document(runtime.settings)
    return Response(document, media_type="application/json", headers={"Cache-Control": "public, max-age=3600"})


@post("/register", include_in_schema=False, exception_handlers=REGISTRATION_ERRORS, opt={"public": True})
async def register(data: JSONBody[ClientMetadata], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """RFC 7591 §3.1: no initial access token (OB 3.0); 201 with the client's credentials and its metadata."""
    registered = await register_client(conn, data, now=runtime.clock())
    return Response(registered.body, status_code=201, media_type="application/json", headers=NO_STORE)


# --- the authorization endpoint and the consent page -----------------------------------------------------------


def single_params(pairs: list[tuple[str, str]], names: tuple[str, ...]) -> dict[str, str]:
    """RFC 6749 §3.1: parameters sent without a value are treated as omitted; none may be sent more than once."""
    params: dict[str, str] = {}
    for name, value in pairs:
        if name not in names or not value:
            continue
        if name in params:
            raise OAuthError("invalid_request", f"{name} is sent more than once (RFC 6749 §3.1)")
        if len(value) > MAX_FIELD_CHARS or "\x00" in value:
            raise OAuthError("invalid_request", f"{name} is longer than {MAX_FIELD_CHARS} characters")
        params[name] = value
    return params


def with_query(uri: str, params: dict[str, str]) -> str:
    """`uri` with `params` added to its query, keeping the query it had (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def error_redirect(redirect_uri: str, exc: OAuthError, state: str | None) -> Redirect:
    """RFC 6749 §4.1.2.1: the error back at the client's redirection endpoint, with its state."""
    params = {"error": exc.error, "error_description": ascii_description(exc.detail)}
    if state:
        params["state"] = state
    return Redirect(with_query(redirect_uri, params), status_code=302, headers=NO_STORE)


def page(
    name: str, *, status_code: int = 200, form_target: str | None = None, image: str | None = None, **context: Any
) -> Template:
    """An authorization page; its form may be sent on to the client's origin (CSP form-action follows redirects),
    and it may show the client's logo (OB 3.0: the server SHOULD display logo_uri)."""
    csp = PAGE_HEADERS["Content-Security-Policy"]
    if form_target is not None:
        csp = csp.replace("form-action 'self'", f"form-action 'self' {origin_of(form_target)}")
    if image is not None:
        csp = csp.replace("img-src 'self' data:", f"img-src 'self' data: {origin_of(image)}")
    headers = {**PAGE_HEADERS, "Content-Security-Policy": csp, "Cache-Control": "no-store"}
    return Template(
        template_name=name,
        context={"section": None, **context},
        status_code=status_code,
        headers=headers,
        media_type="text/html",
    )


def refusal_page(exc: OAuthError) -> Template:
    return page("ob_api/refused.html", status_code=400, detail=exc.detail)


async def authorization_request(conn: Conn, pairs: list[tuple[str, str]]) -> AuthorizationRequest | Template | Redirect:
    """The checked request, or the answer to a bad one: a page while the client or its redirection URI is not
    trusted, a redirect back to the client after (RFC 6749 §4.1.2.1)."""
    try:
        params = single_params(pairs, AUTHORIZE_FIELDS)
        client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
        client, redirect_uri = await check_client_and_redirect(conn, client_id, redirect_uri)
    except OAuthError as exc:
        return refusal_page(exc)
    try:
        return check_authorization_parameters(client, redirect_uri, params)
    except AuthorizationRequestError as exc:
        return refusal_page(exc)
    except OAuthError as exc:
        return error_redirect(redirect_uri, exc, params.get("state"))


@get("/authorize", include_in_schema=False, opt={"public": True})
async def authorize(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """RFC 6749 §4.1.1: show the signed-in holder what the client asks for (OB 3.0: its name, URIs and logo)."""
    checked = await authorization_request(conn, list(request.query_params.multi_items()))
    if not isinstance(checked, AuthorizationRequest):
        return checked
    session = await signed_in_holder(request)
    if session is None:
        return sign_in_first(request)
    holder = await holder_profile(conn, runtime.settings, session.holder_id)
    return consent_page(checked, csrf_token=session.csrf_token, holder=holder)


def sign_in_first(request: Request[Any, Any, Any]) -> Template:
    """No holder session: a page asking the holder to sign in (401); its link carries this very request as the
    sign-in's `next=`, so once signed in (from the e-mailed link) the holder is back here, at the consent page."""
    wanted = f"{request.url.path}?{request.url.query}"
    return page("ob_api/sign_in_first.html", status_code=401, sign_in=sign_in_url(wanted), again=wanted)


def consent_page(checked: AuthorizationRequest, *, csrf_token: str, holder: dict[str, Any]) -> Template:
    """What the client asks for, and for whom: the signed-in holder's name and address (on a shared browser, the
    session may be someone else's)."""
    metadata = checked.client.metadata
    scopes = [SCOPE_WORDS.get(s, OB_SCOPES.get(s, s)) for s in checked.scope if s in OB_SCOPES]
    fields = {
        "response_type": "code",
        "client_id": checked.client.client_id,
        "redirect_uri": checked.redirect_uri,
        "scope": " ".join(checked.scope),
        "state": checked.state,
        "code_challenge": checked.code_challenge,
        "code_challenge_method": "S256",
    }
    return page(
        "ob_api/consent.html",
        form_target=checked.redirect_uri,
        image=str(metadata.get("logo_uri", "")) or None,
        client=metadata,
        client_host=urlsplit(str(metadata.get("client_uri", ""))).hostname or "",
        scopes=scopes,
        fields=fields,
        csrf_token=csrf_token,
        redirect_host=urlsplit(checked.redirect_uri).netloc,
        holder_name=holder.get("name", ""),
        holder_email=holder.get("email", ""),
    )


@post("/authorize", include_in_schema=False, status_code=200, opt={"public": True})
async def decide_authorization(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """The consent form: only this site's own page, for the signed-in holder, may approve (Fetch Metadata / Origin
    and the session's synchronizer token); approve sends the code back, anything else `access_denied`."""
    reason = cross_site_reason(request, origin_of(runtime.settings.base_url))
    if reason is not None:
        return refusal_page(OAuthError("access_denied", f"refused: {reason}"))
    session = await signed_in_holder(request)
    if session is None:
        return refusal_page(OAuthError("access_denied", "your session has ended; start again from the wallet"))
    form = await request.form()
    csrf = form.get("csrf_token")
    try:
        check_holder_csrf_token(session, csrf if isinstance(csrf, str) else None)
    except VerifyApiError as exc:
        return refusal_page(OAuthError("access_denied", exc.detail))
    pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    checked = await authorization_request(conn, pairs)
    if not isinstance(checked, AuthorizationRequest):
        return checked
    if form.get("decision") != "approve":
        denied = OAuthError("access_denied", "the holder did not approve the request")
        return error_redirect(checked.redirect_uri, denied, checked.state)
    now = runtime.clock()
    code = await issue_authorization_code(conn, runtime.settings, checked, session.holder_id, now=now)
    answer = {"code": code, "scope": " ".join(checked.scope), "state": checked.state}
    return Redirect(with_query(checked.redirect_uri, answer), status_code=303, headers=NO_STORE)


# --- the token and revocation endpoints ------------------------------------------------------------------------


async def token_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The form body (RFC 6749 §3.2: application/x-www-form-urlencoded, each parameter at most once)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != _FORM:
        raise OAuthError("invalid_request", f"send the parameters as {_FORM} (RFC 6749 §4.1.3)")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise OAuthError("invalid_request", "the form is not UTF-8") from exc
    names = tuple(dict.fromkeys(name for name, _ in pairs))
    return single_params(pairs, names)


async def client_of(request: Request[Any, Any, Any], conn: Conn, form: dict[str, str]) -> Any:
    """RFC 6749 §2.3.1: HTTP Basic (client_secret_basic, the id and secret form-encoded first) or the body
    (client_secret_post), never both; the method must be the one the client registered."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            raise OAuthError("invalid_client", "authenticate with HTTP Basic (client_secret_basic)")
        if "client_secret" in form:
            raise OAuthError("invalid_request", "use one way to authenticate the client, not two (RFC 6749 §2.3)")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client", "the Basic credentials are not base64 of id:secret") from exc
        client_id, _, secret = decoded.partition(":")
        client_id, secret, method = unquote_plus(client_id), unquote_plus(secret), "client_secret_basic"
    else:
        client_id, secret, method = form.get("client_id", ""), form.get("client_secret", ""), "client_secret_post"
    if not client_id or not secret:
        raise OAuthError("invalid_client", "the client must authenticate (client_secret_basic)")
    if form.get("client_id") not in (None, client_id):
        raise OAuthError("invalid_client", "client_id in the body is not the client that authenticated")
    client = await authenticate_client(conn, client_id, secret)
    registered = client.metadata.get("token_endpoint_auth_method", "client_secret_basic")
    if registered != method:
        raise OAuthError("invalid_client", f"this client registered {registered}")
    return client


@post("/token", include_in_schema=False, status_code=200, exception_handlers=OAUTH_ERRORS, opt={"public": True})
async def token(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """RFC 6749 §3.2: the authorization_code grant (§4.1.3) or the refresh_token grant (§6)."""
    form = await token_form(request)
    client = await client_of(request, conn, form)
    now = runtime.clock()
    grant_type = form.get("grant_type", "")
    if grant_type == "authorization_code":
        answer = await exchange_authorization_code(conn, runtime.settings, client, form, now=now)
    elif grant_type == "refresh_token":
        answer = await refresh_access_token(conn, runtime.settings, client, form, now=now)
    else:
        raise OAuthError("unsupported_grant_type", "grant_type: authorization_code or refresh_token")
    return Response(answer.body, media_type="application/json", headers=NO_STORE)


@post("/revoke", include_in_schema=False, status_code=200, exception_handlers=OAUTH_ERRORS, opt={"public": True})
async def revoke(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """RFC 7009 §2.1 and §2.2: 200 whether or not the token was known."""
    form = await token_form(request)
    client = await client_of(request, conn, form)
    await revoke_token(conn, client, form.get("token", ""), now=runtime.clock())
    return Response(b"", media_type="application/json", headers=NO_STORE)


# --- the resource endpoints ------------------------------------------------------------------------------------


async def access_grant(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, scope: str) -> AccessGrant:
    """RFC 6750 §2.1: `Authorization: Bearer <token>`, live, with the operation's scope."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError("missing_token", "send the access token as `Authorization: Bearer <token>`")
    grant = await authenticate_access_token(conn, value.strip(), now=runtime.clock())
    require_grant_scope(grant, scope)
    return grant


def query_integer(request: Request[Any, Any, Any], name: str, default: int, minimum: int) -> int:
    values = request.query_params.getall(name, [])
    if not values:
        return default
    if len(values) > 1 or not values[0].isdigit() or len(values[0]) > 9 or int(values[0]) < minimum:
        raise OAuthError("invalid_request", f"{name} must be one integer of at least {minimum}")
    return int(values[0])


def query_since(request: Request[Any, Any, Any]) -> datetime | None:
    values = request.query_params.getall("since", [])
    if not values:
        return None
    try:
        since = datetime.fromisoformat(values[0].replace("Z", "+00:00")) if len(values) == 1 else None
    except ValueError:
        since = None
    if since is None or since.tzinfo is None:
        raise OAuthError("invalid_request", "since must be one RFC 3339 date-time with its offset")
    return since


@get("/credentials", include_in_schema=False, exception_handlers=IMSX_ERRORS, opt={"ob_scope": CREDENTIAL_READONLY})
async def get_credentials(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """getCredentials (OB 3.0): the token's holder's credentials, paged, with X-Total-Count and Link."""
    grant = await access_grant(request, conn, runtime, CREDENTIAL_READONLY)
    limit = min(query_integer(request, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    offset = query_integer(request, "offset", 0, 0)
    found = await holder_credentials(
        conn,
        runtime.settings,
        grant.holder_id,
        limit=limit,
        offset=offset,
        since=query_since(request),
        now=runtime.clock(),
    )
    body: dict[str, Any] = {"credential": found.credential}
    if found.compact_jws_string:
        body["compactJwsString"] = found.compact_jws_string
    links = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in found.links.items())
    headers = {"X-Total-Count": str(found.total), "Link": links, "Cache-Control": "no-store"}
    return Response(msgspec.json.encode(body), media_type="application/json", headers=headers)


@get("/profile", include_in_schema=False, exception_handlers=IMSX_ERRORS, opt={"ob_scope": PROFILE_READONLY})
async def get_profile(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """getProfile (OB 3.0): the token's holder as an OB Profile."""
    grant = await access_grant(request, conn, runtime, PROFILE_READONLY)
    profile = await holder_profile(conn, runtime.settings, grant.holder_id)
    return Response(profile, media_type="application/json", headers={"Cache-Control": "no-store"})


def ob_api_router(settings: Settings) -> Router:
    """Discovery and registration behind the public rate limit (OB 3.0 recommends it for discovery); the rest
    authenticate themselves."""
    del settings
    limited = Router(
        path=OB_API_PATH, route_handlers=[get_service_description, register], middleware=[rate_limited("verification")]
    )
    return Router(
        path="/",
        route_handlers=[
            limited,
            Router(
                path=OB_API_PATH,
                route_handlers=[authorize, decide_authorization, token, revoke, get_credentials, get_profile],
            ),
        ],
    )
