"""Rate limits shared by every worker and instance: two app objects on one database (or one Valkey/Redis) draw on one
budget per client; the client is found through trusted proxies only; leases keep the store off the hot path."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
from typing import TYPE_CHECKING

import asyncpg
import httpx
import pytest

from tests.conftest import BASE_URL
from verify_api.db.pool import create_pool
from verify_api.db.rate_limits import PostgresRateLimitStore, RateLimitStore, RedisRateLimitStore
from verify_api.domain.codes import format_verification_code
from verify_api.services.rate_limits import RateLimiter
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from litestar import Litestar

    from tests.conftest import FakeClock, MakeApp
    from verify_api.services.context import IssuerKey

CODE = format_verification_code("00000000")
REDIS_SERVER = shutil.which("valkey-server") or shutil.which("redis-server")
needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None, reason="no valkey-server or redis-server on PATH (make test installs Debian's redis-server)"
)


class Peers:
    """Clients of one app, one per socket peer (the ASGI `client` the app sees)."""

    def __init__(self, app: Litestar) -> None:
        self._app = app
        self._clients: dict[tuple[str, int], httpx.AsyncClient] = {}

    def __getitem__(self, peer: tuple[str, int]) -> httpx.AsyncClient:
        if peer not in self._clients:
            transport = httpx.ASGITransport(app=self._app, client=peer)  # type: ignore[arg-type]
            self._clients[peer] = httpx.AsyncClient(transport=transport, base_url=BASE_URL)
        return self._clients[peer]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()


@contextlib.asynccontextmanager
async def served(app: Litestar) -> AsyncIterator[Peers]:
    """The app with its lifespan running in this test's loop, reached from any peer address."""
    async with app.lifespan():
        peers = Peers(app)
        try:
            yield peers
        finally:
            await peers.aclose()


async def lookup_status(client: httpx.AsyncClient, **headers: str) -> int:
    return (await client.get("/v1/lookup", params={"code": CODE}, headers=headers)).status_code


def two_apps(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock, **settings: object
) -> list[Litestar]:
    config = load_settings({}, database_url=database_url, public_base_url=BASE_URL, pool_min=1, pool_max=2, **settings)
    return [make_app(config, issuer_key=issuer_key, clock=clock) for _ in range(2)]


async def test_two_instances_share_one_budget_per_client(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    first, second = two_apps(
        make_app, database_url, issuer_key, clock, verify_rate_limit_per_minute=3, trusted_proxies="10.0.0.0/8"
    )
    async with served(first) as one, served(second) as other:
        visitor = ("203.0.113.5", 1000)
        assert [await lookup_status(one[visitor]), await lookup_status(other[visitor])] == [404, 404]
        assert await lookup_status(one[visitor]) == 404  # the third of three, on the first instance
        refused = await other[visitor].get("/v1/lookup", params={"code": CODE})
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 20 <= int(refused.headers["retry-after"]) <= 80  # the rest of this window and a third of the next
        assert refused.json()["type"].endswith("/too-many-requests")
        # The POST /v1/verify budget is the same one (every verification route draws on it).
        assert (await one[visitor].post("/v1/verify", content=b"{}")).status_code == 429
        # Spoofed forwarding headers from an untrusted peer change nothing...
        assert await lookup_status(other[visitor], **{"X-Forwarded-For": "198.51.100.77"}) == 429
        # ...while behind a trusted proxy each forwarded client has its own budget.
        proxy = ("10.0.0.2", 2000)
        assert await lookup_status(one[proxy], **{"X-Forwarded-For": "198.51.100.77"}) == 404
        assert await lookup_status(other[proxy], **{"X-Forwarded-For": "6.6.6.6, 203.0.113.5"}) == 429


async def test_a_worker_leases_tokens_in_batches(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    # limit 1000: leases of 1000 / 20 = 50 tokens, the next one taken ahead when 25 are left.
    (app, _) = two_apps(make_app, database_url, issuer_key, clock, verify_rate_limit_per_minute=1000)
    conn = await asyncpg.connect(database_url)
    try:

        async def taken() -> list[tuple[str, int]]:
            # Summed over windows: a run that crosses a minute boundary takes its second lease in the next window.
            rows = await conn.fetch(
                "SELECT bucket, sum(taken)::int AS taken FROM rate_limit_windows GROUP BY bucket ORDER BY bucket"
            )
            return [(r["bucket"], r["taken"]) for r in rows]

        async with served(app) as peers:
            visitor = peers[("203.0.113.9", 1)]
            statuses = await asyncio.gather(*(lookup_status(visitor) for _ in range(20)))
            assert set(statuses) == {404}
            assert await taken() == [("verification:203.0.113.9", 50)]  # 20 requests, one round trip
            for _ in range(6):  # the 25th leaves 25 tokens: the next lease is taken in the background
                assert await lookup_status(visitor) == 404
            for _ in range(100):
                if await taken() == [("verification:203.0.113.9", 100)]:
                    break
                await asyncio.sleep(0.02)
            assert await taken() == [("verification:203.0.113.9", 100)]
    finally:
        await conn.close()


class SteppedClock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


async def check_sliding_window(store: RateLimitStore) -> None:
    """Three a minute: spent at the end of one window, the next window still counts it (weighted), so the budget
    comes back gradually, never all at once at the window's edge."""
    clock = SteppedClock(60 * 30_000_000 + 59.0)  # one second before a window ends
    one, other = (RateLimiter(store, limit=3, clock=clock) for _ in range(2))
    assert [await one.admit("c"), await other.admit("c"), await one.admit("c")] == [None, None, None]
    assert await other.admit("c") == pytest.approx(1.0 + 60 / 3)  # next window, plus a third of it
    clock.at += 2.0  # into the next window: 59/60 of the previous one still weighs on it
    wait = await one.admit("c")
    assert wait == pytest.approx(19.0)  # the previous window's weight falls to 2 requests at 20 s in
    clock.at += 19.0
    assert await one.admit("c") is None
    assert await other.admit("c") is not None


async def test_unreachable_redis_is_a_503_with_retry_after_not_a_500(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connection refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app, _ = two_apps(make_app, database_url, issuer_key, clock, redis_url=f"redis://127.0.0.1:{port}/0")
    async with served(app) as peers:
        response = await peers[("198.51.100.7", 4000)].get("/v1/lookup", params={"code": CODE})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/database-unavailable")


async def test_sliding_window_budget_in_postgresql(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await check_sliding_window(PostgresRateLimitStore(pool))
    finally:
        await pool.close()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    assert REDIS_SERVER is not None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
            server.poll()
            assert server.returncode is None, "redis-server exited at start"
            subprocess.run(["sleep", "0.05"], check=True)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@needs_redis
async def test_sliding_window_budget_in_redis(redis_url: str) -> None:
    store = RedisRateLimitStore(redis_url, window_seconds=60)
    try:
        await check_sliding_window(store)
    finally:
        await store.close()


@needs_redis
async def test_two_instances_share_one_budget_in_redis(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock, redis_url: str
) -> None:
    first, second = two_apps(
        make_app, database_url, issuer_key, clock, verify_rate_limit_per_minute=2, redis_url=redis_url
    )
    async with served(first) as one, served(second) as other:
        visitor = ("198.51.100.200", 1)
        assert [await lookup_status(one[visitor]), await lookup_status(other[visitor])] == [404, 404]
        assert await lookup_status(one[visitor]) == 429
        assert await lookup_status(other[("198.51.100.201", 1)]) == 404
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM rate_limit_windows") == 0  # nothing went to PostgreSQL
    finally:
        await conn.close()


async def test_a_busy_client_gets_larger_leases_and_a_quiet_one_smaller(database_url: str) -> None:
    """100,000 a minute: leases start at RATE_LIMIT_LEASE_MAX (50); one that lasted less than a second makes the
    next as many times larger as would last a second (2 to 16 times, up to limit / 20), one that lasted four seconds
    or more halves the next, so a busy client costs a round trip a second, not one per 25 requests; a new window
    spends the tokens left before it leases again."""
    pool = await create_pool(database_url, min_size=1, max_size=2)
    clock = SteppedClock(60 * 30_000_000 + 1.0)
    limiter = RateLimiter(PostgresRateLimitStore(pool), limit=100_000, lease_max=50, clock=clock)
    conn = await asyncpg.connect(database_url)

    async def taken_after(admitted: int, window: int = 30_000_000) -> int:
        for _ in range(admitted):
            assert await limiter.admit("busy") is None
        for _ in range(100):  # the refill ahead runs in the background
            if not any(not task.done() for task in limiter._refills):
                break
            await asyncio.sleep(0.01)
        sql = "SELECT coalesce(sum(taken), 0) FROM rate_limit_windows WHERE bucket = 'busy' AND window_index = $1"
        return int(await conn.fetchval(sql, window))

    try:
        assert await taken_after(1) == 50
        assert await taken_after(24) == 50 + 800  # 25 left, at once: the next lease is 16 times as large
        assert await taken_after(425) == 50 + 800 + 5_000  # 400 left: again, up to limit / 20
        clock.at += 5.0  # quiet: that lease lasted five seconds
        assert await taken_after(2_900) == 50 + 800 + 5_000 + 2_500  # 2,500 left: half as large
        clock.at += 60.0  # the next window: the 5,000 tokens left are spent first
        assert await taken_after(2_000, window=30_000_001) == 0
        big = RateLimiter(PostgresRateLimitStore(pool), limit=1_000, lease_max=50, clock=clock)
        assert big.lease_ceiling == big.lease_size == 50  # limit / 20: never more than a twentieth of the budget
    finally:
        await limiter.close()
        await conn.close()
        await pool.close()
