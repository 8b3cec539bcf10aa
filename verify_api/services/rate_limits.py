"""Rate limits shared by every worker and instance, without a round trip per request.

The budget of a client for a route class is `limit` requests per sliding window (`window_seconds`), estimated the
usual way from two fixed windows: the current window's count plus the previous one's weighted by the part of it still
inside the sliding window. Counts live in a shared store (PostgreSQL, or Valkey/Redis; db/rate_limits.py).

Each worker takes tokens in leases of `lease_size` (limit / 20, between 1 and RATE_LIMIT_LEASE_MAX) and spends them
locally, so the store sees one round trip per lease; a lease of 4 or more is refilled when half of it is left, so
requests seldom wait for one. A client whose lease lasted less than LEASE_TARGET_SECONDS gets as many times more
tokens at its next lease as would make it last that long (2 to 16 times), up to limit / 20 (and back down, halving,
once a lease lasts four times that), so even a busy client (a proxy that is not trusted, a load test) costs about one
round trip a second per worker, and the refill ahead always returns long before the tokens left run out. The store
never grants more than the budget, so all workers and instances together never admit more than `limit` in a window;
the price is that tokens a worker leased and did not spend are lost to that client, so a client spread over W workers
may be refused up to W x (2 x lease - 1) requests early (W x (lease - 1) for leases under 4, which are not refilled
ahead), `lease` being at most limit / 20. A refusal is remembered locally until the budget can have room again, so a
flood of refused requests costs no round trips either.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from verify_api.caching import BoundedCache
from verify_api.db.rate_limits import LeaseRequest, WindowCounts

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

    from verify_api.db.rate_limits import RateLimitStore

LEASE_FRACTION = 20  # a lease is at most 1/20 of the limit
REFILL_AHEAD_FROM = 4  # leases of at least this many tokens are refilled before they run out
LEASE_TARGET_SECONDS = 1.0  # a lease spent faster than this makes the next one larger
LEASE_GROWTH_MAX = 16  # by at most this factor at a time
TRACKED_CLIENTS = 20_000  # leases kept per worker (least recently used dropped: its unspent tokens are lost)


@dataclass
class _Lease:
    window_index: int
    size: int  # the tokens the next lease asks for (grows for a busy client, see the module docstring)
    tokens: int = 0
    leased_at_ms: int = 0  # when the last lease was asked for
    refused_until_ms: int = 0
    refilling: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class RateLimiter:
    """Admits requests against shared budgets; the clock (seconds, time.time) is injectable for tests."""

    def __init__(
        self,
        store: RateLimitStore,
        *,
        limit: int,
        window_seconds: int = 60,
        lease_max: int = 50,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.limit = limit
        self.window_ms = window_seconds * 1000
        self.lease_size = max(1, min(lease_max, limit // LEASE_FRACTION))
        self.lease_ceiling = max(self.lease_size, limit // LEASE_FRACTION)
        self._clock = clock
        self._leases: BoundedCache[str, _Lease] = BoundedCache(TRACKED_CLIENTS)
        self._forgotten_before = 0
        # Small leases are not refilled ahead (a client then holds at most one lease per worker, so small limits
        # stay exact); larger ones are, at half a lease left.
        self._refill_at = self.lease_size // 2 if self.lease_size >= REFILL_AHEAD_FROM else -1
        self._refills: set[asyncio.Task[None]] = set()

    async def admit(self, bucket: str) -> float | None:
        """None when the request may go ahead; otherwise the seconds until the budget has room again."""
        now_ms = int(self._clock() * 1000)
        window_index = now_ms // self.window_ms
        lease = self._leases.get(bucket)
        if lease is None:
            lease = _Lease(window_index, self.lease_size)
            self._leases.put(bucket, lease)
        elif lease.window_index != window_index:
            # A new window: the tokens left were counted when leased (in the window before, which the sliding
            # estimate still weighs), so they are spent as they are, and the lease keeps its size.
            lease = _Lease(window_index, lease.size, tokens=lease.tokens, leased_at_ms=lease.leased_at_ms)
            self._leases.put(bucket, lease)
        if lease.tokens == 0 and now_ms >= lease.refused_until_ms:
            async with lease.lock:  # one lease at a time per client and worker; the others wait for its tokens
                if lease.tokens == 0 and now_ms >= lease.refused_until_ms:
                    await self._take_lease(bucket, lease, now_ms)
        if lease.tokens > 0:
            lease.tokens -= 1
            if lease.tokens <= self._refill_at_for(lease) and not lease.refilling and now_ms >= lease.refused_until_ms:
                lease.refilling = True
                self._spawn(self._refill(bucket, lease, now_ms))
            return None
        return max(lease.refused_until_ms - now_ms, 0) / 1000

    async def _refill(self, bucket: str, lease: _Lease, now_ms: int) -> None:
        """The next lease, taken while half of this one is left, so requests seldom wait on the store."""
        try:
            async with lease.lock:
                if lease.tokens <= self._refill_at_for(lease) and now_ms >= lease.refused_until_ms:
                    await self._take_lease(bucket, lease, now_ms)
        finally:
            lease.refilling = False

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    def _refill_at_for(self, lease: _Lease) -> int:
        """Tokens left at which the next lease is taken ahead: half the lease (never for leases under 4)."""
        return lease.size // 2 if self._refill_at >= 0 else -1

    def _next_size(self, lease: _Lease, now_ms: int) -> int:
        """When the last lease lasted less than LEASE_TARGET_SECONDS, as many times larger as would make it last
        that long (at least twice, at most LEASE_GROWTH_MAX times); half when it lasted four times that; between
        `lease_size` and `lease_ceiling`."""
        if not lease.leased_at_ms:
            return lease.size
        lasted_ms = now_ms - lease.leased_at_ms
        target_ms = LEASE_TARGET_SECONDS * 1000
        if lasted_ms < target_ms:
            growth = min(LEASE_GROWTH_MAX, max(2, math.ceil(target_ms / max(lasted_ms, 1))))
            return min(lease.size * growth, self.lease_ceiling)
        if lasted_ms > 4 * LEASE_TARGET_SECONDS * 1000:
            return max(lease.size // 2, self.lease_size)
        return lease.size

    async def _take_lease(self, bucket: str, lease: _Lease, now_ms: int) -> None:
        if lease.window_index - 1 > self._forgotten_before:  # once per window: counts older than the previous one
            self._forgotten_before = lease.window_index - 1
            await self.store.forget_windows_before(self._forgotten_before)
        elapsed_ms = now_ms - lease.window_index * self.window_ms
        lease.size = self._next_size(lease, now_ms)
        lease.leased_at_ms = now_ms
        counts = await self.store.take_tokens(
            LeaseRequest(
                bucket,
                lease.window_index,
                lease.size,
                self.limit,
                previous_weight_ms=self.window_ms - elapsed_ms,
                window_ms=self.window_ms,
            )
        )
        lease.tokens += counts.granted
        if not counts.granted:
            lease.refused_until_ms = now_ms + self.ms_until_room(counts, elapsed_ms)

    def ms_until_room(self, counts: WindowCounts, elapsed_ms: int) -> int:
        """When one more token fits: once the previous window's weighted count, rounded up, is at most
        `limit - taken - 1`; or, when this window is spent, once the next window has started and this one's weighted
        count is at most `limit - 1`."""
        room = self.limit - counts.taken - 1
        if room >= 0 and counts.previous > 0:
            return max(self._elapsed_ms_for(room, counts.previous) - elapsed_ms, 0)
        return self.window_ms - elapsed_ms + self._elapsed_ms_for(self.limit - 1, max(counts.taken, 1))

    def _elapsed_ms_for(self, room: int, previous: int) -> int:
        """The least time into a window at which `previous` weighted by the rest of its window, rounded up, is at
        most `room`: previous * (window - t) <= room * window."""
        return max(self.window_ms - (room * self.window_ms) // previous, 0)

    async def close(self) -> None:
        for task in list(self._refills):
            task.cancel()
        await asyncio.gather(*self._refills, return_exceptions=True)
        await self.store.close()


def retry_after_seconds(wait: float) -> int:
    """The Retry-After value (whole seconds, at least 1) for a wait in seconds."""
    return max(1, math.ceil(wait))
