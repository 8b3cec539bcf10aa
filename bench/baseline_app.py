"""The baseline for the lookup benchmark: the least a Litestar app can do to answer the same question.

One route, `GET /v1/credentials/{credential_id}`, runs the very statement the real app runs (`get`
from verify_api/db/sql/credentials.sql: same columns, same join) on a connection from an asyncpg pool and returns the
row as JSON, the stored document embedded as-is. No dependency injection, no guards, no domain checks. Served
by the same server, with the same DATABASE_URL and POOL_MAX, it shows what the framework and the database cost
on their own, so `ours / baseline` is the share of that ceiling the real endpoint keeps.

`/hello` answers a constant small JSON object with no I/O, for comparing the ASGI servers alone.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException

from verify_api.db.credentials import SQL

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

GET_CREDENTIAL = SQL.get


@get("/v1/credentials/{credential_id:str}")
async def get_credential(credential_id: str, state: State) -> dict[str, Any]:
    pool: asyncpg.Pool = state.pool
    async with pool.acquire() as conn:
        row = await conn.fetchrow(GET_CREDENTIAL, credential_id)
    if row is None:
        raise NotFoundException(f"no credential has id {credential_id!r}")
    body: dict[str, Any] = dict(row)
    body["document"] = msgspec.Raw(row["document"])
    return body


@get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def _skip_session_reset(conn: asyncpg.Connection) -> None:
    """asyncpg still rolls back an open transaction on release; this only skips RESET ALL and friends."""


def create_baseline_app() -> Litestar:
    """ASGI factory, configured like the real app from DATABASE_URL, POOL_MIN and POOL_MAX."""
    dsn = os.environ["DATABASE_URL"]
    min_size = int(os.environ.get("POOL_MIN", "2"))
    max_size = int(os.environ.get("POOL_MAX", "10"))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        # The same pool configuration as the real app (no per-release session reset query), so the comparison
        # measures what the service adds on top of one asyncpg read, not a pool setting.
        pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, reset=_skip_session_reset)
        assert pool is not None
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    return Litestar(route_handlers=[get_credential, hello, health], lifespan=[lifespan], debug=False)
