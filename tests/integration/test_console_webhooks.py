"""The console's Webhooks page against the real app, PostgreSQL, outbox dispatcher and an HTTP receiver on
127.0.0.1: a subscription made through the console form receives a signed delivery, its log page shows it, the
console's Redeliver sends it again with the same webhook-id, a refused URL shows the problem's detail, disabling
stops it, and a role without `manage` is refused."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_aida
from tests.integration.test_console_auth import console_token, make_staff, sign_in
from tests.integration.test_notifications import verify_signature
from tests.notify_receivers import SmtpReceiver, WebhookReceiver, eventually, receiver_settings
from tests.staff_settings import CHEAP_STAFF_PASSWORDS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import asyncpg
    from litestar import Litestar

    from verify_api.settings import Settings

    Client = AsyncTestClient[Litestar]

SECRET = re.compile(r'id="secret" readonly value="(whsec_[^"]+)"')
DELIVERY = re.compile(r'id="delivery-([0-9a-f-]{36})"')
OLDER = re.compile(r'href="(/console/webhooks/[0-9a-f-]{36}\?before=[^"]+)" id="log-older"')
REDELIVER = re.compile(r'action="(/console/webhooks/[0-9a-f-]{36}/deliveries/[0-9a-f-]{36}/redeliver)"')


@pytest.fixture
def settings(database_url: str, smtp: SmtpReceiver) -> Settings:
    """The dispatcher on (conftest's settings turn it off), loopback targets allowed, cheap argon2id parameters."""
    return receiver_settings(
        database_url,
        smtp,
        BASE_URL,
        **CHEAP_STAFF_PASSWORDS,
    )


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


async def create_through_form(client: Client, url: str, *types: str, description: str = "") -> Any:
    token = await console_token(client, "/console/webhooks")
    form = {"csrf_token": token, "url": url, "event_types": list(types), "description": description}
    return await client.post("/console/webhooks", data=form, headers={"accept": "text/html", "origin": BASE_URL})


async def test_console_subscription_receives_a_signed_delivery_and_redeliver_sends_it_again(
    client: Client, conn: asyncpg.Connection, settings: Settings, admin_headers: dict[str, str],
    hooks: WebhookReceiver,
) -> None:  # fmt: skip
    await sign_in(client, await make_staff(conn, settings, "ops@pai.example"))
    home = await client.get("/console")
    assert 'href="/console/webhooks"' in home.text  # the navigation offers it to a role with `manage`
    made = await create_through_form(client, hooks.url, "credential.issued", description="CRM sync")
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    found = SECRET.search(made.text)
    assert found, "the answer shows the signing secret"
    secret = found.group(1)
    subscription_id = await conn.fetchval("SELECT id FROM webhook_subscriptions WHERE url = $1", hooks.url)
    assert await conn.fetchval("SELECT description FROM webhook_subscriptions") == "CRM sync"
    listing = await client.get("/console/webhooks")
    assert hooks.url in listing.text
    assert "credential.issued" in listing.text
    assert secret not in listing.text  # shown once only

    credential = await make_aida(client, admin_headers)
    await eventually(lambda: len(hooks.received) == 1)
    first = hooks.received[0]
    assert first.json["type"] == "credential.issued"
    assert first.json["data"]["credentialId"] == credential["id"]
    assert verify_signature(secret, first.headers, first.body)

    log_path = f"/console/webhooks/{subscription_id}"
    page: Any = None
    for _ in range(250):  # the receiver sees the request before the dispatcher records its answer
        page = await client.get(log_path)
        if 'delivery-state">sent<' in page.text:
            break
        await _pause()
    assert page.status_code == 200
    assert 'delivery-state">sent<' in page.text
    assert 'delivery-attempts">1<' in page.text
    assert 'delivery-status-code">200<' in page.text
    assert first.headers["webhook-id"] in page.text
    action = REDELIVER.search(page.text)
    assert action, "each delivery has a Redeliver form"
    token = await console_token(client, log_path)
    redo = await client.post(action.group(1), data={"csrf_token": token}, headers={"origin": BASE_URL})
    assert redo.status_code == 303
    assert redo.headers["location"] == f"{log_path}?done=redelivered"
    await eventually(lambda: len(hooks.received) == 2)
    assert hooks.received[1].headers["webhook-id"] == first.headers["webhook-id"]
    assert verify_signature(secret, hooks.received[1].headers, hooks.received[1].body)
    assert "queued to be sent again" in (await client.get(redo.headers["location"])).text

    unknown = f"/console/webhooks/{subscription_id}/deliveries/00000000-0000-4000-8000-000000000000/redeliver"
    missing = await client.post(unknown, data={"csrf_token": token}, headers={"accept": "text/html"})
    assert missing.status_code == 404
    assert (await client.get("/console/webhooks/not-a-uuid", headers={"accept": "text/html"})).status_code == 404

    off = await client.post(f"{log_path}/disable", data={"csrf_token": token})
    assert off.status_code == 303
    assert await conn.fetchval("SELECT disabled_at IS NOT NULL FROM webhook_subscriptions") is True
    listed = (await client.get("/console/webhooks")).text  # still listed, marked disabled, with no Disable form
    entry = listed.split(f'id="webhook-{subscription_id}"', 1)[1].split("</li>", 1)[0]
    assert hooks.url in entry
    assert '<span class="status-word status-revoked">disabled</span>' in entry
    assert "/disable" not in entry
    assert "disabled" in (await client.get(log_path)).text  # its log stays readable


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.02)


async def test_console_refused_url_and_event_types_show_the_problem_and_keep_the_form(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    await sign_in(client, await make_staff(conn, settings, "ops@pai.example"))
    refused = await create_through_form(client, "ftp://example.org/hooks", "credential.revoked")
    assert refused.status_code == 422
    assert "http" in refused.text.lower()
    assert 'value="ftp://example.org/hooks"' in refused.text
    assert 'value="credential.revoked" id="type-credential-revoked" checked' in refused.text
    none_chosen = await create_through_form(client, "http://127.0.0.1:9/hooks")
    assert none_chosen.status_code == 422
    assert "event types must be some of" in none_chosen.text
    assert await conn.fetchval("SELECT count(*) FROM webhook_subscriptions") == 0


async def test_console_webhooks_page_is_refused_to_an_assessor(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    await sign_in(client, await make_staff(conn, settings, "assessor@pai.example", role="assessor"))
    home = await client.get("/console")
    assert home.status_code == 200
    assert 'href="/console/webhooks"' not in home.text
    token = await console_token(client)
    assert (await client.get("/console/webhooks", headers={"accept": "text/html"})).status_code == 403
    form = {"csrf_token": token, "url": "http://127.0.0.1:9/hooks", "event_types": "credential.issued"}
    refused = await client.post("/console/webhooks", data=form, headers={"accept": "text/html", "origin": BASE_URL})
    assert refused.status_code == 403
    assert "&#39;manage&#39; scope" in refused.text
    assert await conn.fetchval("SELECT count(*) FROM webhook_subscriptions") == 0


async def add_subscription(conn: asyncpg.Connection, url: str, *, disabled: bool = False) -> UUID:
    subscription_id = uuid4()
    await conn.execute(
        "INSERT INTO webhook_subscriptions (id, url, event_types, secret, created_at, disabled_at)"
        " VALUES ($1, $2, '{credential.issued}', 'whsec_dGVzdA==', now(), CASE WHEN $3 THEN now() END)",
        subscription_id,
        url,
        disabled,
    )
    return subscription_id


async def test_console_delivery_log_pages_by_cursor_and_disabled_subscriptions_are_listed(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    await sign_in(client, await make_staff(conn, settings, "ops@pai.example"))
    busy = await add_subscription(conn, "https://crm.example.org/hooks")
    other = await add_subscription(conn, "https://lms.example.org/hooks")
    gone = await add_subscription(conn, "https://old.example.org/hooks", disabled=True)
    # 120 finished deliveries, ten at a time at one instant (as a translation batch stamps them): more than two pages,
    # with ties on created_at that only the id orders.
    await conn.execute(
        "WITH made AS (INSERT INTO notifications (type, occurred_at, data, derived_key)"
        "  SELECT 'credential.issued', now(), '{}'::jsonb, 'test:' || g FROM generate_series(1, 120) AS g"
        "  RETURNING seq)"
        " INSERT INTO deliveries (id, notification_seq, channel, subscription_id, state, attempts, created_at,"
        "  retry_since, next_attempt_at, finished_at)"
        " SELECT gen_random_uuid(), seq, 'webhook', $1, 'sent', 1, at, at, at, at"
        " FROM (SELECT seq, timestamptz '2026-11-27 09:00Z' + (seq / 10) * interval '1 second' AS at FROM made) m",
        busy,
    )
    expected = [
        str(r["id"])
        for r in await conn.fetch(
            "SELECT id FROM deliveries WHERE subscription_id = $1 ORDER BY created_at DESC, id DESC", busy
        )
    ]
    seen: list[str] = []
    sizes: list[int] = []
    page = await client.get(f"/console/webhooks/{busy}")
    assert 'id="log-newest"' not in page.text
    while True:
        assert page.status_code == 200, page.text
        found = DELIVERY.findall(page.text)
        seen += found
        sizes.append(len(found))
        older = OLDER.search(page.text)
        if older is None:
            break
        page = await client.get(older.group(1).replace("&amp;", "&"))
        assert 'id="log-newest"' in page.text
    assert sizes == [50, 50, 20]
    assert seen == expected  # newest first, each delivery once, none skipped

    first = await client.get(f"/console/webhooks/{busy}")
    cursor = OLDER.search(first.text)
    assert cursor is not None
    borrowed = cursor.group(1).replace("&amp;", "&").replace(str(busy), str(other))
    refused = await client.get(borrowed, headers={"accept": "text/html"})
    assert refused.status_code == 422  # a cursor of another subscription's log
    assert "start again" in refused.text
    mangled = await client.get(
        f"/console/webhooks/{busy}", params={"before": "x" * 40}, headers={"accept": "text/html"}
    )
    assert mangled.status_code == 422
    empty = await client.get(f"/console/webhooks/{other}")
    assert "Nothing delivered yet." in empty.text
    assert 'id="log-older"' not in empty.text

    listing = (await client.get("/console/webhooks")).text
    order = [m.group(1) for m in re.finditer(r'id="webhook-([0-9a-f-]{36})"', listing)]
    assert order == [str(busy), str(other), str(gone)]  # the active first, then the disabled
    entry = listing.split(f'id="webhook-{gone}"', 1)[1].split("</li>", 1)[0]
    assert "https://old.example.org/hooks" in entry
    assert '<span class="status-word status-revoked">disabled</span>' in entry
    assert f"/console/webhooks/{gone}/disable" not in entry
    assert f'href="/console/webhooks/{gone}"' in entry  # its log stays readable
