"""Cached public lookups answered before Litestar: the response the routes sent for an answer, sent again.

The hottest requests, `GET /v1/credentials/{id}` (no query, a JSON answer wanted) and `GET /v1/lookup?code=...`
(the code alone), are answered here when the lookup cache (services.caches, services.lookup) holds their answer
together with the response the routes produced for it: status, every header in order (CORS, Vary, the security
headers, content type and length) and body, recorded the first time the routes answered it. Nothing is judged
here: the entry is the routes' own answer (domain.verdict.judge_credential, through services.lookup), dropped by
the same change notes and replayed only within the span of time that answer holds for; past it, or on any other
request (`?at=`, an HTML or VC Accept, HEAD, any other parameter or a percent-escape), the request goes through
Litestar as before. This layer sits inside the observability middleware (request id, metrics, access log are added
there, to both kinds of answer alike), and a lookup by code draws on the verification rate limit first, as the
route does (api.rate_limit).
"""

from __future__ import annotations

import contextlib
import functools
import re
from typing import TYPE_CHECKING, Any

from verify_api.api.rate_limit import rate_limit_bucket
from verify_api.client_address import client_address
from verify_api.domain.codes import is_credential_id
from verify_api.errors import InvalidVerificationCodeError
from verify_api.services.lookup import ServedAnswer, lookup_key_for_code, remember_served, served_answer

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
RATE_LIMIT_CLASS = "verification"  # the budget of /v1/lookup (api.verify.verification_rate_limit)
_PLAIN_CODE = re.compile(rb"code=([A-Za-z0-9*~$-]{1,40})")  # no escapes, no other parameter: read as Litestar reads it


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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = replay_key(scope) if scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        state = self._litestar.state
        runtime: Runtime = state.runtime
        served = served_answer(runtime, key, runtime.clock())
        if served is not None and key.startswith("code:"):
            wait = await state.rate_limiter.admit(
                rate_limit_bucket(RATE_LIMIT_CLASS, client_address(scope, runtime.settings))
            )
            # Refused: the route refuses it too (its 429 problem); a note may also have arrived while waiting.
            served = served_answer(runtime, key, runtime.clock()) if wait is None else None
            if served is None:
                await self.app(scope, receive, send)  # the route draws on the budget again: a refusal costs two
                return
        if served is not None:
            scope["path_template"] = served.route
            self.replayed += 1
            await send({"type": "http.response.start", "status": served.status, "headers": list(served.headers)})
            await send({"type": "http.response.body", "body": served.body, "more_body": False})
            return
        await self._record(runtime, key, scope, receive, send)

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
        if status != 200 or len(chunks) != 1 or chunks[0][1] or not route:
            return
        recorded = ServedAnswer(status, headers, chunks[0][0], route)
        remember_served(runtime, key, recorded, read_at_generation=generation)
