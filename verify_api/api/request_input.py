"""What a request carries is read strictly before any handler sees it: its URL, and its JSON body.

URL: U+0000 (`%00` in the path or the query) is refused by `RefuseNulInUrl`, an app-level middleware costing one
substring search. PostgreSQL cannot store or compare NUL in `text`, so `GET /v1/organizations?q=%00` and
`GET /v1/status-lists/%00` were 500s; no id, code or search term contains it.

JSON body: every JSON request body is read strictly once, before Litestar decodes it with msgspec.

msgspec keeps the last of duplicate members, accepts U+0000 (which PostgreSQL then refuses with a 500) and stops
deep nesting with a RecursionError (another 500). `refuse_ambiguous_json` is the app-level `before_request` hook:
it runs after routing, guards and the rate limits (so an unauthenticated or throttled client costs nothing), reads
the body through `Request.body()` (which caches it for the handler, so it is received once) and parses it with
`verify_api.strict_json`. A refusal is a 400 problem whose detail names the member. Routes that take a body but
not as JSON (`POST /v1/verify`, the HTML form) read it themselves, strictly too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.enums import RequestEncodingType, ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.params import BodyKwarg

from verify_api.errors import MalformedUrlError
from verify_api.strict_json import parse_strict_json

if TYPE_CHECKING:
    from litestar import Request
    from litestar.handlers import HTTPRouteHandler
    from litestar.types import ASGIApp, Receive, Scope, Send


class RefuseNulInUrl(ASGIMiddleware):
    """400 for a path or query holding U+0000, before routing or any handler."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if "\x00" in scope["path"]:
            raise MalformedUrlError("the URL path contains U+0000 (%00), which no resource name contains")
        if b"%00" in scope.get("query_string", b""):
            raise MalformedUrlError("the query string contains U+0000 (%00), which no parameter accepts")
        await next_app(scope, receive, send)


def decodes_json_body(handler: HTTPRouteHandler) -> bool:
    """True when Litestar will decode the body of this route as JSON (a `data` parameter that is not a form)."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    kwarg = data.kwarg_definition
    return not isinstance(kwarg, BodyKwarg) or kwarg.media_type == RequestEncodingType.JSON


async def refuse_ambiguous_json(request: Request[Any, Any, Any]) -> None:
    """Raise `MalformedJsonError` (400) for a JSON body that is malformed or means different things to different
    readers; return None so the handler runs."""
    if not decodes_json_body(request.route_handler):
        return
    body = await request.body()
    if body.strip():  # an empty body is Litestar's to refuse (or allow, for optional data)
        parse_strict_json(body, what="the request body")
