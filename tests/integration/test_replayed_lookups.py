"""Cached lookups replayed before Litestar (api.replayed_lookups): the same bytes as the routes' answer, dropped by
the same change notes, never past the span of time the answer holds for, still rate limited by code, and only for
the requests whose answer is the JSON view."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_aida
from tests.lifecycle_helpers import transition
from verify_api.settings import load_settings

if TYPE_CHECKING:
    import httpx

    from tests.conftest import FakeClock, MakeApp
    from verify_api.api.replayed_lookups import ReplayedLookups
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

Client = AsyncTestClient[Litestar]


def replays(client: Client) -> int:
    layer: ReplayedLookups = client.app.state.replayed_lookups
    return layer.replayed


async def recorded(client: Client, path: str) -> httpx.Response:
    """Ask until the instance replays `path` (an answer read while a note, such as its own issuance's, was on its
    way is neither cached nor recorded); the routes' answer it replays is returned."""
    started, routes_answer = time.monotonic(), None
    while True:
        before = replays(client)
        response = await client.get(path)
        assert response.status_code == 200, response.text
        if replays(client) > before:
            assert routes_answer is not None, f"{path} was replayed before the routes answered it here"
            return routes_answer
        routes_answer = response
        assert time.monotonic() - started < 2.0, f"{path} was never replayed"
        await asyncio.sleep(0.01)


async def replayed(client: Client, path: str) -> httpx.Response:
    """The first replayed answer of `path` (asking the routes first as often as it takes)."""
    started = time.monotonic()
    while True:
        before = replays(client)
        response = await client.get(path)
        if replays(client) > before:
            return response
        assert time.monotonic() - started < 2.0, f"{path} was never replayed"
        await asyncio.sleep(0.01)


def without_request_id(response: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.multi_items() if k.lower() != "x-request-id"]


async def test_a_replay_is_the_routes_answer_byte_for_byte(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    for path in (f"/v1/credentials/{credential['id']}", f"/v1/lookup?code={credential['verificationCode']}"):
        slow = await recorded(client, path)
        before = replays(client)
        fast = await client.get(path, headers={"X-Request-ID": "replayed-1"})
        assert replays(client) == before + 1
        assert fast.status_code == slow.status_code == 200
        assert fast.content == slow.content
        assert without_request_id(fast) == without_request_id(slow)
        assert fast.headers["x-request-id"] == "replayed-1"  # added fresh, as for every answer
        assert fast.headers["access-control-allow-origin"] == "*"
        assert fast.headers["content-type"] == "application/json"


def answered_misses(client: Client) -> int:
    layer: ReplayedLookups = client.app.state.replayed_lookups
    return layer.answered_misses


async def test_a_miss_answered_before_the_routes_is_their_answer_byte_for_byte(
    client: Client, admin_headers: dict[str, str]
) -> None:
    first, other = await make_aida(client, admin_headers), await make_aida(client, admin_headers)
    layer: ReplayedLookups = client.app.state.replayed_lookups
    for field, route in (("id", "/v1/credentials/{}"), ("verificationCode", "/v1/lookup?code={}")):
        await recorded(client, route.format(first[field]))  # the route has answered once: its response's shape
        client.app.state.runtime.lookup_cache.flush()
        before = answered_misses(client)
        fast = await client.get(route.format(other[field]))
        assert answered_misses(client) == before + 1  # read here, not by the routes
        layer._shapes.clear()  # forget the shape, and the answer: the routes answer it again
        client.app.state.runtime.lookup_cache.flush()
        slow = await client.get(route.format(other[field]))
        assert answered_misses(client) == before + 1
        assert fast.status_code == slow.status_code == 200
        assert fast.content == slow.content
        assert without_request_id(fast) == without_request_id(slow)
    # What the routes answer with a problem is still theirs: an unknown id is their 404, with its CORS headers.
    before = answered_misses(client)
    unknown = await client.get("/v1/credentials/aaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert answered_misses(client) == before


async def test_a_revocation_on_another_instance_stops_its_replay_within_a_second(
    client: Client, second: Client, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers)
    paths = [f"/v1/credentials/{credential['id']}", f"/v1/lookup?code={credential['verificationCode']}"]
    for path in paths:
        assert (await recorded(second, path)).json()["status"] == "active"
    revoked = await transition(client, admin_headers, credential["id"], "revoke", "issued_in_error")
    assert revoked.status_code == 200, revoked.text
    answered = time.monotonic()
    for path in paths:
        while (await second.get(path)).json()["status"] != "revoked":
            assert time.monotonic() - answered < 1.0, f"{path} still replayed as active after 1 s"
            await asyncio.sleep(0.005)
    assert (await replayed(second, paths[0])).json()["status"] == "revoked"  # the new answer is the one replayed


async def test_an_answer_is_not_replayed_past_the_span_it_holds_for(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers)
    path = f"/v1/credentials/{credential['id']}"
    assert (await recorded(client, path)).json()["status"] == "active"
    clock.advance(days=731)  # past validUntil: no write, no note
    before = replays(client)
    assert (await client.get(path)).json()["status"] == "expired"
    assert replays(client) == before  # judged again by the routes, not replayed
    assert (await replayed(client, path)).json()["status"] == "expired"


async def test_a_replayed_lookup_by_code_still_draws_on_the_rate_limit(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock, admin_headers: dict[str, str]
) -> None:
    limit = 6
    config = load_settings(
        {}, database_url=database_url, public_base_url=BASE_URL, pool_min=1, pool_max=2,
        verify_rate_limit_per_minute=limit, rate_limit_lease_max=1,
    )  # fmt: skip
    async with AsyncTestClient(app=make_app(config, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        credential = await make_aida(c, admin_headers)
        path = f"/v1/lookup?code={credential['verificationCode']}"
        await recorded(c, path)  # two or more of the budget
        before = replays(c)
        statuses = [(await c.get(path)).status_code for _ in range(limit)]
        assert statuses.count(429) >= 2, statuses
        assert 200 in statuses
        assert replays(c) > before
        refused = await c.get(path)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "retry-after" in refused.headers


async def test_other_requests_go_through_the_routes(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    path = f"/v1/credentials/{credential['id']}"
    await recorded(client, path)
    await recorded(client, f"/v1/lookup?code={credential['verificationCode']}")
    before = replays(client)
    page = await client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    signed = await client.get(path, headers={"Accept": "application/vc"})
    assert signed.headers["content-type"].startswith("application/vc")
    assert (await client.get(path, params={"at": credential["validFrom"]})).status_code == 200
    assert (await client.head(path)).status_code in (200, 405)
    code = credential["verificationCode"]
    assert (await client.get(f"/v1/lookup?code={code}&x=%00")).status_code == 400
    assert (await client.get(f"/v1/lookup?code={code.lower()}&code={code}")).status_code in (200, 400, 422)
    assert replays(client) == before


def test_the_replay_layer_is_off_without_the_lookup_cache(
    make_app: MakeApp, settings: Settings, issuer_key: IssuerKey
) -> None:
    app = make_app(load_settings({}, database_url=settings.database_url, public_base_url=BASE_URL,
                                   lookup_cache_size=0), issuer_key=issuer_key)  # fmt: skip
    assert not hasattr(app.state, "replayed_lookups")
