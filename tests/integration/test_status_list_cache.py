"""Current status lists served from each process's memory stay true: a change made anywhere reaches a cached list on
another instance within 1 s (a status change, by a command or by hand; a key's change), a bit the organisation
rules flip with time alone shows once the clock passes that instant, and a list served from memory is byte for
byte the list built afresh."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import make_aida, make_certified_cae
from tests.lifecycle_helpers import bit, decode_status_list, status_entry, transition
from verify_api.services.outbox import scan_time_changes, translate_events

if TYPE_CHECKING:
    import asyncpg

    from tests.conftest import FakeClock
    from verify_api.services.caches import CurrentList, TaggedCache

Client = AsyncTestClient[Litestar]


def current_lists(client: Client) -> TaggedCache[CurrentList]:
    cache: TaggedCache[CurrentList] = client.app.state.runtime.current_lists
    return cache


def list_path(client: Client, credential: dict[str, Any], purpose: str) -> str:
    return str(status_entry(credential, purpose)["statusListCredential"]).removeprefix(str(client.base_url))


async def list_bit(client: Client, credential: dict[str, Any], purpose: str) -> int:
    response = await client.get(list_path(client, credential, purpose))
    assert response.status_code == 200, response.text
    encoded = response.json()["credentialSubject"]["encodedList"]
    return bit(decode_status_list(encoded), int(status_entry(credential, purpose)["statusListIndex"]))


async def cached_list(client: Client, credential: dict[str, Any], purpose: str) -> bytes:
    """Fetch the list until the instance holds it in memory (a list read while a note, such as the issuance's own,
    was on its way is not kept); the bytes it then serves."""
    list_id = list_path(client, credential, purpose).rsplit("/", 1)[-1]
    started = time.monotonic()
    while current_lists(client).get(list_id) is None:
        assert time.monotonic() - started < 2.0, "the list never stayed in memory"
        assert (await client.get(list_path(client, credential, purpose))).status_code == 200
        await asyncio.sleep(0.01)
    return (await client.get(list_path(client, credential, purpose))).content


async def seconds_until_bit(client: Client, credential: dict[str, Any], purpose: str, expected: int) -> float:
    started = time.monotonic()
    while await list_bit(client, credential, purpose) != expected:
        assert time.monotonic() - started < 5.0, f"the {purpose} bit is still not {expected} after 5 s"
        await asyncio.sleep(0.005)
    return time.monotonic() - started


async def test_a_status_change_on_one_instance_reaches_the_list_cached_on_another_within_a_second(
    client: Client, second: Client, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers)
    await cached_list(second, credential, "revocation")
    await cached_list(second, credential, "suspension")
    assert (await transition(client, admin_headers, credential["id"], "suspend", "holder_request")).status_code == 200
    assert await seconds_until_bit(second, credential, "suspension", 1) < 1.0
    await cached_list(second, credential, "suspension")
    assert (await transition(client, admin_headers, credential["id"], "revoke", "misconduct")).status_code == 200
    assert await seconds_until_bit(second, credential, "revocation", 1) < 1.0
    assert await list_bit(client, credential, "revocation") == 1  # the instance that made it: at once


async def test_a_status_written_by_hand_reaches_a_cached_list_through_its_own_note(
    client: Client, second: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    credential = await make_aida(client, admin_headers)
    await cached_list(second, credential, "suspension")
    # No command, so no version bump: only the register row's note (migration 0013) names the list.
    await conn.execute("UPDATE credentials SET status = 'suspended', status_reason = 'under_investigation', "
                       "status_changed_at = now() WHERE id = $1", credential["id"])  # fmt: skip
    assert await seconds_until_bit(second, credential, "suspension", 1) < 1.0


async def test_a_signing_key_change_drops_every_cached_list(
    client: Client, second: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    credential = await make_aida(client, admin_headers)
    await cached_list(second, credential, "revocation")
    await cached_list(second, credential, "suspension")
    # A compromise or retirement can flip many bits at once (everything signed in the key's window): a flush.
    await conn.execute("UPDATE signing_keys SET compromised_since = compromised_since")  # a no-op write
    assert len(current_lists(second)) == 2  # no change, no note (OLD IS DISTINCT FROM NEW)
    await conn.execute("UPDATE signing_keys SET created_at = created_at - interval '1 second'")
    started = time.monotonic()
    while len(current_lists(second)):
        assert time.monotonic() - started < 1.0, "the key's change never reached the cached lists"
        await asyncio.sleep(0.005)


async def test_a_bit_the_rules_flip_with_time_alone_shows_once_the_clock_passes_it(
    client: Client, second: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    org = await make_certified_cae(client, admin_headers, name="Woodgrove Bank", review_due="2027-03-01")
    credential = org["credential"]
    clock.now = clock.now.replace(year=2027, month=3, day=30)  # overdue, inside the 30-day grace
    await cached_list(second, credential, "suspension")
    assert await list_bit(second, credential, "suspension") == 0
    clock.now = clock.now.replace(month=4, day=1)  # past the grace: suspended by the rules, nothing written
    assert await list_bit(second, credential, "suspension") == 1
    clock.now = clock.now.replace(month=3, day=29)  # a clock set back is answered for its own moment too
    assert await list_bit(second, credential, "suspension") == 0


async def test_a_list_served_from_memory_is_the_list_built_afresh_byte_for_byte(
    client: Client, second: Client, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers)
    await transition(client, admin_headers, credential["id"], "suspend", "holder_request")
    for purpose in ("revocation", "suspension"):
        served = await cached_list(second, credential, purpose)
        path = list_path(second, credential, purpose)
        current_lists(client).flush()
        client.app.state.runtime.status_list_cache.clear()
        afresh = await client.get(path)
        assert afresh.content == served
        from_memory = await second.get(path)
        assert from_memory.headers["etag"] == afresh.headers["etag"]
        assert from_memory.headers["last-modified"] == afresh.headers["last-modified"]
        assert (await second.get(path, headers={"If-None-Match": afresh.headers["etag"]})).status_code == 304


async def test_the_outbox_dispatchers_own_commits_keep_what_this_process_has_cached(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    """The outbox dispatcher commits its bookkeeping every NOTIFY_POLL_SECONDS in every served process (translating
    new events into notifications, the time scans, delivery records). Those writes touch nothing a cached answer is
    built from, so they must not empty the process's caches: with a flush on each, no lookup or status list stayed
    cached for longer than one poll (issue 10's hot lookups and lists from memory, undone by issue 11's outbox)."""
    runtime = client.app.state.runtime
    credential = await make_aida(client, admin_headers)
    await cached_list(client, credential, "revocation")
    list_id = list_path(client, credential, "revocation").rsplit("/", 1)[-1]
    assert (await client.get(f"/v1/credentials/{credential['id']}")).status_code == 200
    cached_lookups = len(runtime.lookup_cache)
    assert cached_lookups > 0
    # The dispatcher's own commands, on a connection of this test's loop (the app serves from another).
    assert await translate_events(conn, runtime) > 0  # the issuance's events became notifications: a real write
    await scan_time_changes(conn, runtime)
    assert current_lists(client).get(list_id) is not None
    assert len(runtime.lookup_cache) == cached_lookups
    # A command that does change the register still empties them at once (the change is visible here before its
    # note comes back through the feed).
    await transition(client, admin_headers, credential["id"], "suspend", "holder_request")
    assert current_lists(client).get(list_id) is None
