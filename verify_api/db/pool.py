"""The one asyncpg pool, with JSON codecs registered so jsonb columns round-trip as Python values."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy

from verify_api.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    from collections.abc import Callable

_json_encode = msgspec.json.encode
_json_decode = msgspec.json.decode


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=lambda v: _json_encode(v).decode(),
        decoder=_json_decode,
        format="text",
    )


async def _skip_session_reset(conn: asyncpg.Connection) -> None:
    """Release hook that adds nothing to asyncpg's own cleanup (which still rolls back an open transaction).

    The default reset sends RESET ALL / UNLISTEN / CLOSE ALL / advisory unlock on every release: a database round
    trip per request for session state this app never creates (no SET, LISTEN, cursors or session locks on pooled
    connections; migrations use their own connection).
    """


# PostgreSQL going away, mid-query or before: the connection classes (08xxx: refused, lost, rejected), the shutdown
# ones (57P01 admin shutdown, 57P02 crash, 57P03 starting up or shutting down) and 53300 too many connections.
# Not the rest of class 57: a cancelled query (57014) is no outage.
_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    DatabaseUnavailableError,
)


_LOST_CONNECTION_MESSAGES = (
    "connection is closed",
    "connection has been released back to the pool",
    "release() called on a free connection holder",
)


def _is_unavailable(exc: BaseException, *, connecting: bool = False) -> bool:
    if isinstance(exc, _UNAVAILABLE) or (connecting and isinstance(exc, OSError)):
        return True
    # A statement on a connection that was already lost: asyncpg has no subclass for it, only these messages. A
    # pooled connection that dies between two statements of a request is handed back to the pool by asyncpg itself
    # (its holder releases on close), so the request's next statement finds it "released back to the pool"; our
    # code never uses a connection after its own release (provide_connection holds it for the whole request).
    # Likewise, releasing that connection at the end of the request finds its holder already free.
    lost = isinstance(exc, asyncpg.InterfaceError | asyncpg.exceptions.InternalClientError)
    return lost and any(text in str(exc) for text in _LOST_CONNECTION_MESSAGES)


def database_unavailable_cause(exc: BaseException, *, connecting: bool = False) -> BaseException | None:
    """The error in `exc` (itself, its causes and contexts, the members of an exception group) that says the
    database could not be used, or None when the failure is something else. While `connecting`, any OSError
    (refused, unreachable, timed out: TimeoutError is one) says so too."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _is_unavailable(current, connecting=connecting):
            return current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None


def describe_unavailability(exc: BaseException) -> str:
    """A one-line reason for the log (the error's class and message: asyncpg's name addresses, never passwords)."""
    cause = exc
    for _ in range(10):  # down to the root: through our own wrapper and exception groups (a TaskGroup's)
        if isinstance(cause, BaseExceptionGroup) and cause.exceptions:
            cause = cause.exceptions[0]
        elif isinstance(cause, DatabaseUnavailableError) and cause.__cause__ is not None:
            cause = cause.__cause__
        else:
            break
    return f"{type(cause).__name__}: {cause}".strip().rstrip(":")


def _connector(timeout: float, on_connected: Callable[[], None] | None) -> Callable[..., Any]:
    async def connect_or_fail(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        """asyncpg.connect with a short timeout, its failure to reach the server as DatabaseUnavailableError."""
        try:
            conn: asyncpg.Connection = await asyncpg.connect(*args, timeout=timeout, **kwargs)
        except Exception as exc:
            if database_unavailable_cause(exc, connecting=True) is None:
                raise
            raise DatabaseUnavailableError(f"cannot connect to PostgreSQL: {type(exc).__name__}") from exc
        if on_connected is not None:
            on_connected()
        return conn

    return connect_or_fail


class _QuietFloorRestore(logging.Filter):
    """asyncpg's pool logs a traceback each time it fails to reopen its minimum connections (every 1 to 60 s during
    an outage); the outage is logged once by the app instead (observability.outage)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to restore the pool connection floor")


_asyncpg_pool_log = logging.getLogger("asyncpg.pool")
if not any(isinstance(f, _QuietFloorRestore) for f in _asyncpg_pool_log.filters):
    _asyncpg_pool_log.addFilter(_QuietFloorRestore())


async def create_pool(
    dsn: str,
    *,
    min_size: int = 2,
    max_size: int = 10,
    connect_timeout: float = 2.0,
    on_connected: Callable[[], None] | None = None,
) -> asyncpg.Pool:
    """The pool. A connection that breaks is dropped and the next acquire opens a new one at once (asyncpg), so
    requests succeed again as soon as PostgreSQL accepts connections; `connect_timeout` bounds how long a request
    waits for an unreachable server, and `on_connected` is told of every new connection (the outage tracker)."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_skip_session_reset,
        connect=_connector(connect_timeout, on_connected),
    )
    assert pool is not None
    return pool


def pool_stats(pool: asyncpg.Pool) -> tuple[int, int, int]:
    """(open connections, idle ones, maximum) for the metrics."""
    return pool.get_size(), pool.get_idle_size(), pool.get_max_size()


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


# The types other layers name in signatures, so that only this package imports asyncpg. A pooled connection
# is a proxy with the same interface.
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy
Pool: TypeAlias = asyncpg.Pool
