"""Shared rate-limit counters: per (bucket, fixed window), how many tokens workers have taken, in PostgreSQL (the
UNLOGGED table `rate_limit_windows`) or in Valkey/Redis when REDIS_URL is set. Both grant a lease in one atomic step,
from the sliding-window budget (services/rate_limits.py chooses the lease size and the weight).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import redis.asyncio
import redis.exceptions

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    from verify_api.db.pool import Pool

SQL = NamedSql("sql/rate_limits.sql")
REDIS_KEY_PREFIX = "verify_api:rate_limit:"
# How long a lease waits for Valkey/Redis to connect or answer before the request is refused (503, Retry-After).
REDIS_TIMEOUT_SECONDS = 2.0


# The lease, in Lua so Valkey/Redis runs it atomically: the same arithmetic as take_tokens in sql/rate_limits.sql.
_TAKE_TOKENS_LUA = """
local limit = tonumber(ARGV[2])
local previous = math.min(tonumber(redis.call('GET', KEYS[2]) or '0'), limit)
local budget = limit - math.floor((previous * tonumber(ARGV[3]) + tonumber(ARGV[4]) - 1) / tonumber(ARGV[4]))
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
local granted = math.min(tonumber(ARGV[1]), math.max(budget - taken, 0))
if granted > 0 then taken = redis.call('INCRBY', KEYS[1], granted) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {taken, granted, previous}
"""


@dataclass(frozen=True)
class WindowCounts:
    taken: int  # tokens taken in this window, this lease included
    granted: int  # tokens this lease granted (0: the budget is spent)
    previous: int  # tokens taken in the window before (at most the limit)


@dataclass(frozen=True)
class LeaseRequest:
    bucket: str  # "<route class>:<client>"
    window_index: int
    count: int  # tokens wanted
    limit: int  # tokens per window
    previous_weight_ms: int  # the part of the previous window still inside the sliding window
    window_ms: int


class RateLimitStore(Protocol):
    async def take_tokens(self, lease: LeaseRequest) -> WindowCounts: ...

    async def forget_windows_before(self, window_index: int) -> None: ...

    async def close(self) -> None: ...


class RateLimitWindows(RepositoryBase):
    async def take_tokens(self, lease: LeaseRequest) -> WindowCounts:
        row = await self._fetchrow(
            SQL.take_tokens,
            lease.bucket,
            lease.window_index,
            lease.count,
            lease.limit,
            lease.previous_weight_ms,
            lease.window_ms,
        )
        assert row is not None  # an INSERT ... ON CONFLICT DO UPDATE always returns its row
        return WindowCounts(taken=row["taken"], granted=row["granted"], previous=row["previous"])

    async def forget_windows_before(self, window_index: int) -> None:
        await self._execute(SQL.forget_windows_before, window_index)


class PostgresRateLimitStore:
    """Counters in the primary's `rate_limit_windows`: one pooled round trip per lease."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def take_tokens(self, lease: LeaseRequest) -> WindowCounts:
        async with self._pool.acquire() as conn:
            return await RateLimitWindows(conn).take_tokens(lease)

    async def forget_windows_before(self, window_index: int) -> None:
        async with self._pool.acquire() as conn:
            await RateLimitWindows(conn).forget_windows_before(window_index)

    async def close(self) -> None:
        """The pool is the application's; nothing of our own to close."""


class RedisRateLimitStore:
    """Counters in Valkey/Redis: one Lua script per lease on the window's key (which expires two windows later).
    Old windows expire by themselves."""

    def __init__(self, url: str, window_seconds: int) -> None:
        self._client = redis.asyncio.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        self._script = self._client.register_script(_TAKE_TOKENS_LUA)
        self._window_seconds = window_seconds

    async def take_tokens(self, lease: LeaseRequest) -> WindowCounts:
        keys = [f"{REDIS_KEY_PREFIX}{lease.bucket}:{lease.window_index - offset}" for offset in (0, 1)]
        args = [lease.count, lease.limit, lease.previous_weight_ms, lease.window_ms, 2 * self._window_seconds]
        try:
            taken, granted, previous = await self._script(keys=keys, args=args)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
            # Down or unreachable: refused as an outage (503 with Retry-After), never let through unlimited (the
            # limit guards the guessing of verification codes) and never a 500.
            raise DatabaseUnavailableError(
                f"the rate-limit store (Valkey/Redis at REDIS_URL) cannot be reached: {type(exc).__name__}"
            ) from exc
        return WindowCounts(taken=int(taken), granted=int(granted), previous=int(previous))

    async def forget_windows_before(self, window_index: int) -> None:
        """Keys expire on their own."""

    async def close(self) -> None:
        await self._client.aclose()
