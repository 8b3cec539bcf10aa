"""The one asyncpg pool, with JSON codecs registered so jsonb columns round-trip as Python values."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy

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


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_skip_session_reset
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


# The types other layers name in signatures, so that only this package imports asyncpg. A pooled connection
# is a proxy with the same interface.
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy
Pool: TypeAlias = asyncpg.Pool
