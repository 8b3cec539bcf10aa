"""One route tree (verify_api.app.build_routes) wired again for another runtime (wire_runtime) answers as a new app:
nothing the first runtime learnt (cached and replayed lookups, state the lifespan set) reaches the second. The test
suite lends its trees this way (tests/conftest.py AppTrees), one test at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, AppTrees, with_database
from tests.factories import make_aida
from tests.integration.test_replayed_lookups import recorded
from verify_api.app import build_routes, create_app, wire_runtime

if TYPE_CHECKING:
    from tests.conftest import DatabasePool, FakeClock
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings


async def test_a_rewired_tree_forgets_the_runtime_before(
    settings: Settings,
    issuer_key: IssuerKey,
    clock: FakeClock,
    admin_headers: dict[str, str],
    database_server_url: str,
    database_pool: DatabasePool,
) -> None:
    tree = build_routes(settings)
    first = wire_runtime(tree, settings, issuer_key=issuer_key, clock=clock)
    first_runtime = first.state.runtime
    async with AsyncTestClient(app=first, base_url=BASE_URL) as client:
        credential = await make_aida(client, admin_headers)
        path = f"/v1/credentials/{credential['id']}"
        assert (await recorded(client, path)).status_code == 200  # cached and replayed by this runtime
    other_database = database_pool.take()
    try:
        elsewhere = msgspec.structs.replace(settings, database_url=with_database(database_server_url, other_database))
        again = wire_runtime(tree, elsewhere, issuer_key=issuer_key, clock=clock)
        assert again is tree
        assert again.state.runtime is not first_runtime
        fresh = create_app(elsewhere, issuer_key=issuer_key, clock=clock)
        assert set(again.state.dict()) == set(fresh.state.dict())  # nothing the first lifespan left in state
        assert again.state.replayed_lookups.replayed == 0
        async with AsyncTestClient(app=again, base_url=BASE_URL) as client:
            for _ in range(3):  # the first runtime would replay its answer here; this database has no such credential
                assert (await client.get(path)).status_code == 404
            assert client.app.state.runtime.settings.database_url == elsewhere.database_url
    finally:
        database_pool.drop_later(other_database)


def test_a_tree_is_lent_to_one_holder_at_a_time(settings: Settings, issuer_key: IssuerKey, clock: FakeClock) -> None:
    trees = AppTrees(most_idle=2)
    with (
        trees.lend(settings, issuer_key=issuer_key, clock=clock) as one,
        trees.lend(settings, issuer_key=issuer_key, clock=clock) as two,
    ):
        assert one is not two  # a second app of the same settings in one test: another tree
        runtime = two.state.runtime
    other_database = msgspec.structs.replace(settings, database_url=f"{settings.database_url}_elsewhere")
    with trees.lend(other_database, issuer_key=issuer_key, clock=clock) as three:
        assert three in (one, two)  # given back: reused for settings that differ only in the database
        assert three.state.runtime is not runtime
        assert three.state.runtime.settings is other_database
    shaped = msgspec.structs.replace(settings, metrics_enabled=not settings.metrics_enabled)
    assert "runtime" not in three.state  # given back: the test's runtime let go
    with trees.lend(shaped, issuer_key=issuer_key, clock=clock) as four:
        assert four not in (one, two)  # other route-shaping settings: a tree of its own
    with trees.lend(settings, issuer_key=issuer_key, clock=clock) as five:
        assert five not in (one, two, four)  # three idle trees, two kept: those of the settings used longest ago went
