"""The one asyncpg pool, with JSON codecs registered so jsonb columns round-trip as Python values."""

from __future__ import annotations

import asyncpg
import msgspec

_json_encode = msgspec.json.encode
_json_decode = msgspec.json.decode


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=lambda v: _json_encode(v).decode(), decoder=_json_decode, format="text"
    )


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection)
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn

# The type other layers name in signatures, so that only this package imports asyncpg.
Connection = asyncpg.Connection
Pool = asyncpg.Pool
