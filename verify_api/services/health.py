"""Liveness of what the service depends on."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from verify_api.db.health import Health

if TYPE_CHECKING:
    from verify_api.db.pool import Pool


async def database_reachable(pool: Pool, within_seconds: float = 2.0) -> bool:
    try:
        async with asyncio.timeout(within_seconds), pool.acquire() as conn:
            await Health(conn).ping()
    except Exception:  # noqa: BLE001 - whatever the failure, the answer is "unreachable"
        return False
    return True
