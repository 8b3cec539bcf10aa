"""What a request carries is read strictly before any handler sees it: its URL, and its JSON body.

`refuse_malformed_input` is the app-level `before_request` hook. It runs after routing, guards and the rate limits
(so an unauthenticated or throttled client costs nothing) and before Litestar extracts any parameter or decodes
the body. A hook rather than a middleware because an app-level middleware wraps every route in one more exception
handler as well: about 8 µs of CPU per request, 3 % of the hottest lookup, against under 1 µs for the hook.

- URL: U+0000 (`%00` in the path or the query) is refused. PostgreSQL cannot store or compare NUL in `text`, so
  `GET /v1/organizations?q=%00` and `GET /v1/status-lists/%00` were 500s; no id, code or search term contains it.
- JSON body: msgspec keeps the last of duplicate members, accepts U+0000 (which PostgreSQL then refuses with a 500)
  and stops deep nesting with a RecursionError (another 500). The body is read through `Request.body()`, which
  caches it for the handler (it is received once), and parsed with `verify_api.strict_json`.

A refusal is a 400 problem whose detail names the member or the part of the URL. Routes that take a body but not
as JSON (`POST /v1/verify`, the HTML form) read it themselves, strictly too. A route with its own `before_request`
replaces this hook; `tests/integration/test_json_bodies.py` checks that only `GET /v1/credentials/{id}` (typed
inputs, no body) has one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg

from verify_api.errors import MalformedUrlError
from verify_api.strict_json import parse_strict_json

if TYPE_CHECKING:
    from litestar import Request
    from litestar.handlers import HTTPRouteHandler


def decodes_json_body(handler: HTTPRouteHandler) -> bool:
    """True when Litestar will decode the body of this route as JSON (a `data` parameter that is not a form)."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    kwarg = data.kwarg_definition
    return not isinstance(kwarg, BodyKwarg) or kwarg.media_type == RequestEncodingType.JSON


def refuse_nul_in_url(request: Request[Any, Any, Any]) -> None:
    """Raise `MalformedUrlError` (400) for a path or query holding U+0000."""
    if "\x00" in request.scope["path"]:
        raise MalformedUrlError("the URL path contains U+0000 (%00), which no resource name contains")
    if b"%00" in request.scope["query_string"]:
        raise MalformedUrlError("the query string contains U+0000 (%00), which no parameter accepts")


async def refuse_malformed_input(request: Request[Any, Any, Any]) -> None:
    """Raise `MalformedUrlError` or `MalformedJsonError` (400) for a URL or a JSON body that PostgreSQL cannot hold or
    that means different things to different readers; return None so the handler runs."""
    refuse_nul_in_url(request)
    if not decodes_json_body(request.route_handler):
        return
    body = await request.body()
    if body.strip():  # an empty body is Litestar's to refuse (or allow, for optional data)
        parse_strict_json(body, what="the request body")
