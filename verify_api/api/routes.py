"""The one way a route is declared: `scoped` (an API key with that scope, checked by api.auth's guard and stated in
the OpenAPI document) or `public`. Either one also writes the route's contract into the OpenAPI document, so a new
route gets it by default:

- a `summary` (a short phrase, not the operation id) and a `description`: both required keywords;
- its tag (`admin` for scoped routes, `public` otherwise, unless `tags=` says another);
- every RFC 9457 problem it can answer, as `application/problem+json` with the `Problem` schema and an example:
  400 (a malformed URL, parameter or JSON body) and 503 (database or signing key unavailable) for every route;
  404 for a route with a path parameter; 413 and 422 for a route that takes a body (POST, PUT, PATCH); 401 and 403
  for a scoped route; 429 for `rate_limited=True`; and whatever else the route names in `problems=` (409, 415,
  422 for a GET that checks its parameters, ...).

tests/unit/test_openapi_contract.py fails for any operation of the document without a summary, a description or
its problem responses, so a route declared with Litestar's bare `get`/`post` is caught too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)

from verify_api.api.problems import PROBLEM_MEDIA_TYPE, Problem
from verify_api.problem_types import pai_problem

H = TypeVar("H", bound=HTTPRouteHandler)
Scope = Literal["assess", "issue", "manage"]
ProblemStatus = Literal[400, 401, 403, 404, 409, 413, 415, 422, 429, 503]
API_KEY_SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}]
_BODY_METHODS = frozenset({"post", "put", "patch"})

# What each problem status means on this API, and an example body; the route's own description says which case.
PROBLEM_STATUSES: dict[int, tuple[str, str, str, str]] = {
    400: (
        "Malformed request: the URL, a parameter or the JSON body cannot be read",
        "bad-request",
        "Bad request",
        "Validation failed for GET /v1/organizations: limit: Expected `int <= 50`",
    ),
    401: (
        "No API key, or one that does not authenticate (`WWW-Authenticate: Bearer`)",
        "unauthenticated",
        "Authentication required",
        "send the API key as `Authorization: Bearer <key>`",
    ),
    403: (
        "The API key lacks the scope this operation needs",
        "forbidden",
        "Missing scope",
        "this operation needs the 'manage' scope; the key has ['assess']",
    ),
    404: ("Nothing has that id (or code)", "not-found", "Not found", "no credential has that id"),
    409: (
        "The request conflicts with the current state (a status change not allowed from this status, a reused "
        "Idempotency-Key, a duplicate)",
        "conflict",
        "Conflict",
        "the credential is revoked; it cannot be suspended",
    ),
    413: (
        "The request body exceeds the size limit",
        "body-too-large",
        "Request body too large",
        "the request body exceeds the size limit",
    ),
    415: (
        "The Content-Type is not one this operation reads (the detail lists those it does)",
        "unsupported-media-type",
        "Unsupported media type",
        "Content-Type text/plain is not accepted",
    ),
    422: (
        "The request is well-formed but not acceptable: invalid values, or a rule not met",
        "invalid-input",
        "Invalid input",
        "reason 'misconduct' is not a reason to suspend",
    ),
    429: (
        "Too many requests from this client; retry after `Retry-After` seconds",
        "too-many-requests",
        "Too many requests",
        "Too Many Requests",
    ),
    503: (
        "The service cannot answer now (database or signing key unavailable, or busy); retry after "
        "`Retry-After` seconds when it is sent",
        "signing-key-unavailable",
        "Signing key unavailable",
        "the signing key is unavailable; the operator has been alerted in the service log",
    ),
}


def problem_responses(statuses: Iterable[int]) -> dict[int, ResponseSpec]:
    """The OpenAPI responses of these problem statuses: `application/problem+json`, schema `Problem`, an example."""
    responses = {}
    for status in sorted(set(statuses)):
        description, slug, title, detail = PROBLEM_STATUSES[status]
        example = Problem(type=pai_problem(slug), title=title, status=status, detail=detail)
        responses[status] = ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=description,
            generate_examples=False,
            examples=[Example(summary=title, value=msgspec.to_builtins(example))],
        )
    return responses


def route_problems(method: Callable[..., Any], path: str, *, scoped: bool, rate_limited: bool) -> set[int]:
    """The problem statuses every route of this shape can answer (see the module docstring)."""
    statuses = {400, 503}
    if "{" in path:
        statuses.add(404)
    if getattr(method, "__name__", "") in _BODY_METHODS:
        statuses |= {413, 422}
    if scoped:
        statuses |= {401, 403}
    if rate_limited:
        statuses.add(429)
    return statuses


def binary_body(media_types: Iterable[str]) -> dict[str, Schema]:
    """`raw_body=` for media types whose body is any bytes (a JWT, an image, a JSON document read strictly)."""
    return {media_type: Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY) for media_type in media_types}


def _operation_class(shared: frozenset[int], raw_body: dict[str, Schema]) -> type[Operation]:
    """An Operation that also states what Litestar cannot see from the handler: for the `shared` statuses (which the
    route answers with its own body, e.g. the VC API's verification result on 400/422) the problem+json the framework
    answers with for the same status; and for a route that reads its body itself, the media types it reads."""

    @dataclass
    class DeclaredOperation(Operation):
        def __post_init__(self) -> None:
            for status in shared:
                response = (self.responses or {}).get(str(status))
                if isinstance(response, OpenAPIResponse):
                    problem = OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))
                    response.content = {**(response.content or {}), PROBLEM_MEDIA_TYPE: problem}
            if raw_body:
                content = {media_type: OpenAPIMediaType(schema=schema) for media_type, schema in raw_body.items()}
                self.request_body = RequestBody(content=content, required=True)

    return DeclaredOperation


def _declare(
    method: Callable[..., H],
    path: str,
    *,
    statuses: set[int],
    options: dict[str, Any],
) -> Callable[[Callable[..., Any]], H]:
    own: dict[int, ResponseSpec] = options.pop("responses", {})
    responses = {**problem_responses(statuses), **own}
    shared = frozenset(
        status for status, spec in own.items() if status in statuses and spec.media_type != PROBLEM_MEDIA_TYPE
    )
    raw_body: dict[str, Schema] = options.pop("raw_body", {})
    if shared or raw_body:
        options["operation_class"] = _operation_class(shared, raw_body)

    def declare(fn: Callable[..., Any]) -> H:
        handler = method(path, responses=responses, **options)
        handler(fn)
        return handler

    return declare


def scoped(
    method: Callable[..., H],
    path: str,
    *,
    scope: Scope | tuple[Scope, ...],
    operation_id: str,
    summary: str,
    description: str,
    problems: Iterable[ProblemStatus] = (),
    rate_limited: bool = False,
    **options: Any,
) -> Callable[[Callable[..., Any]], H]:
    """`method(path, ...)` (litestar's post, delete, ...) for a route that needs an API key with `scope` (or with any
    one of a tuple of scopes)."""
    options.setdefault("tags", ["admin"])
    statuses = route_problems(method, path, scoped=True, rate_limited=rate_limited) | set(problems)
    options |= {"opt": {"scope": scope}, "security": API_KEY_SECURITY}
    options |= {"operation_id": operation_id, "summary": summary, "description": description}
    return _declare(method, path, statuses=statuses, options=options)


def public(
    method: Callable[..., H],
    path: str,
    *,
    operation_id: str,
    summary: str,
    description: str,
    problems: Iterable[ProblemStatus] = (),
    rate_limited: bool = False,
    **options: Any,
) -> Callable[[Callable[..., Any]], H]:
    """`method(path, ...)` for a route anyone may call (api.auth lets it through). `rate_limited=True` for a route
    behind the verification rate limit (its router's middleware), so its 429 is declared. `raw_body={media type:
    Schema}` for a route that reads its body itself (no `data` parameter), so the document states its body."""
    options.setdefault("tags", ["public"])
    statuses = route_problems(method, path, scoped=False, rate_limited=rate_limited) | set(problems)
    options |= {"opt": {"public": True, **options.get("opt", {})}}
    options |= {"operation_id": operation_id, "summary": summary, "description": description}
    return _declare(method, path, statuses=statuses, options=options)
