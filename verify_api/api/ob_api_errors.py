"""The error answers of the Open Badges API routes (api/ob_api.py), each in its standard's own shape: RFC 6749 §5.2
JSON at the token and revocation endpoints, RFC 7591 §3.2.2 at registration (`invalid_client_metadata` for a body
that is not acceptable metadata), and Imsx_StatusInfo (OB 3.0) with an RFC 6750 §3 Bearer challenge at the resource
endpoints. The service being unavailable (database, signing key, a lasting write conflict) is answered as every
route answers it: api.problems' 503 with Retry-After."""

from __future__ import annotations

from typing import Any, cast

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap

from verify_api.api.problems import handle_domain_error
from verify_api.errors import (
    ConcurrentWriteError,
    DatabaseUnavailableError,
    NotFoundError,
    OAuthError,
    SigningKeyError,
    VerifyApiError,
)
from verify_api.ob_api_schemas import CodeMinorValue, status_info

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1
# `missing_token` is this module's own: RFC 6750 §3.1 gives a request without credentials no error code.
_OAUTH_STATUS = {"invalid_client": 401, "invalid_token": 401, "missing_token": 401, "insufficient_scope": 403}


def oauth_error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """RFC 6749 §5.2 (and RFC 7591 §3.2.2, RFC 7009 §2.2.1): `error` and `error_description`, 400, or 401 with a
    Basic challenge for a client that did not authenticate. The service being unavailable is the service's 503."""
    if unavailable(exc):
        return handle_domain_error(request, cast("VerifyApiError", exc))
    error, description = _oauth_terms(exc)
    status = 401 if error == "invalid_client" else 400
    headers = {**NO_STORE, **({"WWW-Authenticate": 'Basic realm="pai-verify"'} if status == 401 else {})}
    body = {"error": error, "error_description": ascii_description(description)}
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def unavailable(exc: Exception) -> bool:
    """Database or signing key unavailable, or busy: not the client's fault, answered as every route answers it."""
    return isinstance(exc, DatabaseUnavailableError | SigningKeyError | ConcurrentWriteError)


def _oauth_terms(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, OAuthError):
        return exc.error, exc.detail
    if isinstance(exc, VerifyApiError):
        return "invalid_request", exc.detail
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return "invalid_request", str(exc.detail)
    return "server_error", "the service hit an unexpected error; it has been logged"


def ascii_description(text: str) -> str:
    """RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash)."""
    return "".join(c if 0x20 <= ord(c) <= 0x7E and c not in '"\\' else "'" if c == '"' else "?" for c in text)[:500]


def registration_error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """RFC 7591 §3.2.2: a body that is not acceptable client metadata is `invalid_client_metadata`."""
    if unavailable(exc) or isinstance(exc, OAuthError) or not isinstance(exc, VerifyApiError | HTTPException):
        return oauth_error_response(request, exc)
    if isinstance(exc, HTTPException) and exc.status_code >= 500:
        return oauth_error_response(request, exc)
    detail = exc.detail if isinstance(exc, VerifyApiError) else _validation_detail(exc)
    return oauth_error_response(request, OAuthError("invalid_client_metadata", detail))


def _validation_detail(exc: HTTPException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    parts = [f"{e.get('key', '')}: {e.get('message', '')}" for e in extra if isinstance(e, dict)]
    return "; ".join(parts)[:400] or str(exc.detail)


_IMSX_MINOR: dict[int, CodeMinorValue] = {
    400: "invalid_query_parameter",
    401: "unauthorizedrequest",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
    503: "server_busy",
}


def imsx_error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """OB 3.0 resource errors: Imsx_StatusInfo, with RFC 6750 §3 `WWW-Authenticate: Bearer` on 401 and 403. The
    service being unavailable is the service's 503 (with Retry-After)."""
    if unavailable(exc):
        return handle_domain_error(request, cast("VerifyApiError", exc))
    status, description, headers = 500, "the service hit an unexpected error", {}
    if isinstance(exc, OAuthError):
        status = _OAUTH_STATUS.get(exc.error, 400)
        description = exc.detail
        challenge = 'Bearer realm="pai-verify"'
        if exc.error in ("invalid_token", "insufficient_scope"):
            challenge += f', error="{exc.error}"'
        if exc.error == "insufficient_scope" and request.route_handler.opt.get("ob_scope"):
            challenge += f', scope="{request.route_handler.opt["ob_scope"]}"'
        headers["WWW-Authenticate"] = challenge
    elif isinstance(exc, VerifyApiError):
        status = 404 if isinstance(exc, NotFoundError) else 400
        description = exc.detail
    elif isinstance(exc, HTTPException):
        status, description = exc.status_code, str(exc.detail)
    minor = _IMSX_MINOR.get(status, "internal_server_error" if status >= 500 else "invalid_data")
    body = status_info(minor, description)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


IMSX_ERRORS: ExceptionHandlersMap = {VerifyApiError: imsx_error_response, HTTPException: imsx_error_response}
OAUTH_ERRORS: ExceptionHandlersMap = {VerifyApiError: oauth_error_response, HTTPException: oauth_error_response}
REGISTRATION_ERRORS: ExceptionHandlersMap = {
    VerifyApiError: registration_error_response,
    HTTPException: registration_error_response,
}
