"""The rate limit of a group of routes, as ASGI middleware: the client (api via `client_address`, through trusted
proxies) asks the shared limiter (services/rate_limits.py) for a token of the route class's budget; without one the
answer is 429 problem+json with Retry-After.

The limiter is built by the lifespan (`start_rate_limiter`: PostgreSQL counters on the pool, or Valkey/Redis when
REDIS_URL is set) and kept on app.state.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING

from litestar.enums import ScopeType

from verify_api.client_address import client_address
from verify_api.db.rate_limits import PostgresRateLimitStore, RedisRateLimitStore
from verify_api.errors import RateLimitExceededError
from verify_api.services.rate_limits import RateLimiter, retry_after_seconds

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.datastructures import State
    from litestar.types import ASGIApp, Receive, Scope, Send

    from verify_api.db.pool import Pool
    from verify_api.settings import Settings

# Set in a request's ASGI scope (by api.replayed_lookups) to the route class whose budget it already drew on, so the
# route's middleware does not draw again. Only the app itself writes scope keys; a client cannot set one.
ADMITTED_SCOPE_KEY = "verify_api.rate_limit_admitted"
IPV6_CLIENT_PREFIX = 64  # one IPv6 client is a /64: a host is handed a whole one and can pick any address in it


@functools.lru_cache(maxsize=65536)  # parsing an address costs microseconds; a request should not pay them
def rate_limit_bucket(route_class: str, client: str) -> str:
    """The budget a request draws on: its route class and its client (an IPv6 client by its /64)."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return f"{route_class}:{client}"
    if address.version == 6:
        return f"{route_class}:{ipaddress.ip_network(f'{address}/{IPV6_CLIENT_PREFIX}', strict=False)}"
    return f"{route_class}:{address}"


def start_rate_limiter(settings: Settings, pool: Pool) -> RateLimiter:
    """The verification routes' limiter, on the store the settings choose."""
    store = (
        RedisRateLimitStore(settings.redis_url, window_seconds=60)
        if settings.redis_url
        else PostgresRateLimitStore(pool)
    )
    return RateLimiter(
        store, limit=settings.verify_rate_limit_per_minute, window_seconds=60, lease_max=settings.rate_limit_lease_max
    )


def rate_limited(route_class: str) -> Callable[[ASGIApp], ASGIApp]:
    """Middleware drawing every request of its routes from the `route_class` budget of its client."""

    def middleware_factory(app: ASGIApp) -> ASGIApp:
        async def rate_limit_middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP and scope.get(ADMITTED_SCOPE_KEY) != route_class:
                state: State = scope["litestar_app"].state
                limiter: RateLimiter = state.rate_limiter
                client = client_address(scope, state.runtime.settings)
                wait = await limiter.admit(rate_limit_bucket(route_class, client))
                if wait is not None:
                    raise RateLimitExceededError(retry_after_seconds(wait))
            await app(scope, receive, send)

        return rate_limit_middleware

    return middleware_factory
