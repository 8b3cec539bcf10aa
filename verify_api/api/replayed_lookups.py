"""Cached public lookups answered before Litestar: the response the routes sent for an answer, sent again.

The hottest requests, `GET /v1/credentials/{id}` (no query, a JSON answer wanted) and `GET /v1/lookup?code=...`
(the code alone), are answered here when the lookup cache (services.caches, services.lookup) holds their answer
together with the response the routes produced for it: status, every header in order (CORS, Vary, the security
headers, content type and length) and body, recorded the first time the routes answered it. Nothing is judged
here: the entry is the routes' own answer (domain.verdict.judge_credential, through services.lookup), dropped by
the same change notes and replayed only within the span of time that answer holds for; past it, or on any other
request (`?at=`, an HTML or VC Accept, HEAD, any other parameter or a percent-escape), the request goes through
Litestar as before. This layer sits inside the observability middleware (request id, metrics, access log are added
there, to both kinds of answer alike), and a lookup by code draws on the verification rate limit first, once, as the
route does (api.rate_limit; the route's middleware then does not draw again).

A miss (cold lookups, issue 10) is answered here too once the route has answered one lookup: the body from the very
service call the route makes (services.lookup.lookup_answer: one statement, judged, encoded, cached), sent with the
headers the route sent for its earlier answers but the body's length (learned per route, and given up for good if
two of the route's answers ever differ in anything else). Anything that fails (an unknown id or code, the database)
goes to the route, which reads again and answers as it always does.
"""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from verify_api.api.deps import public_read_connection
from verify_api.api.rate_limit import ADMITTED_SCOPE_KEY, rate_limit_bucket
from verify_api.client_address import client_address
from verify_api.domain.codes import is_credential_id
from verify_api.errors import DatabaseUnavailableError, InvalidVerificationCodeError
from verify_api.services.lookup import (
    ServedAnswer,
    lookup_answer,
    lookup_key_for_code,
    remember_served,
    served_answer,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from litestar import Litestar

    from verify_api.api.deps import Runtime

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[..., Awaitable[None]]

CREDENTIAL_PREFIX = "/v1/credentials/"
LOOKUP_PATH = "/v1/lookup"
CREDENTIAL_ROUTE = "/v1/credentials/{credential_id}"  # the routes' path templates, as Litestar names them
LOOKUP_ROUTE = "/v1/lookup"
RATE_LIMIT_CLASS = "verification"  # the budget of /v1/lookup (api.verify.verification_rate_limit)
# No escapes, no other parameter: read as Litestar reads it (a check symbol may be `=`: the value is all after the
# first `=`)
_PLAIN_CODE = re.compile(rb"code=([A-Za-z0-9*~$=-]{1,40})")


def wants_json_answer(headers: list[tuple[bytes, bytes]]) -> bool:
    """The Accept of a request GET /v1/credentials/{id} answers with its JSON view (not the page, not the signed
    document: api.negotiation), as the route's own from-memory hook reads it (api.public.answer_from_memory)."""
    accept = next((value for name, value in headers if name == b"accept"), b"")
    return b"html" not in accept and b"application/vc" not in accept and b"ld+json" not in accept


def replay_key(scope: Scope) -> str | None:
    """The lookup cache key of a request this layer may answer, or None (it goes through Litestar)."""
    if scope["method"] != "GET":
        return None
    path: str = scope["path"]
    if path.startswith(CREDENTIAL_PREFIX):
        credential_id = path[len(CREDENTIAL_PREFIX) :]
        if scope["query_string"] or not is_credential_id(credential_id) or not wants_json_answer(scope["headers"]):
            return None
        return "id:" + credential_id
    if path == LOOKUP_PATH:
        plain = _PLAIN_CODE.fullmatch(scope["query_string"])
        if plain is None:
            return None
        with contextlib.suppress(InvalidVerificationCodeError):  # the route refuses it, with its problem
            return _key_for_code(plain.group(1))
    return None


@functools.lru_cache(maxsize=65536)  # normalising a code and its check symbol costs more than replaying its answer
def _key_for_code(code: bytes) -> str:
    return lookup_key_for_code(code.decode("ascii"))


class ReplayedLookups:
    """ASGI middleware: replay a recorded answer while it holds, else record what the routes answer (see above)."""

    def __init__(self, app: ASGIApp, litestar: Litestar) -> None:
        self.app = app
        self._litestar = litestar
        self.replayed = 0  # answers sent from here (tests, and a look at a running process)
        self.answered_misses = 0  # answers read from the database here, in the routes' response shape
        # Per route, the routes' response headers for a 200 JSON answer with the body's length left out (its
        # index), learned from the first such answer the routes sent; None once two answers disagreed.
        self._shapes: dict[str, ResponseShape | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = replay_key(scope) if scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        state = self._litestar.state
        runtime: Runtime = state.runtime
        if key.startswith("code:"):
            # The code's budget is drawn here, once, whether the answer is then replayed, read here or left to the
            # route (whose rate-limit middleware sees the mark and does not draw again).
            try:
                wait = await state.rate_limiter.admit(
                    rate_limit_bucket(RATE_LIMIT_CLASS, client_address(scope, runtime.settings))
                )
            except DatabaseUnavailableError:  # the limiter's store: the route meets it too, and answers its 503
                wait = 0.0
            if wait is not None:
                await self.app(scope, receive, send)  # the route refuses it (its 429 problem) and says for how long
                return
            scope[ADMITTED_SCOPE_KEY] = RATE_LIMIT_CLASS
        served = served_answer(runtime, key, runtime.clock())
        if served is not None:
            self.replayed += 1
        else:
            served = await self._answer_miss(runtime, key)
        if served is not None:
            scope["path_template"] = served.route
            await send({"type": "http.response.start", "status": served.status, "headers": list(served.headers)})
            await send({"type": "http.response.body", "body": served.body, "more_body": False})
            return
        await self._record(runtime, key, scope, receive, send)

    async def _answer_miss(self, runtime: Runtime, key: str) -> ServedAnswer | None:
        """A miss answered here (issue 10's cold lookups): the body from the service the route calls
        (services.lookup.lookup_answer, which caches the answer), in the response the routes sent for this route's
        earlier answers; None (the routes answer) before the route has answered once, when its answers' headers
        ever differed but for their length, and on any failure (an unknown id or code, the database unreachable:
        the route then reads again and answers with its problem, so the errors stay the routes' own)."""
        route = CREDENTIAL_ROUTE if key.startswith("id:") else LOOKUP_ROUTE
        shape = self._shapes.get(route)
        if shape is None:
            return None
        generation = runtime.lookup_cache.generation  # before the read: a note since keeps the response out
        try:
            async with public_read_connection(runtime) as conn:
                body = await lookup_answer(conn, runtime, key, now=runtime.clock())
        except Exception:  # noqa: BLE001 - whatever it was, the route meets it again and answers it as it does
            return None
        served = ServedAnswer(200, shape.headers_for(body), body, route)
        remember_served(runtime, key, served, read_at_generation=generation)
        self.answered_misses += 1
        return served

    async def _record(self, runtime: Runtime, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Through Litestar; a 200 sent in one piece for the answer the cache then holds is kept with it."""
        generation = runtime.lookup_cache.generation  # before the routes read: a note since keeps it out
        status, chunks = 0, []
        headers: tuple[tuple[bytes, bytes], ...] = ()

        async def recording_send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = tuple((bytes(name), bytes(value)) for name, value in message.get("headers", ()))
            elif message["type"] == "http.response.body":
                chunks.append((bytes(message.get("body", b"")), bool(message.get("more_body", False))))
            await send(message)

        await self.app(scope, receive, recording_send)
        route = scope.get("path_template")
        if status != 200 or len(chunks) != 1 or chunks[0][1] or route not in (CREDENTIAL_ROUTE, LOOKUP_ROUTE):
            return
        recorded = ServedAnswer(status, headers, chunks[0][0], route)
        self._learn_shape(recorded)
        remember_served(runtime, key, recorded, read_at_generation=generation)

    def _learn_shape(self, recorded: ServedAnswer) -> None:
        shape = ResponseShape.of(recorded)
        if recorded.route not in self._shapes:
            self._shapes[recorded.route] = shape
        elif self._shapes[recorded.route] != shape:
            self._shapes[recorded.route] = None  # not one shape: misses go to the routes from now on


@dataclass(frozen=True)
class ResponseShape:
    """A route's 200 response headers but the body's length (at `length_at`), in the order the routes sent them."""

    before: tuple[tuple[bytes, bytes], ...]
    after: tuple[tuple[bytes, bytes], ...]
    length_name: bytes

    @classmethod
    def of(cls, served: ServedAnswer) -> ResponseShape | None:
        names = [name.lower() for name, _ in served.headers]
        if (
            names.count(b"content-length") != 1
            or served.headers[names.index(b"content-length")][1] != str(len(served.body)).encode()
        ):
            return None
        at = names.index(b"content-length")
        return cls(served.headers[:at], served.headers[at + 1 :], served.headers[at][0])

    def headers_for(self, body: bytes) -> tuple[tuple[bytes, bytes], ...]:
        return (*self.before, (self.length_name, str(len(body)).encode()), *self.after)
