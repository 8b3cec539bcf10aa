"""The one way a route says who may call it: `scoped` (an API key with that scope, checked by api.auth's guard and
stated in the OpenAPI document) or `public`, with the route's OpenAPI tag and operation id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from litestar.handlers import HTTPRouteHandler

H = TypeVar("H", bound=HTTPRouteHandler)
Scope = Literal["assess", "issue", "manage"]
API_KEY_SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}]


def scoped(handler: Callable[..., H], path: str, *, scope: Scope, operation_id: str, **options: Any) -> H:
    """`handler(path, ...)` (litestar's post, delete, ...) for a route that needs an API key with `scope`."""
    options.setdefault("tags", ["admin"])
    return handler(path, opt={"scope": scope}, security=API_KEY_SECURITY, operation_id=operation_id, **options)


def public(handler: Callable[..., H], path: str, *, operation_id: str, **options: Any) -> H:
    """`handler(path, ...)` for a route anyone may call (api.auth lets it through; the verify routes are
    rate-limited by their router)."""
    options.setdefault("tags", ["public"])
    return handler(path, opt={"public": True}, operation_id=operation_id, **options)
