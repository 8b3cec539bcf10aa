"""The change channel: `LISTEN verify_api_changes` on a dedicated connection (never a pooled one), and the payloads
the triggers of migration 0009 send on it. services.change_feed keeps the connection alive and acts on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from collections.abc import Callable

CHANNEL = "verify_api_changes"


class ChangeListener:
    """One listening connection: `on_payload(text)` for each notification, `on_lost()` once when it breaks."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @classmethod
    async def open(
        cls, dsn: str, on_payload: Callable[[str], None], on_lost: Callable[[], None], *, connect_timeout: float
    ) -> ChangeListener:
        conn = await asyncpg.connect(dsn, timeout=connect_timeout)
        try:
            conn.add_termination_listener(lambda _conn: on_lost())
            await conn.add_listener(CHANNEL, lambda _c, _pid, _channel, payload: on_payload(payload))
        except BaseException:
            conn.terminate()
            raise
        return cls(conn)

    def backend_pid(self) -> int:
        pid: int = self.conn.get_server_pid()
        return pid

    async def check_alive(self, *, within: float) -> None:
        """A round trip; raises when the connection is gone (a server restart can go unnoticed until one)."""
        await self.conn.fetchval("SELECT 1", timeout=within)

    async def close(self) -> None:
        if not self.conn.is_closed():
            await self.conn.close(timeout=2)


CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
