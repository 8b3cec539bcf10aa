"""The one way a route is declared: `scoped` (an API key with that scope, checked by api.auth's guard and stated in
the OpenAPI document) or `public`. Either one also writes the route's contract into the OpenAPI document, so a new
route gets it by default:

- a `summary` (a short phrase, not the operation id) and a `description`: both required keywords;
- its tag (`admin` for scoped routes, `public` otherwise, unless `tags=` says another);
- `body_examples=[example(...), ...]` for a route that takes a body: at least one realistic request body (a struct
  instance or a JSON value), listed under the body's media type; `response_examples={200: [example(...)]}` for its
  main answers. tests/unit/test_openapi_contract.py fails for a body without an example (naming the route) and for
  an example its schema refuses; tests/integration/test_openapi_examples.py posts every request example to the app;
- every RFC 9457 problem it can answer, as `application/problem+json` with the `Problem` schema and an example:
  400 (a malformed URL, parameter or JSON body) and 503 (database or signing key unavailable) for every route;
  404 for a route with a path parameter; 413 and 422 for a route that takes a body (POST, PUT, PATCH); 401 and 403
  for a scoped route; 429 for `rate_limited=True`; and whatever else the route names in `problems=` (409, 415,
  422 for a GET that checks its parameters, ...).

tests/unit/test_openapi_contract.py fails for any operation of the document without a summary, a description or
its problem responses, so a route declared with Litestar's bare `get`/`post` is caught too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
from verify_api.api_key_schemas import ApiKeyScope
from verify_api.problem_types import pai_problem

H = TypeVar("H", bound=HTTPRouteHandler)
Scope = ApiKeyScope
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
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=PROBLEM_STATUSES[status][0],
            generate_examples=False,
            examples=[problem_example(status)],
        )
        for status in sorted(set(statuses))
    }


def problem_example(status: int) -> Example:
    _, slug, title, detail = PROBLEM_STATUSES[status]
    problem = Problem(type=pai_problem(slug), title=title, status=status, detail=detail)
    return Example(summary=title, value=msgspec.to_builtins(problem))


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


@dataclass(frozen=True)
class BodyExample:
    """One example of a request or response body, as the OpenAPI document lists it (OpenAPI 3.1 §4.8.19)."""

    summary: str
    value: Any
    media_type: str = "application/json"
    description: str | None = None

    def as_openapi(self, *, request: bool) -> Example:
        """A request example leaves out the members a client would not send (those equal to their default); an
        answer's shows every member, as the API sends it."""
        value = _sent_by_a_client(self.value) if request else msgspec.to_builtins(self.value)
        return _VerbatimExample(summary=self.summary, description=self.description, value=value)

    @property
    def key(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.summary.lower()).strip("-")


def _sent_by_a_client(value: Any) -> Any:
    if isinstance(value, msgspec.Struct):
        info = msgspec.inspect.type_info(type(value))
        assert isinstance(info, msgspec.inspect.StructType)
        sent: dict[str, Any] = {info.tag_field: info.tag} if info.tag_field is not None else {}
        for member in info.fields:
            chosen = getattr(value, member.name)
            if chosen is msgspec.UNSET:
                continue  # a member left out (a merge patch's), as the client would leave it out
            if member.default is msgspec.NODEFAULT or chosen != member.default:
                sent[member.encode_name] = _sent_by_a_client(chosen)
        return sent
    if isinstance(value, list | tuple):
        return [_sent_by_a_client(item) for item in value]
    return msgspec.to_builtins(value)


@dataclass
class _VerbatimExample(Example):
    """An Example whose value is written as given: Litestar drops every null member of a spec object's dicts, which
    would make an example answer lose its `"statusReason": null` (and fail its own schema)."""

    def to_schema(self) -> dict[str, Any]:
        schema = super().to_schema()
        schema["value"] = self.value
        return schema


def example(
    summary: str, value: Any, *, media_type: str = "application/json", description: str | None = None
) -> BodyExample:
    """An example body: `value` a wire struct instance (encoded as the API would) or a JSON value (dict, list, str)."""
    return BodyExample(summary=summary, value=value, media_type=media_type, description=description)


@dataclass(frozen=True)
class _Declared:
    shared: frozenset[int] = frozenset()
    raw_body: Mapping[str, Schema] = field(default_factory=dict)
    body_examples: Sequence[BodyExample] = ()
    response_examples: Mapping[int, Sequence[BodyExample]] = field(default_factory=dict)


def _operation_class(declared: _Declared) -> type[Operation]:
    """An Operation that also states what Litestar cannot see from the handler: for the `shared` statuses (which the
    route answers with its own body, e.g. the VC API's verification result on 400/422) the problem+json the framework
    answers with for the same status; for a route that reads its body itself, the media types it reads; and the
    route's request and response examples, each under its media type."""

    @dataclass
    class DeclaredOperation(Operation):
        def __post_init__(self) -> None:
            for status in declared.shared:
                response = (self.responses or {}).get(str(status))
                if isinstance(response, OpenAPIResponse):
                    problem = OpenAPIMediaType(
                        schema=Reference(ref="#/components/schemas/Problem"),
                        examples={"problem-example-1": problem_example(status)},
                    )
                    response.content = {**(response.content or {}), PROBLEM_MEDIA_TYPE: problem}
            if declared.raw_body:
                content = {media: OpenAPIMediaType(schema=schema) for media, schema in declared.raw_body.items()}
                self.request_body = RequestBody(content=content, required=True)
            if isinstance(self.request_body, RequestBody):
                _attach(
                    self.request_body.content, declared.body_examples, what=f"{self.operation_id} request", request=True
                )
            for status, examples in declared.response_examples.items():
                response = (self.responses or {}).get(str(status))
                if not isinstance(response, OpenAPIResponse) or not response.content:
                    raise ValueError(f"{self.operation_id}: response_examples for {status}, which has no body")
                _attach(response.content, examples, what=f"{self.operation_id} {status} response", request=False)

    return DeclaredOperation


def _attach(content: dict[str, OpenAPIMediaType], examples: Sequence[BodyExample], *, what: str, request: bool) -> None:
    for body_example in examples:
        media = content.get(body_example.media_type)
        if media is None:
            raise ValueError(f"{what}: an example for {body_example.media_type}, which it does not declare")
        media.examples = {**(media.examples or {}), body_example.key: body_example.as_openapi(request=request)}


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
    declared = _Declared(
        shared=shared,
        raw_body=options.pop("raw_body", {}),
        body_examples=tuple(options.pop("body_examples", ())),
        response_examples=options.pop("response_examples", {}),
    )
    if declared != _Declared():
        options["operation_class"] = _operation_class(declared)

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
