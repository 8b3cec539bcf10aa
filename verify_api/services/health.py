"""Liveness of what the service depends on."""

from __future__ import annotations

import asyncio

from verify_api.db.pool import Pool
from verify_api.db.repository import Repository


async def database_reachable(pool: Pool, timeout: float = 2.0) -> bool:
    try:
        async with asyncio.timeout(timeout), pool.acquire() as conn:
            await Repository(conn).ping()
    except Exception:  # noqa: BLE001 - whatever the failure, the answer is "unreachable"
        return False
    return True
