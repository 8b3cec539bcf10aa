"""Test harness: one real PostgreSQL per run (a throwaway cluster, or TEST_DATABASE_URL), migrations applied once
to a template database, and a fresh copy of it for every test that touches the database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec
import pytest
from litestar.datastructures import State
from litestar.testing import AsyncTestClient

from verify_api.app import RoutedApp, build_routes, load_signing_key, wire_runtime
from verify_api.db.migrate import apply_migrations
from verify_api.proofs.keys import Signer, generate_signer
from verify_api.services.api_clients import create_api_client
from verify_api.services.context import IssuerKey, utc_now
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from litestar import Litestar

    from verify_api.db.pool import Pool

BASE_URL = "https://verify.test.example"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def database_server_url() -> Iterator[str]:
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    from verify_api.cli.embedded_postgres import temporary_cluster

    with temporary_cluster() as cluster:
        yield cluster.url


async def _create_template(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(with_database(server_url, name))
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_database(database_server_url: str) -> Iterator[str]:
    # Built synchronously (asyncio.run) so no async fixture outlives its event loop.
    name = f"verify_template_{os.getpid()}"
    asyncio.run(_create_template(database_server_url, name))
    yield name

    async def drop() -> None:
        admin = await asyncpg.connect(database_server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


class DatabasePool:
    """Copies of the template made ahead, and used ones dropped behind, by one background thread.

    A test then waits for neither CREATE DATABASE nor DROP DATABASE: PostgreSQL copies and removes on the other
    core while tests run. Every test still gets a database of its own, fresh from the template, never reused.
    """

    def __init__(self, server_url: str, template: str, ahead: int = 2) -> None:
        self._server_url = server_url
        self._template = template
        self._ahead = ahead
        self._ready: list[str] = []
        self._to_drop: list[str] = []
        self._error: BaseException | None = None
        self._stopping = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="test-database-pool", daemon=True)
        self._thread.start()

    def take(self) -> str:
        """A fresh copy of the template (waits while the next one is being made)."""
        with self._changed:
            self._changed.wait_for(lambda: self._ready or self._error is not None)
            if self._error is not None:
                raise RuntimeError("the background thread could not create a test database") from self._error
            name = self._ready.pop(0)
            self._changed.notify_all()
            return name

    def drop_later(self, name: str) -> None:
        with self._changed:
            self._to_drop.append(name)
            self._changed.notify_all()

    def close(self) -> None:
        """Drop every database made or handed out, then stop the thread."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join(timeout=120)

    def _next_job(self) -> tuple[str, str] | None:
        with self._changed:
            while True:
                if self._stopping:
                    self._to_drop += self._ready
                    self._ready = []
                    return ("drop", self._to_drop.pop()) if self._to_drop else None
                if len(self._ready) < self._ahead and self._error is None:  # a test may be waiting: create first
                    return ("create", f"verify_test_{uuid.uuid4().hex[:12]}")
                if self._to_drop:
                    return ("drop", self._to_drop.pop(0))
                self._changed.wait()

    def _run(self) -> None:
        try:
            asyncio.run(self._work())
        except BaseException as error:  # noqa: BLE001 (handed to the test that waits in take())
            with self._changed:
                self._error = error
                self._changed.notify_all()

    async def _work(self) -> None:
        admin = await asyncpg.connect(self._server_url)
        try:
            while (job := self._next_job()) is not None:
                action, name = job
                if action == "drop":
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    continue
                # FILE_COPY copies the small template as files: cheaper than the default WAL_LOG, page by page.
                await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}" STRATEGY FILE_COPY')
                with self._changed:
                    (self._to_drop if self._stopping else self._ready).append(name)
                    self._changed.notify_all()
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def database_pool(database_server_url: str, template_database: str) -> Iterator[DatabasePool]:
    pool = DatabasePool(database_server_url, template_database)
    yield pool
    pool.close()


@pytest.fixture
def database_url(database_server_url: str, database_pool: DatabasePool) -> Iterator[str]:
    name = database_pool.take()
    yield with_database(database_server_url, name)
    database_pool.drop_later(name)


class FakeClock:
    """An injectable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def signer() -> Signer:
    return generate_signer()


def app_settings(database_url: str, **overrides: Any) -> Settings:
    """The settings every test app starts from, with a module's own `overrides`. NOTIFY_DISPATCH off: the outbox
    dispatcher runs only in the tests about it (integration/test_notifications.py)."""
    return load_settings(
        {}, database_url=database_url, public_base_url=BASE_URL, pool_min=1, pool_max=4,
        **{"notify_dispatch": False, **overrides},
    )  # fmt: skip


@pytest.fixture
def settings(database_url: str) -> Settings:
    return app_settings(database_url)


@pytest.fixture
def issuer_key(signer: Signer, settings: Settings) -> IssuerKey:
    return IssuerKey.for_settings(signer, settings)


class AppTrees:
    """The route trees of this worker (verify_api.app.build_routes: Litestar's registration of every handler, the
    costly half of create_app), one per distinct settings but the database, each lent to one test at a time.

    `lend` wires a tree that no test holds with a fresh runtime (verify_api.app.wire_runtime: state, caches,
    limiters, observer), so the test gets what create_app gives; the tree comes back when the test is over. A tree
    is ~4 MB: at most `most_idle` are kept, those of the settings used longest ago dropped first."""

    def __init__(self, most_idle: int = 48) -> None:
        self._idle: dict[Settings, list[RoutedApp]] = {}  # least recently given back first
        self._most_idle = most_idle

    @contextlib.contextmanager
    def lend(
        self,
        settings: Settings,
        *,
        issuer_key: IssuerKey | None = None,
        clock: Callable[[], datetime] = utc_now,
        pool: Pool | None = None,
    ) -> Iterator[Litestar]:
        """What create_app(settings, issuer_key=..., clock=..., pool=...) gives, until the block ends."""
        key = issuer_key or IssuerKey.for_settings(load_signing_key(settings), settings)  # as create_app: first
        shape = msgspec.structs.replace(settings, database_url=None)  # build_routes never reads DATABASE_URL
        idle = self._idle.setdefault(shape, [])
        tree = idle.pop() if idle else build_routes(settings)
        try:
            yield wire_runtime(tree, settings, issuer_key=key, clock=clock, pool=pool)
        finally:
            tree.state = State()  # let the test's runtime go
            self._idle[shape] = [*self._idle.pop(shape, []), tree]
            while sum(map(len, self._idle.values())) > self._most_idle:
                del self._idle[next(iter(self._idle))]


@pytest.fixture(scope="session")
def app_trees() -> AppTrees:
    return AppTrees()


class MakeApp(Protocol):
    """The `make_app` fixture: create_app's arguments, and the app lent until the test ends."""

    def __call__(self, settings: Settings, **runtime: Any) -> Litestar: ...


@pytest.fixture
def make_app(app_trees: AppTrees) -> Iterator[MakeApp]:
    """create_app for a test's own settings (the same arguments): each app it makes is lent until the test ends."""
    with contextlib.ExitStack() as lent:

        def make(settings: Settings, **runtime: Any) -> Litestar:
            return lent.enter_context(app_trees.lend(settings, **runtime))

        yield make


@pytest.fixture
def app(settings: Settings, issuer_key: IssuerKey, clock: FakeClock, app_trees: AppTrees) -> Iterator[Litestar]:
    """The app as create_app(settings, issuer_key=issuer_key, clock=clock) makes it (its route tree reused)."""
    with app_trees.lend(settings, issuer_key=issuer_key, clock=clock) as made:
        yield made


@pytest.fixture
async def second(
    settings: Settings, issuer_key: IssuerKey, clock: FakeClock, app_trees: AppTrees
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A second instance of the app on the same database: another process as far as its caches know."""
    with app_trees.lend(settings, issuer_key=issuer_key, clock=clock) as made:
        async with AsyncTestClient(app=made, base_url=BASE_URL) as c:
            yield c


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    from verify_api.db.pool import connect

    connection = await connect(database_url)
    yield connection
    await connection.close()


async def api_key(database_url: str, scopes: list[str]) -> str:
    from verify_api.db.pool import connect

    connection = await connect(database_url)  # with the codecs: creating a key appends an audit event (jsonb)
    try:
        _, secret = await create_api_client(connection, f"test-{'-'.join(scopes)}", scopes, now=datetime.now(UTC))
    finally:
        await connection.close()
    return secret


@pytest.fixture
async def admin_headers(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue', 'manage'])}"}
