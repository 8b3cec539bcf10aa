"""Lookups served from memory stay true: every change reaches every process's cache through LISTEN/NOTIFY within
1 s (and the process that made it at once), a lost listening connection turns the cache off until it is back, and
time alone (expiry) still changes a cached answer at the right instant."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import make_aida
from tests.lifecycle_helpers import transition

if TYPE_CHECKING:
    import asyncpg

    from tests.conftest import FakeClock
    from verify_api.services.change_feed import ChangeFeed

Client = AsyncTestClient[Litestar]


def feed_of(client: Client) -> ChangeFeed:
    feed: ChangeFeed = client.app.state.change_feed
    return feed


async def status_of(client: Client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def seconds_until(client: Client, path: str, expected: str, *, limit: float = 5.0) -> float:
    started = time.monotonic()
    while (await status_of(client, path)) != expected:
        if time.monotonic() - started > limit:
            raise AssertionError(f"{path} still not {expected} after {limit} s")
        await asyncio.sleep(0.005)
    return time.monotonic() - started


async def cached(client: Client, credential: dict[str, Any]) -> None:
    """Look the credential up (by id and by code) until the instance answers both from memory (an answer read
    while an earlier note, such as its own issuance's, was on its way is not kept)."""
    cache, started = client.app.state.runtime.lookup_cache, time.monotonic()
    while cache.get(f"id:{credential['id']}") is None or cache.get(f"code:{credential['verificationCode']}") is None:
        assert time.monotonic() - started < 2.0, "the answers never stayed in the cache"
        await status_of(client, f"/v1/credentials/{credential['id']}")
        await status_of(client, f"/v1/lookup?code={credential['verificationCode']}")
        await asyncio.sleep(0.01)


async def test_a_change_made_elsewhere_reaches_a_cached_answer_within_a_second(
    client: Client, second: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    credential = await make_aida(client, admin_headers)
    by_id, by_code = f"/v1/credentials/{credential['id']}", f"/v1/lookup?code={credential['verificationCode']}"
    await cached(second, credential)
    # Written by hand, outside any command of either instance: only the trigger's note can tell `second`.
    await conn.execute("UPDATE credentials SET status = 'suspended', status_reason = 'under_investigation', "
                       "status_changed_at = now() WHERE id = $1", credential["id"])  # fmt: skip
    assert await seconds_until(second, by_id, "suspended") < 1.0
    assert await status_of(second, by_code) == "suspended"
    assert feed_of(second).notes_applied >= 1


async def test_the_instance_that_made_a_change_answers_it_at_once(
    client: Client, second: Client, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers)
    await cached(client, credential)
    await cached(second, credential)
    response = await transition(client, admin_headers, credential["id"], "revoke", "issued_in_error")
    assert response.status_code == 200, response.text
    assert await status_of(client, f"/v1/credentials/{credential['id']}") == "revoked"  # no wait at all
    assert await status_of(client, f"/v1/lookup?code={credential['verificationCode']}") == "revoked"
    assert await seconds_until(second, f"/v1/credentials/{credential['id']}", "revoked") < 1.0


async def test_a_key_compromise_flushes_every_cached_answer(
    client: Client, second: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    credential = await make_aida(client, admin_headers)
    await cached(second, credential)
    await conn.execute("UPDATE signing_keys SET compromised_since = '2000-01-01Z'")
    assert await seconds_until(second, f"/v1/credentials/{credential['id']}", "revoked") < 1.0
    body = (await second.get(f"/v1/credentials/{credential['id']}")).json()
    assert body["statusReason"] == "key_compromise"


async def test_a_lost_listener_turns_the_cache_off_until_it_is_back(
    client: Client, second: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    credential = await make_aida(client, admin_headers)
    path = f"/v1/credentials/{credential['id']}"
    await cached(second, credential)
    feed = feed_of(second)
    assert feed.listener is not None
    lost_pid = feed.listener.backend_pid()
    assert await conn.fetchval("SELECT pg_terminate_backend($1)", lost_pid)
    # Made while nobody listens for `second`: its note is lost for good.
    await conn.execute("UPDATE credentials SET status = 'revoked', status_reason = 'issued_in_error', "
                       "status_changed_at = now() WHERE id = $1", credential["id"])  # fmt: skip
    assert await seconds_until(second, path, "revoked") < 1.0
    # Back with a new connection (capped backoff), serving from memory again, and hearing the next change.
    started = time.monotonic()
    while feed.listener is None or feed.listener.conn.is_closed() or not feed.subscribed.is_set():
        assert time.monotonic() - started < 5.0, "the change feed did not resubscribe"
        await asyncio.sleep(0.01)
    assert feed.listener.backend_pid() != lost_pid
    other = await make_aida(client, admin_headers)
    await cached(second, other)
    await conn.execute("UPDATE credentials SET status = 'suspended', status_reason = 'under_investigation', "
                       "status_changed_at = now() WHERE id = $1", other["id"])  # fmt: skip
    assert await seconds_until(second, f"/v1/credentials/{other['id']}", "suspended") < 1.0


async def test_time_alone_changes_a_cached_answer(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers)
    path = f"/v1/credentials/{credential['id']}"
    await cached(client, credential)
    assert await status_of(client, path) == "active"  # from memory
    clock.advance(days=731)  # past validUntil: no write, no note
    assert await status_of(client, path) == "expired"


async def test_answers_from_memory_refuse_what_the_routes_refuse(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    await cached(client, credential)
    assert (await client.get("/v1/lookup?code=%00")).status_code == 400
    code = credential["verificationCode"]
    assert (await client.get(f"/v1/lookup?code={code}&x=%00")).status_code == 400
    page = await client.get(
        f"/v1/credentials/{credential['id']}", headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert page.status_code == 303  # a browser still gets the page, cached answer or not
    signed = await client.get(f"/v1/credentials/{credential['id']}", headers={"Accept": "application/vc"})
    assert signed.headers["content-type"].startswith("application/vc")
    answer = await client.get(f"/v1/credentials/{credential['id']}")
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["vary"] == "Accept"
    assert answer.headers["content-type"] == "application/json"
