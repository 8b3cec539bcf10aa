"""A deadlock between two writers is retried, never answered as a 500 (services/transaction.py).

The real lock-order inversion: a revocation holds the event log's append lock while the organisation rules it
triggers suspend the employer's CAI, and another writer holds the CAI's row and then asks for the append lock (as a
concurrent change of that CAI does). PostgreSQL breaks the cycle by rolling one back. Here the other writer is a
second connection taking the same two locks in the reversed order; its deadlock_timeout is long, so the command is
the one PostgreSQL rolls back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_cai
from tests.lifecycle_helpers import transition
from verify_api.services.transaction import COMMAND_ATTEMPTS
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from tests.conftest import FakeClock

Client = AsyncTestClient[Litestar]

# The command's wait is checked for a deadlock after this long; the other writer's only after a minute, so the
# command (which starts waiting first) is always the one that finds the cycle and is rolled back.
COMMAND_DEADLOCK_TIMEOUT = "1s"

# A backend waiting for a credentials row another transaction locked: it holds the row's tuple lock and waits for
# the locker's transaction id (not for the event log's head row, which it may briefly wait for between attempts).
_WAITING_FOR_A_CREDENTIAL_ROW = """
SELECT EXISTS (
    SELECT 1 FROM pg_locks t JOIN pg_locks w ON w.pid = t.pid
    WHERE t.locktype = 'tuple' AND t.relation = 'credentials'::regclass AND t.granted
      AND w.locktype = 'transactionid' AND NOT w.granted AND t.pid <> $1
)
"""


@pytest.fixture
async def settings(database_url: str) -> Settings:
    """The usual test settings, on a database whose sessions check a lock wait for a deadlock after 1 s."""
    admin = await asyncpg.connect(database_url)
    try:
        name = await admin.fetchval("SELECT current_database()")
        await admin.execute(f"ALTER DATABASE \"{name}\" SET deadlock_timeout = '{COMMAND_DEADLOCK_TIMEOUT}'")
    finally:
        await admin.close()
    return load_settings({}, database_url=database_url, public_base_url=BASE_URL, pool_min=1, pool_max=4)


class OtherWriter(threading.Thread):
    """A second connection, in a thread of its own (the test client blocks the test's event loop while the app
    answers), that holds a CAI's row and deadlocks the command waiting for it `deadlocks` times, then commits."""

    def __init__(self, database_url: str, credential_id: str, *, deadlocks: int) -> None:
        super().__init__(daemon=True)
        self.database_url, self.credential_id, self.deadlocks = database_url, credential_id, deadlocks
        self.holding = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._hold_and_deadlock())
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which fails on it after join()
            self.failure = exc
            self.holding.set()

    async def _hold_and_deadlock(self) -> None:
        conn, monitor = await asyncpg.connect(self.database_url), await asyncpg.connect(self.database_url)
        try:
            await conn.execute("SET deadlock_timeout = '60s'")
            async with conn.transaction():
                await conn.execute("SELECT 1 FROM credentials WHERE id = $1 FOR UPDATE", self.credential_id)
                self.holding.set()
                for _ in range(self.deadlocks):
                    await self._wait_for_the_command(conn, monitor)
                    # The reversed lock order: ask for the event log's head row the waiting command holds. PostgreSQL
                    # rolls the command back; rolling back to the savepoint frees that row again (the CAI's row stays
                    # held), so the command's next attempt reaches the CAI's row again and waits for it.
                    await conn.execute("SAVEPOINT other_writer")
                    await conn.execute("SELECT seq FROM event_chain_head FOR UPDATE")
                    await conn.execute("ROLLBACK TO SAVEPOINT other_writer")
        finally:
            await conn.close()
            await monitor.close()

    @staticmethod
    async def _wait_for_the_command(conn: asyncpg.Connection, monitor: asyncpg.Connection) -> None:
        """Until the command waits for the row this writer holds (it holds the event log's lock by then)."""
        for _ in range(1000):
            if await monitor.fetchval(_WAITING_FOR_A_CREDENTIAL_ROW, conn.get_server_pid()):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the command never waited for the CAI's row")


async def _revoke_against(
    client: Client, headers: dict[str, str], database_url: str, org: dict[str, Any], *, deadlocks: int
) -> Any:
    """Revoke a staff member's AIDA while the other writer holds the CAI's row and deadlocks the revocation."""
    other = OtherWriter(database_url, org["credential"]["id"], deadlocks=deadlocks)
    other.start()
    assert other.holding.wait(30)
    assert other.failure is None
    response = await transition(client, headers, org["staff"][1]["id"], "revoke", "misconduct")
    other.join(30)
    assert not other.is_alive()
    assert other.failure is None, other.failure
    return response


async def _cai_due_for_suspension(client: Client, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    """A CAI one staff member short for longer than the grace period: the next staff revocation suspends it."""
    org = await make_cai(client, headers)
    unlinked = await client.delete(
        f"/v1/organizations/{org['id']}/staff/{org['staff'][0]['holderId']}", headers=headers
    )
    assert unlinked.status_code == 204, unlinked.text
    clock.advance(days=31)
    return org


async def _status(client: Client, credential_id: str) -> tuple[str, str | None]:
    found = (await client.get(f"/v1/credentials/{credential_id}")).json()
    return found["status"], found["statusReason"]


async def _event_count(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await conn.close()
    return count


async def test_deadlocked_status_change_is_retried_and_succeeds(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    org = await _cai_due_for_suspension(client, admin_headers, clock)
    cai, aida = org["credential"]["id"], org["staff"][1]["id"]
    caplog.set_level(logging.WARNING, logger="verify_api")
    response = await _revoke_against(client, admin_headers, database_url, org, deadlocks=1)
    assert response.status_code == 200, response.text
    retries = [r.getMessage() for r in caplog.records if "rolled back by the database" in r.getMessage()]
    assert retries == [
        f"command rolled back by the database (SQLSTATE 40P01), attempt 1 of {COMMAND_ATTEMPTS}; running it again"
    ]
    assert await _status(client, aida) == ("revoked", "misconduct")
    assert await _status(client, cai) == ("suspended", "staff_below_minimum")


async def test_lasting_deadlock_is_a_503_problem_and_changes_nothing(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, database_url: str
) -> None:
    org = await _cai_due_for_suspension(client, admin_headers, clock)
    events_before = await _event_count(database_url)
    response = await _revoke_against(client, admin_headers, database_url, org, deadlocks=COMMAND_ATTEMPTS)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "1"
    problem = response.json()
    assert problem["type"] == "https://verify.productionai.institute/problems/concurrent-write"
    assert problem["detail"] == "Another write got in the way of this one, so nothing was changed; try again shortly."
    assert "Process" not in response.text  # the server's deadlock report (backend ids) never leaves
    assert await _status(client, org["staff"][1]["id"]) == ("active", None)
    assert await _event_count(database_url) == events_before  # neither the revocation nor the CAI's suspension
