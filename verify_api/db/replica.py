"""Public reads from a streaming replica (DATABASE_REPLICA_URL), never at the price of a stale answer that matters.

A read goes to the replica only while all of these hold, else to the primary:
- the replica answers, and its last check is at most REPLICA_MAX_LAG_MS old;
- it is at most REPLICA_MAX_LAG_MS behind: every primary WAL position sampled longer ago than that is replayed;
- it has replayed the fence: the highest primary position this process knows a change at. A change notification
  (channel `verify_api_changes`, sent inside the changing transaction, so delivered after its commit) makes the
  listener read the primary's `pg_current_wal_lsn()`, which covers that commit; from the notification's arrival
  until that position is known, every read goes to the primary. A write request of this process raises the fence
  itself, before its answer is sent (`fence_after_write`), so whoever made a change sees it at once;
- the listener is connected (a lost connection could lose notifications: primary until it is back).

A revocation is therefore never hidden by replica lag beyond the delivery of its notification (typically under a
millisecond after commit), the same bound every in-process cache of the service has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import asyncpg

from verify_api.db.pool import connect, create_pool
from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from asyncpg.pool import PoolConnectionProxy

    from verify_api.db.pool import Connection, Pool
    from verify_api.settings import Settings

SQL = NamedSql("sql/replica.sql")
# What a server that is down, restarting or unreachable raises.
# The insert position (the fence) can be past the end of the last record by alignment padding (up to 7 bytes) and a
# page header (24): a standby that has replayed up to fence - 32 has replayed every record ending at or before the
# fence, since the shortest commit record (34 bytes) cannot fit in that gap. (A long page header, at a segment
# boundary, only makes the fence unreachable until more WAL arrives: reads stay on the primary, never stale.)
REPLAY_SLACK_BYTES = 32
# DatabaseUnavailableError: the pool's connector says so (db.pool); InternalClientError: a connection left mid-operation
# by a check cut short by its timeout.
UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    DatabaseUnavailableError,
)
CHANGES_CHANNEL = "verify_api_changes"
log = logging.getLogger("verify_api.replica")


class WalPositions(RepositoryBase):
    async def current_wal_lsn(self) -> int:
        lsn: int = await self._fetchval(SQL.current_wal_lsn)
        return lsn

    async def replayed_wal_lsn(self) -> int:
        lsn: int = await self._fetchval(SQL.replayed_wal_lsn)
        return lsn


class ReplicaRouter:
    """Chooses the pool of each public read; `start` begins listening and polling, `close` stops both."""

    def __init__(  # noqa: PLR0913 (the two pools, their settings and the injectable clock)
        self,
        primary: Pool,
        replica: Pool,
        *,
        listen_dsn: str,
        max_lag_ms: int,
        poll_ms: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary, self.replica = primary, replica
        self._listen_dsn = listen_dsn
        self._max_lag = max_lag_ms / 1000
        self._poll = poll_ms / 1000
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()  # (when, primary position) not yet replayed
        self._replayed = 0
        self._checked_at = float("-inf")  # when the replica last answered a poll
        self._fence = 0
        self._fencing = 0  # notifications whose primary position is still being read
        self._listener: asyncpg.Connection | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.replica_reads = 0
        self.primary_reads = 0

    async def start(self) -> None:
        await self._listen()
        await self.poll_once()
        self._spawn(self._poll_forever())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None:
            await self._listener.close()
        await self.replica.close()

    def replica_is_fresh(self) -> bool:
        now = self._clock()
        return (
            self._listener is not None
            and not self._listener.is_closed()
            and self._fencing == 0
            and self._replayed + REPLAY_SLACK_BYTES >= self._fence
            and now - self._checked_at <= self._max_lag
            and (not self._samples or now - self._samples[0][0] <= self._max_lag)
        )

    @contextlib.asynccontextmanager
    async def acquire_for_public_read(self) -> AsyncIterator[Connection]:
        """A replica connection when the replica is fresh (see the module docstring), else a primary one."""
        conn = await self._replica_connection() if self.replica_is_fresh() else None
        if conn is not None:
            self.replica_reads += 1
            try:
                yield conn
            finally:
                await self.replica.release(conn)
            return
        self.primary_reads += 1
        async with self.primary.acquire() as primary_conn:
            yield primary_conn

    async def _replica_connection(self) -> PoolConnectionProxy[Any] | None:
        try:
            conn: PoolConnectionProxy[Any] = await self.replica.acquire(timeout=self._max_lag)
        except UNAVAILABLE as error:  # the replica is down: the primary answers until a poll finds it back
            self._checked_at = float("-inf")
            log.warning("replica unavailable, reading from the primary: %s", type(error).__name__)
            return None
        return conn

    async def fence_after_write(self, conn: Connection) -> None:
        """After a write request of this process: its changes are committed at or before the primary's position."""
        try:
            self._fence = max(self._fence, await WalPositions(conn).current_wal_lsn())
        except UNAVAILABLE:
            self.note_change()  # the primary until a fresh position is read

    def note_change(self) -> None:
        """A change was announced: read from the primary until its position is known (then until it is replayed).
        The change listener of the caches may call this too, before it drops an entry, so no refill reads stale."""
        self._fencing += 1
        self._spawn(self._fence_from_primary())

    async def poll_once(self) -> None:
        """Sample the primary's position and the replica's replay position."""
        async with self.primary.acquire() as conn:
            self._samples.append((self._clock(), await WalPositions(conn).current_wal_lsn()))
        try:
            async with asyncio.timeout(self._max_lag), self.replica.acquire() as conn:
                replayed = await WalPositions(conn).replayed_wal_lsn()
        except UNAVAILABLE as error:
            log.warning("replica check failed (%s): public reads use the primary", type(error).__name__)
            return
        self._replayed = max(self._replayed, replayed)
        self._checked_at = self._clock()
        while self._samples and self._samples[0][1] <= self._replayed + REPLAY_SLACK_BYTES:
            self._samples.popleft()

    async def _fence_from_primary(self) -> None:
        try:
            async with self.primary.acquire() as conn:
                self._fence = max(self._fence, await WalPositions(conn).current_wal_lsn())
        finally:
            self._fencing -= 1

    def _on_notification(self, _conn: object, _pid: int, _channel: str, _payload: object) -> None:
        self.note_change()

    async def _listen(self) -> None:
        listener = await connect(self._listen_dsn)
        await listener.add_listener(CHANGES_CHANNEL, self._on_notification)
        self._listener = listener

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self._poll)
            try:
                if self._listener is None or self._listener.is_closed():
                    await self._listen()
                await self.poll_once()
            except UNAVAILABLE as error:  # the primary is down: the next round tries again
                log.warning("replica routing check failed: %s", type(error).__name__)

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def open_replica_router(settings: Settings, primary: Pool) -> ReplicaRouter | None:
    """The router when DATABASE_REPLICA_URL is set (listening and polling), else None."""
    if not settings.database_replica_url:
        return None
    if not settings.database_url:
        raise RuntimeError("DATABASE_REPLICA_URL needs DATABASE_URL: change notifications are read on the primary")
    # min_size 0: a replica that is down at start-up only means the primary answers until it is back.
    replica = await create_pool(settings.database_replica_url, min_size=0, max_size=settings.pool_max)
    router = ReplicaRouter(
        primary,
        replica,
        listen_dsn=settings.database_url,
        max_lag_ms=settings.replica_max_lag_ms,
        poll_ms=settings.replica_poll_ms,
    )
    await router.start()
    return router
