"""The outermost ASGI layer of every HTTP request: its id, its metrics and its one access-log line.

It wraps the whole app (unmatched routes, 405s and errors included), so every response carries `X-Request-ID`:
the client's own when it is 1 to 128 characters of `A-Z a-z 0-9 . _ : -`, a fresh one otherwise. Every log line
written while the request runs carries the same id (logs.REQUEST_ID). The access-log line names the method, the
route template, the path (never the query string), the status, the duration, the id and the client address:
never headers or bodies, so no API key or credential reaches the log. A 503 without `Retry-After` gets one.
"""

from __future__ import annotations

import logging
import os
import re
from time import perf_counter
from typing import TYPE_CHECKING, Any

from verify_api.observability.logs import ACCESS_LOGGER, REQUEST_ID
from verify_api.observability.metrics import UNMATCHED_ROUTE, observe_request

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[..., Awaitable[None]]

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_access_log = logging.getLogger(ACCESS_LOGGER)


def accepted_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The client's X-Request-ID when it is well formed (bounded, plain characters: safe in logs and headers)."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if _VALID_REQUEST_ID.fullmatch(value) else None
    return None


def new_request_id() -> str:
    return os.urandom(16).hex()


class RequestObserver:
    """ASGI middleware: request id, request metrics, access log, Retry-After on 503 (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, retry_after_seconds: int) -> None:
        self.app = app
        self._retry_after = str(retry_after_seconds).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        method, path = scope["method"], scope["path"]  # routing rewrites the path of mounted apps (static files)
        request_id = accepted_request_id(scope["headers"]) or new_request_id()
        token = REQUEST_ID.set(request_id)
        id_header = (REQUEST_ID_HEADER, request_id.encode())
        status = 500  # what the client gets when the app fails before answering (the server sends a bare 500)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append(id_header)
                if status == 503 and not any(name.lower() == b"retry-after" for name, _ in headers):
                    headers.append((b"retry-after", self._retry_after))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = perf_counter() - started
            route = scope.get("path_template") or UNMATCHED_ROUTE
            observe_request(method, route, status, seconds)
            if _access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                _access_log.info(
                    "%s %s %d %.1f ms",
                    method,
                    path,
                    status,
                    seconds * 1000,
                    extra={
                        "request_id": request_id,
                        "method": method,
                        "route": route,
                        "path": path,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                        "client": client[0] if client else None,
                    },
                )
            REQUEST_ID.reset(token)
