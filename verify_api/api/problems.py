"""The one table from domain errors to HTTP status and RFC 9457 problem details, and the handlers that render them.

Problem type URLs themselves come from `verify_api.problem_types` (ours and the W3C ones the VC API reports).

Every error response, including framework errors (404 route, 405, 413, body decoding), is problem+json with a
`detail` a person can act on. Unexpected exceptions become a bare 500 that reveals nothing internal.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from verify_api import errors
from verify_api.api.cors import PUBLIC_READ_CORS_HEADERS, route_allows_any_origin
from verify_api.db.pool import database_unavailable_cause, describe_unavailability
from verify_api.observability.metrics import UNMATCHED_ROUTE, count_database_unavailable
from verify_api.observability.outage import DATABASE_OUTAGE
from verify_api.problem_types import pai_problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("verify_api")


class Problem(msgspec.Struct, omit_defaults=True):
    # One of PROBLEM_TYPES (below): the document lists them as an enum.
    type: Annotated[str, msgspec.Meta(extra_json_schema={"extra": {"enum": list(PROBLEM_TYPES)}})]
    title: str
    status: int
    detail: str
    instance: str | None = None
    rule: str | None = None
    missing: list[str] | None = None
    errors: list[dict[str, str]] | None = None
    line: int | None = None  # malformed-bulk-file: where the first error is
    column: int | None = None


# Most specific first; lookup walks the exception's MRO so a subclass inherits its parent's entry.
PROBLEM_TABLE: dict[type[errors.VerifyApiError], tuple[int, str, str]] = {
    errors.AuthenticationError: (401, "unauthenticated", "Authentication required"),
    errors.PermissionDeniedError: (403, "forbidden", "Missing scope"),
    errors.CsrfRefusedError: (403, "forbidden", "Form refused"),  # the staff console's forms (api/console.py)
    errors.NotFoundError: (404, "not-found", "Not found"),
    errors.UnsupportedMediaTypeError: (415, "unsupported-media-type", "Unsupported media type"),
    errors.SigningKeyStateError: (409, "signing-key-state", "Signing key state"),
    errors.IdempotencyConflictError: (409, "idempotency-key-reused", "Idempotency-Key reused"),
    errors.ConflictError: (409, "conflict", "Conflict"),
    errors.TierRuleError: (422, "tier-rule-not-met", "Tier rule not met"),
    errors.InvalidVerificationCodeError: (422, "invalid-verification-code", "Invalid verification code"),
    errors.MalformedJsonError: (400, "malformed-json", "Malformed JSON"),
    errors.MalformedBulkFileError: (422, "malformed-bulk-file", "Malformed bulk file"),
    errors.MalformedUrlError: (400, "malformed-url", "Malformed URL"),
    errors.InvalidInputError: (422, "invalid-input", "Invalid input"),
    errors.InvalidCredentialError: (422, "malformed-credential", "Malformed credential"),
    errors.UnknownContextError: (422, "unknown-context", "Unknown JSON-LD context"),
    errors.ProofError: (422, "proof-error", "Proof error"),
    errors.SigningKeyError: (503, "signing-key-unavailable", "Signing key unavailable"),
    errors.VerificationBusyError: (503, "verification-busy", "Verification busy"),
    errors.ConcurrentWriteError: (503, "concurrent-write", "Concurrent write"),
    errors.DatabaseUnavailableError: (503, "database-unavailable", "Database unavailable"),
    errors.RateLimitExceededError: (429, "too-many-requests", "Too many requests"),
    errors.HolderLinkInvalidError: (410, "link-not-valid", "Link not valid"),  # holders' e-mailed links (api/me*.py)
}


def problem_for(exc: errors.VerifyApiError) -> tuple[int, str, str]:
    return problem_for_type(type(exc))


def problem_for_type(error_type: type[BaseException]) -> tuple[int, str, str]:
    """(status, slug, title) of a domain error type, by its nearest entry in the table (also for a bulk job's
    stored row failures)."""
    for cls in error_type.__mro__:
        if cls in PROBLEM_TABLE:
            return PROBLEM_TABLE[cls]
    return (500, "internal-error", "Internal error")


def problem_response(
    request: Request[Any, Any, Any], status: int, slug: str, title: str, detail: str, **extra: Any
) -> Response[Problem]:
    headers = {"WWW-Authenticate": bearer_challenge(request, status)} if status in (401, 403) else {}
    if route_allows_any_origin(request):
        headers.update(PUBLIC_READ_CORS_HEADERS)
    return Response(
        Problem(
            type=pai_problem(slug),
            title=title,
            status=status,
            detail=detail,
            instance=request.url.path,
            **extra,
        ),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def bearer_challenge(request: Request[Any, Any, Any], status: int) -> str:
    """RFC 6750 §3 `WWW-Authenticate: Bearer` challenge: no error code when no credentials were sent,
    `invalid_token` (401) for a key that did not authenticate, `insufficient_scope` (403) naming the scope needed."""
    challenge = 'Bearer realm="pai-verify"'
    if status == 403:
        handler = request.scope.get("route_handler")
        scope = handler.opt.get("scope") if handler is not None else None
        if scope and not isinstance(scope, str):
            scope = " ".join(scope)  # RFC 6750 §3: a space-delimited list (here: any one of them will do)
        return f'{challenge}, error="insufficient_scope"' + (f', scope="{scope}"' if scope else "")
    if request.headers.get("authorization"):
        return f'{challenge}, error="invalid_token"'
    return challenge


def retry_after(headers: dict[str, str]) -> str:
    """RFC 9110 §10.2.3 Retry-After (seconds) for a 429: the rate limiter's `RateLimit-Reset` when it sent one, else
    one window of the verify limit (a minute)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return value
        if name.lower() == "ratelimit-reset" and value.strip().isdigit():
            return str(max(1, int(value)))
    return "60"


def handle_domain_error(request: Request[Any, Any, Any], exc: errors.VerifyApiError) -> Response[Problem]:
    if isinstance(exc, errors.DatabaseUnavailableError):
        return handle_database_unavailable(request, exc)
    status, slug, title = problem_for(exc)
    extra: dict[str, Any] = {}
    detail = exc.detail
    if isinstance(exc, errors.SigningKeyError):
        # Key errors name files and key types: fine for the operator's console, not for a client.
        detail = "the signing key is unavailable; the operator has been alerted in the service log"
        log.error("signing key error: %s", exc.detail)
    if isinstance(exc, errors.TierRuleError):
        extra = {"rule": exc.rule, "missing": exc.missing}
    if isinstance(exc, errors.MalformedBulkFileError):
        extra = {"line": exc.line, "column": exc.column}
    response = problem_response(request, status, slug, title, detail, **extra)
    if isinstance(exc, errors.VerificationBusyError | errors.ConcurrentWriteError | errors.RateLimitExceededError):
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


def _validation_errors(exc: ValidationException) -> list[dict[str, str]]:
    items = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append({str(k): str(v) for k, v in item.items()})
        else:
            out.append({"message": str(item)})
    return out


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if status >= 500:
        return handle_unexpected(request, exc)
    detail = exc.detail
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException):
        found = _validation_errors(exc)
        if found:
            extra["errors"] = found
            detail = "; ".join(_describe(e) for e in found)
    slug = HTTP_PROBLEM_SLUGS.get(status, "client-error")
    title = {
        413: "Request body too large",
        404: "Not found",
        405: "Method not allowed",
        415: "Unsupported media type",
        429: "Too many requests",
    }.get(status, "Bad request")
    if isinstance(exc.__cause__, SerializationException):
        detail = f"the request body is not valid JSON: {detail}"
    if status == 413:
        detail = "the request body exceeds the size limit"
    elif status == 404 and detail in ("", "Not Found"):
        detail = f"nothing is served at {request.url.path}"
    response = problem_response(request, status, slug, title, detail or title, **extra)
    # Litestar's own headers travel with the problem: `Allow` on a 405 (RFC 9110 §15.5.6), the RateLimit-* fields.
    response.headers.update(exc.headers or {})
    if status == 429:
        response.headers["Retry-After"] = retry_after(exc.headers or {})
    return response


def _describe(error: dict[str, str]) -> str:
    message = error.get("message", "invalid value")
    key = error.get("key")
    return f"{key}: {message}" if key and key not in message else message


def handle_database_unavailable(request: Request[Any, Any, Any], cause: BaseException) -> Response[Problem]:
    """503 with Retry-After, logged once per outage (observability.outage), never a traceback per request."""
    DATABASE_OUTAGE.refused_request(describe_unavailability(cause))
    count_database_unavailable(request.scope.get("path_template") or UNMATCHED_ROUTE)
    status, slug, title = PROBLEM_TABLE[errors.DatabaseUnavailableError]
    detail = "the database is unavailable just now; try again in a moment"
    response = problem_response(request, status, slug, title, detail)
    response.headers["Retry-After"] = str(errors.DatabaseUnavailableError.retry_after_seconds)
    return response


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if (cause := database_unavailable_cause(exc)) is not None:
        return handle_database_unavailable(request, cause)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal-error",
        "Internal error",
        "the service hit an unexpected error; it has been logged",
    )


# The slug of each framework error's problem type; any other 4xx is `client-error`.
HTTP_PROBLEM_SLUGS = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    413: "body-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
}
# Every problem `type` this API answers with: the domain errors' (PROBLEM_TABLE), the framework's, and the fallbacks.
PROBLEM_TYPES = tuple(
    dict.fromkeys(
        pai_problem(slug)
        for slug in (
            *(slug for _, slug, _ in PROBLEM_TABLE.values()),
            *HTTP_PROBLEM_SLUGS.values(),
            "client-error",
            "internal-error",
        )
    )
)

EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    errors.VerifyApiError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
