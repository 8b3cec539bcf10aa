"""Public reads from a streaming replica (DATABASE_REPLICA_URL): a real primary and a real standby made with
pg_basebackup -R, both on 127.0.0.1 (one pair for the module). With replay paused the lag is real, and a revocation
is still never hidden: not from the instance that made it, nor from another that only hears of it."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, api_key, with_database
from tests.factories import make_aida, make_holder
from verify_api.cli.embedded_postgres import start_cluster, temporary_cluster
from verify_api.cli.postgres_tools import chown_tree, run_tool, unprivileged_user
from verify_api.db.migrate import apply_migrations
from verify_api.services.context import IssuerKey
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from litestar import Litestar

    from tests.conftest import FakeClock, MakeApp
    from verify_api.cli.embedded_postgres import PostgresCluster
    from verify_api.db.replica import ReplicaRouter
    from verify_api.proofs.keys import Signer

Client = AsyncTestClient["Litestar"]
DATABASE = "verify_replica"
MAX_LAG_MS = 300


class StreamingPair:
    def __init__(self, primary: PostgresCluster, replica: PostgresCluster) -> None:
        self.primary_url = with_database(primary.url, DATABASE)
        self.replica_url = with_database(replica.url, DATABASE)
        self.replica = replica


async def _create_database(server_url: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(with_database(server_url, DATABASE))
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def streaming_pair() -> Iterator[StreamingPair]:
    root = Path(tempfile.mkdtemp(prefix="pai-verify-replica-"))
    try:
        root.chmod(0o711)
        if (user := unprivileged_user(lambda _: None)) is not None:
            chown_tree(root, user)  # pg_basebackup runs as the cluster's user and writes here
        with temporary_cluster() as primary:
            asyncio.run(_create_database(primary.url))
            basebackup = [str(primary.bin_dir / "pg_basebackup"), "-D", str(root / "replica"), "-d", primary.url]
            run_tool([*basebackup, "-R", "-X", "stream", "-c", "fast"], root, 60, "pg_basebackup failed")
            with start_cluster(root / "replica", durable=False) as replica:
                yield StreamingPair(primary, replica)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def eventually(check: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.02)


def router_of(app: Litestar) -> ReplicaRouter:
    router: ReplicaRouter | None = app.state.runtime.replica
    assert router is not None
    return router


async def test_public_reads_use_the_replica_and_never_hide_a_revocation(
    make_app: MakeApp, streaming_pair: StreamingPair, signer: Signer, clock: FakeClock
) -> None:
    settings = load_settings(
        {},
        database_url=streaming_pair.primary_url,
        database_replica_url=streaming_pair.replica_url,
        public_base_url=BASE_URL,
        replica_max_lag_ms=MAX_LAG_MS,
        replica_poll_ms=20,
        pool_min=1,
        pool_max=3,
    )
    key = IssuerKey.for_settings(signer, settings)
    writer_app, reader_app = (make_app(settings, issuer_key=key, clock=clock) for _ in range(2))
    headers = {"Authorization": f"Bearer {await api_key(streaming_pair.primary_url, ['assess', 'issue', 'manage'])}"}
    standby = await asyncpg.connect(streaming_pair.replica_url)
    try:
        async with (
            AsyncTestClient(writer_app, base_url=BASE_URL) as writer,
            AsyncTestClient(reader_app, base_url=BASE_URL) as reader,
        ):
            credential = await make_aida(writer, headers)
            path = f"/v1/credentials/{credential['id']}"
            by_code = ("/v1/lookup", {"code": credential["verificationCode"]})
            reads = router_of(reader_app)
            # The reader answers lookups from memory (services.change_feed) as in production; the checks that need a
            # database read forget its answers first, as an eviction would.
            reader_cache = reader_app.state.runtime.lookup_cache

            async def served_by_replica() -> bool:
                reader_cache.flush()
                before = reads.replica_reads
                body = (await reader.get(path)).json()
                return reads.replica_reads > before and body["status"] == "active"

            await eventually(served_by_replica, 5, "the other instance reads the credential from the replica")

            # Replay stops: from now on the replica is behind the primary.
            await standby.execute("SELECT pg_wal_replay_pause()")
            revoked = await writer.post(f"{path}/revoke", json={"reason": "misconduct"}, headers=headers)
            assert revoked.status_code == 200
            # The instance that revoked knows at once (its fence was raised before the answer was sent)...
            assert (await writer.get(path)).json()["status"] == "revoked"
            # ...while the replica really is stale...
            stale = await standby.fetchval("SELECT status FROM credentials WHERE id = $1", credential["id"])
            assert stale == "active"

            # ...and the other instance, its memory holding the answer `active` read from the replica, told by the
            # change notification, never serves that stale answer or the stale row.
            async def reader_says_revoked() -> bool:
                status: str = (await reader.get(path)).json()["status"]
                return status == "revoked"

            await eventually(reader_says_revoked, 1, "the notification reaches the other instance")
            replica_reads = reads.replica_reads
            assert (await reader.get(path)).json()["status"] == "revoked"
            code_answer = await reader.get(by_code[0], params=by_code[1])
            assert code_answer.json()["status"] == "revoked"
            assert reads.replica_reads == replica_reads  # all from the primary while the replica lags

            # Replay resumes: once the replica has passed the revocation it serves reads again, revoked.
            await standby.execute("SELECT pg_wal_replay_resume()")

            async def replica_says_revoked() -> bool:
                reader_cache.flush()
                before = reads.replica_reads
                body = (await reader.get(path)).json()
                return reads.replica_reads > before and body["status"] == "revoked"

            await eventually(replica_says_revoked, 5, "the caught-up replica serves the revocation")

            # Lag with no notification (a new holder changes no credential): past REPLICA_MAX_LAG_MS, the primary.
            await standby.execute("SELECT pg_wal_replay_pause()")
            await make_holder(writer, headers)
            await asyncio.sleep(3 * MAX_LAG_MS / 1000)
            assert not reads.replica_is_fresh()
            await standby.execute("SELECT pg_wal_replay_resume()")
            await eventually(lambda: asyncio.sleep(0, reads.replica_is_fresh()), 5, "fresh again after catching up")

            # The replica stops: reads fall back to the primary, no error.
            await standby.close()
            streaming_pair.replica.stop()
            for _ in range(3):
                assert (await reader.get(path)).json()["status"] == "revoked"
    finally:
        if not standby.is_closed():
            await standby.close()
