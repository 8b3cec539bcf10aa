"""CORS for the public read routes browser verifiers and web wallets fetch: any origin, GET/HEAD, no credentials.

Fetch Standard §3.2 (https://fetch.spec.whatwg.org/#http-cors-protocol): a simple GET (no custom request headers;
`Accept` is CORS-safelisted) needs no preflight, so `Access-Control-Allow-Origin: *` on the response is all a
browser asks. `*` never admits credentials (cookies, HTTP auth), which these routes neither need nor read. Applied
per route (never app-wide): the admin routes and the HTML form stay same-origin only.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

PUBLIC_READ_CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    # What a browser script may read besides the safelisted response headers (conditional requests, caching).
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link",
}


async def allow_any_origin(response: Response[Any]) -> Response[Any]:
    """After-request hook: the CORS response headers of a public, credential-free read."""
    for name, value in PUBLIC_READ_CORS_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def route_allows_any_origin(request: Request[Any, Any, Any]) -> bool:
    """Whether the matched route is a public read with CORS: its error responses (a problem+json 404 or 400, made by
    the exception handlers, which after-request hooks never see) carry the same headers, so a browser verifier can
    read why a lookup failed instead of an opaque network error."""
    hook = getattr(request.scope.get("route_handler"), "after_request", None)
    return hook is not None and (hook is allow_any_origin or getattr(hook, "func", None) is allow_any_origin)
