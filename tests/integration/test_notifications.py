"""E-mail and webhooks from the outbox, received by real servers on 127.0.0.1 (aiosmtpd, an http.server), and the
event feed (issue 11 section 3)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.policy
import hashlib
import hmac
import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from litestar.testing import AsyncTestClient

from tests.factories import make_aida, make_cai
from tests.lifecycle_helpers import transition
from tests.notify_receivers import SmtpReceiver, WebhookReceiver, eventually, receiver_settings
from verify_api.db.pool import connect, create_pool
from verify_api.services.context import ServiceContext
from verify_api.services.outbox import Dispatcher, translate_events
from verify_api.services.webhooks import post_webhook, webhook_client
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    import pytest
    from litestar import Litestar

    from tests.conftest import FakeClock, MakeApp
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

BASE_URL = "http://testserver.local"


def notify_settings(database_url: str, smtp: SmtpReceiver, **overrides: Any) -> Settings:
    return receiver_settings(database_url, smtp, BASE_URL, **overrides)


@contextlib.asynccontextmanager
async def serving(
    make_app: MakeApp, settings: Settings, issuer_key: IssuerKey, clock: FakeClock
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=make_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        yield c


async def subscribe(
    client: AsyncTestClient[Litestar], headers: dict[str, str], url: str, *types: str
) -> dict[str, Any]:
    response = await client.post("/v1/webhooks", json={"url": url, "eventTypes": list(types)}, headers=headers)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The Standard Webhooks check, written here from the specification (not our signer)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (s.partition(",") for s in headers["webhook-signature"].split(" "))
    )


async def test_issue_and_suspend_reach_holder_and_webhook_once_each_across_a_restart(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver, hooks: WebhookReceiver,
) -> None:  # fmt: skip
    settings = notify_settings(database_url, smtp)
    async with serving(make_app, settings, issuer_key, clock) as client:
        made = await subscribe(client, admin_headers, hooks.url, "credential.issued", "credential.suspended")
        secret = made["secret"]
        assert secret.startswith("whsec_")
        credential = await make_aida(client, admin_headers, email="ada@example.org")
        await eventually(lambda: len(smtp.messages) == 1 and len(hooks.received) == 1)
        body = hooks.received[0].json
        assert body["type"] == "credential.issued"
        assert body["data"]["credentialId"] == credential["id"]
        assert "ada@example.org" not in hooks.received[0].body.decode()  # the e-mail is private to the holder
        assert verify_signature(secret, hooks.received[0].headers, hooks.received[0].body)
        message = smtp.messages[0]
        assert message["To"] == "ada@example.org"
        assert "issued" in message["Subject"]
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert text is not None
        assert html is not None
        assert f"{BASE_URL}/c/{credential['id']}" in text.get_content()
        assert f"{BASE_URL}/c/{credential['id']}" in html.get_content()
        metrics = ""
        for _ in range(200):  # sampled after each round: 0 once the round that sent them has recorded them
            metrics = (await client.get("/metrics")).text
            if re.search(r'verify_api_outbox_depth\{channel="webhook"\} 0\.0', metrics):
                break
            await asyncio.sleep(0.02)
        assert re.search(r'verify_api_outbox_depth\{channel="webhook"\} 0\.0', metrics)
    # The dispatcher is stopped: a suspension now waits in the event log for the next one.
    no_dispatch = notify_settings(database_url, smtp, notify_dispatch=False)
    async with serving(make_app, no_dispatch, issuer_key, clock) as client:
        response = await transition(client, admin_headers, credential["id"], "suspend", "under_investigation")
        assert response.status_code == 200, response.text
    await asyncio.sleep(0.2)
    assert len(hooks.received) == 1
    async with serving(make_app, settings, issuer_key, clock) as client:
        await eventually(lambda: len(smtp.messages) == 2 and len(hooks.received) == 2)
        await asyncio.sleep(0.3)  # several more rounds: nothing already sent is sent again
    assert [h.json["type"] for h in hooks.received] == ["credential.issued", "credential.suspended"]
    assert len({h.headers["webhook-id"] for h in hooks.received}) == 2
    assert len(smtp.messages) == 2
    assert "suspended" in smtp.messages[1]["Subject"]
    # The feed has the same events, same ids and bodies, in order.
    async with serving(make_app, no_dispatch, issuer_key, clock) as client:
        feed = (await client.get("/v1/events", headers=admin_headers)).json()
        assert [e["id"] for e in feed["events"]] == [h.headers["webhook-id"] for h in hooks.received]
        assert [e["data"] for e in feed["events"]] == [h.json["data"] for h in hooks.received]
        after = (await client.get(f"/v1/events?after={feed['nextCursor']}", headers=admin_headers)).json()
        assert after["events"] == []
        assert after["nextCursor"] == feed["nextCursor"]
        bad = await client.get("/v1/events?after=abc", headers=admin_headers)
        assert bad.status_code == 422


async def test_a_crash_between_sending_and_recording_sends_again_with_the_same_ids(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver, hooks: WebhookReceiver,
) -> None:  # fmt: skip
    settings = notify_settings(database_url, smtp, notify_dispatch=False, notify_lease_seconds=60)
    async with serving(make_app, settings, issuer_key, clock) as client:
        await subscribe(client, admin_headers, hooks.url, "credential.issued")
        await make_aida(client, admin_headers, email="grace@example.org")
    ctx = ServiceContext.for_key(settings, issuer_key, clock=clock)
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        crashed = Dispatcher(ctx, pool)
        await crashed.open()
        async with pool.acquire() as conn:
            assert await translate_events(conn, ctx) > 0
        work = await crashed.claim()
        assert {w.channel for w in work} == {"email", "webhook"}
        for item in work:
            assert (await crashed.attempt(item)) is not None  # received by both servers...
        await crashed.stop()  # ...and the process is gone before recording it
        assert len(smtp.messages) == 1
        assert len(hooks.received) == 1
        restarted = Dispatcher(ctx, pool)
        await restarted.open()
        assert await restarted.send_due() == 0  # the lease still holds
        clock.advance(seconds=61)
        assert await restarted.send_due() == 2  # the lease ran out: sent again, the same message
        assert await restarted.send_due() == 0
        clock.advance(hours=30)
        assert await restarted.send_due() == 0  # recorded as sent: never again
        await restarted.stop()
    finally:
        await pool.close()
    assert len(hooks.received) == 2
    assert hooks.received[0].headers["webhook-id"] == hooks.received[1].headers["webhook-id"]
    assert hooks.received[0].body == hooks.received[1].body
    assert len(smtp.messages) == 2
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]


async def test_opted_out_holders_get_no_email_and_the_link_opts_out(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver,
) -> None:  # fmt: skip
    settings = notify_settings(database_url, smtp)
    async with serving(make_app, settings, issuer_key, clock) as client:
        first = await make_aida(client, admin_headers, email="alan@example.org")
        await eventually(lambda: len(smtp.messages) == 1)
        link = smtp.messages[0]["List-Unsubscribe"].strip("<>")
        assert link.startswith(f"{BASE_URL}/v1/holders/{first['holderId']}/unsubscribe?token=")
        path = link.removeprefix(BASE_URL)
        forged = await client.post(path[:-3] + "AAA")
        assert forged.status_code == 422
        page = await client.get(path)
        assert page.status_code == 200
        assert "<form" in page.text
        one_click = {"content-type": "application/x-www-form-urlencoded"}  # RFC 8058: what a mail client sends
        done = await client.post(path, content=b"List-Unsubscribe=One-Click", headers=one_click)
        assert done.status_code == 200, done.text
        response = await transition(client, admin_headers, first["id"], "suspend", "under_investigation")
        assert response.status_code == 200
        # A second holder, opted out by staff, then back in.
        second = await make_aida(client, admin_headers, displayName="Edsger Dijkstra", email="ed@example.org")
        await eventually(lambda: len(smtp.messages) == 2)
        prefs = f"/v1/holders/{second['holderId']}/email-preferences"
        opted = await client.put(prefs, json={"optedOut": True}, headers=admin_headers)
        assert opted.status_code == 200, opted.text
        await transition(client, admin_headers, second["id"], "suspend", "under_investigation")
        await asyncio.sleep(0.4)
        assert len(smtp.messages) == 2  # neither suspension was e-mailed
        await client.put(prefs, json={"optedOut": False}, headers=admin_headers)
        await transition(client, admin_headers, second["id"], "revoke", "misconduct")
        await eventually(lambda: len(smtp.messages) == 3)
        assert "revoked" in smtp.messages[2]["Subject"]
        unknown = await client.put(
            "/v1/holders/00000000-0000-4000-8000-000000000000/email-preferences",
            json={"optedOut": True},
            headers=admin_headers,
        )
        assert unknown.status_code == 404


async def test_failed_webhooks_back_off_and_the_log_shows_them(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver, hooks: WebhookReceiver,
) -> None:  # fmt: skip
    hooks.status = 503
    settings = notify_settings(database_url, smtp)
    async with serving(make_app, settings, issuer_key, clock) as client:
        made = await subscribe(client, admin_headers, hooks.url, "credential.issued")
        await make_aida(client, admin_headers)
        await eventually(lambda: len(hooks.received) == 1)
        log_path = f"/v1/webhooks/{made['webhook']['id']}/deliveries"
        await asyncio.sleep(0.3)
        assert len(hooks.received) == 1  # not before its backoff
        entries = (await client.get(log_path, headers=admin_headers)).json()["deliveries"]
        assert entries[0]["state"] == "pending"
        assert entries[0]["log"][0]["statusCode"] == 503
        assert entries[0]["log"][0]["detail"] == "ok"
        clock.advance(seconds=6)  # past the first step (5 s, drawn in its upper half)
        await eventually(lambda: len(hooks.received) == 2)
        for _ in range(200):  # the second attempt recorded (its next time drawn) before the clock moves again
            logged = (await client.get(log_path, headers=admin_headers)).json()["deliveries"][0]["log"]
            if len(logged) == 2:
                break
            await asyncio.sleep(0.02)
        hooks.status = 204
        clock.advance(seconds=11)
        await eventually(lambda: len(hooks.received) == 3)
        await asyncio.sleep(0.2)
        entries = (await client.get(log_path, headers=admin_headers)).json()["deliveries"]
        assert entries[0]["state"] == "sent"
        assert [a["outcome"] for a in entries[0]["log"]] == ["retry", "retry", "sent"]
        redo = await client.post(f"/v1/deliveries/{entries[0]['id']}/redeliver", headers=admin_headers)
        assert redo.status_code == 202
        await eventually(lambda: len(hooks.received) == 4)
        assert len({h.headers["webhook-id"] for h in hooks.received}) == 1
        missing = await client.post(
            "/v1/deliveries/00000000-0000-4000-8000-000000000000/redeliver", headers=admin_headers
        )
        assert missing.status_code == 404


REFUSED_TARGETS = [
    "http://127.0.0.1:9/hooks",
    "http://10.1.2.3/hooks",
    "http://[::1]/x",
    "http://169.254.169.254/latest",
    "http://224.0.0.1/",
    "ftp://example.org/",
    "http://user:pw@example.org/",
]


async def test_private_targets_are_refused(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock
) -> None:
    settings = load_settings({}, database_url=database_url, public_base_url=BASE_URL, notify_dispatch=False)
    async with serving(make_app, settings, issuer_key, clock) as client:
        for url in REFUSED_TARGETS:
            response = await client.post(
                "/v1/webhooks", json={"url": url, "eventTypes": ["credential.issued"]}, headers=admin_headers
            )
            assert response.status_code == 422, (url, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
        unknown = await client.post(
            "/v1/webhooks", json={"url": "https://example.org/", "eventTypes": ["nope"]}, headers=admin_headers
        )
        assert unknown.status_code in (400, 422)
        listed = await client.get("/v1/webhooks", headers=admin_headers)
        assert listed.json() == {"webhooks": []}


async def test_an_event_that_commits_late_is_not_skipped(
    database_url: str, settings: Settings, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    """The translator's cursor is an event number; a writer holding the chain head numbers its event before an
    event that commits after it, and the next writer waits for it (migration 0003), so no later number is seen
    while an earlier one is still uncommitted."""
    from verify_api.db.events import Events

    ctx = ServiceContext.for_key(settings, issuer_key, clock=clock)
    holder_id = "00000000-0000-4000-8000-00000000000a"
    slow, fast, reader = await connect(database_url), await connect(database_url), await connect(database_url)
    try:
        await reader.execute("INSERT INTO holders (id, display_name, created_at) VALUES ($1, 'Slow', now())", holder_id)
        translate_events_before = await translate_events(reader, ctx)
        transaction = slow.transaction()
        await transaction.start()
        await Events(slow).append(kind="holder_changed", occurred_at=clock(), data={"holderId": holder_id})
        second = asyncio.create_task(
            Events(fast).append(kind="holder_changed", occurred_at=clock(), data={"holderId": holder_id})
        )
        await asyncio.sleep(0.2)
        assert not second.done()  # waits for the chain head
        assert await translate_events(reader, ctx) == 0  # nothing committed yet
        await transaction.commit()
        await second
        assert await translate_events(reader, ctx) == 2
        rows = await reader.fetch("SELECT source_event FROM notifications ORDER BY seq")
        assert [r["source_event"] for r in rows] == sorted(r["source_event"] for r in rows)
        assert translate_events_before >= 0
    finally:
        for c in (slow, fast, reader):
            await c.close()


async def test_expiry_ahead_and_expiry_are_announced_once(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver, hooks: WebhookReceiver,
) -> None:  # fmt: skip
    settings = notify_settings(database_url, smtp, notify_dispatch=False)
    async with serving(make_app, settings, issuer_key, clock) as client:
        await subscribe(client, admin_headers, hooks.url, "credential.expiring", "credential.expired")
        credential = await make_aida(client, admin_headers, email="barbara@example.org")
    ctx = ServiceContext.for_key(settings, issuer_key, clock=clock)
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        dispatcher = Dispatcher(ctx, pool)
        await dispatcher.open()
        await dispatcher.run_once()  # the issuance e-mail
        clock.advance(days=730 - 29)  # AIDA is valid 730 days: 29 left, within EXPIRY_NOTICE_DAYS (30)
        for _ in range(3):
            dispatcher = Dispatcher(ctx, pool)  # each new dispatcher scans at once
            await dispatcher.open()
            await dispatcher.run_once()
        clock.advance(days=30)
        for _ in range(2):
            dispatcher = Dispatcher(ctx, pool)
            await dispatcher.open()
            await dispatcher.run_once()
        await dispatcher.stop()
    finally:
        await pool.close()
    assert [h.json["type"] for h in hooks.received] == ["credential.expiring", "credential.expired"]
    assert all(h.json["data"]["credentialId"] == credential["id"] for h in hooks.received)
    subjects = [m["Subject"] for m in smtp.messages]
    assert len(subjects) == 2
    assert "expires on" in subjects[1]


def test_the_retry_window_lasts_at_least_a_day() -> None:
    """Exponential steps from 5 s doubling to the 1 h cap, drawn in their upper half, span NOTIFY_RETRY_HOURS."""
    from verify_api.services.outbox import backoff_step, retry_delay

    settings = load_settings({})
    steps = [backoff_step(n, settings) for n in range(1, 40)]
    assert steps[:5] == [5, 10, 20, 40, 80]
    assert max(steps) == 3600
    import random

    rng = random.Random(7)
    delays = [retry_delay(n, settings, rng) for n in range(1, 40)]
    assert all(step / 2 <= d <= step for d, step in zip(delays, steps, strict=True))
    assert len({round(d, 3) for d in delays[-10:]}) == 10  # jittered, not all the cap
    assert timedelta(hours=settings.notify_retry_hours) >= timedelta(hours=24)


def test_cli_creates_a_subscription(database_url: str) -> None:
    """One CLI process (about 5 s here: imports and the migration check); the other commands call the same
    services as the API routes tested above."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": database_url, "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"}
    made = subprocess.run(
        [sys.executable, "-m", "verify_api", "webhooks", "create", "http://127.0.0.1:9/hooks",
         "--events", "credential.issued,credential.revoked"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_")

    async def stored() -> list[Any]:
        conn = await connect(database_url)
        try:
            return list(await conn.fetch("SELECT url, event_types, secret FROM webhook_subscriptions"))
        finally:
            await conn.close()

    (row,) = asyncio.run(stored())
    assert (row["url"], row["event_types"], row["secret"]) == (
        "http://127.0.0.1:9/hooks", ["credential.issued", "credential.revoked"], secret,
    )  # fmt: skip


async def test_without_smtp_messages_go_to_the_mail_folder(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    folder = tmp_path / "mail"
    settings = load_settings(
        {}, database_url=database_url, public_base_url=BASE_URL, notify_poll_seconds=0.05, mail_dir=str(folder)
    )
    with caplog.at_level(logging.INFO, logger="verify_api"):
        async with serving(make_app, settings, issuer_key, clock) as client:
            credential = await make_aida(client, admin_headers, email="katherine@example.org")
            await eventually(lambda: len(list(folder.glob("*.eml"))) == 1)
    assert any(str(folder.resolve()) in r.getMessage() for r in caplog.records)
    (saved,) = folder.glob("*.eml")
    parsed = email.message_from_bytes(saved.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "katherine@example.org"
    assert parsed["Message-ID"] == f"<{saved.stem}@testserver.local>"
    assert credential["id"] in saved.read_text()


async def test_two_dispatchers_share_the_work_and_send_each_once(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver, hooks: WebhookReceiver,
) -> None:  # fmt: skip
    settings = notify_settings(database_url, smtp, notify_dispatch=False, notify_batch_size=1)
    async with serving(make_app, settings, issuer_key, clock) as client:
        await subscribe(client, admin_headers, hooks.url, "credential.issued")
        for n in range(3):
            await make_aida(client, admin_headers, displayName=f"Holder {n}", email=f"h{n}@example.org")
    ctx = ServiceContext.for_key(settings, issuer_key, clock=clock)
    pool = await create_pool(database_url, min_size=2, max_size=6)
    try:
        first, second = Dispatcher(ctx, pool), Dispatcher(ctx, pool)
        await first.open()
        await second.open()

        async def drain(dispatcher: Dispatcher) -> int:
            sent = 0
            while await dispatcher.run_once() or sent == 0:
                sent += 1
                if sent > 20:
                    break
            return sent

        await asyncio.gather(drain(first), drain(second), drain(first), drain(second))
        await first.stop()
        await second.stop()
    finally:
        await pool.close()
    ids = [h.headers["webhook-id"] for h in hooks.received]
    assert len(ids) == 3
    assert len(set(ids)) == 3
    assert sorted(m["To"] for m in smtp.messages) == ["h0@example.org", "h1@example.org", "h2@example.org"]


async def test_an_organisation_falling_at_risk_is_announced_once(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver, hooks: WebhookReceiver,
) -> None:  # fmt: skip
    settings = notify_settings(database_url, smtp, notify_dispatch=False)
    async with serving(make_app, settings, issuer_key, clock) as client:
        await subscribe(client, admin_headers, hooks.url, "organization.at_risk", "credential.revoked")
        org = await make_cai(client, admin_headers)
        staff = org["staff"][0]
        response = await client.delete(
            f"/v1/organizations/{org['id']}/staff/{staff['holderId']}", headers=admin_headers
        )
        assert response.status_code == 204
    ctx = ServiceContext.for_key(settings, issuer_key, clock=clock)
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        for _ in range(2):  # two scans (each new dispatcher scans at once): one finding
            dispatcher = Dispatcher(ctx, pool)
            await dispatcher.open()
            await dispatcher.run_once()
            await dispatcher.stop()
    finally:
        await pool.close()
    (received,) = hooks.received
    assert received.json["type"] == "organization.at_risk"
    assert received.json["data"]["organizationId"] == org["id"]
    assert received.json["data"]["reason"] == "staff_below_minimum"


async def test_each_attempt_checks_the_target_again_and_follows_no_redirect(hooks: WebhookReceiver) -> None:
    settings = load_settings({})
    async with webhook_client(settings) as client:
        message = {"url": hooks.url, "secret": "whsec_" + "A" * 44, "msg_id": "evt_1", "body": b"{}", "timestamp": 1}
        refused = await post_webhook(client, **message, allow_private=False)  # type: ignore[arg-type]
        assert refused.outcome == "retry"
        assert "non-public" in (refused.detail or "")
        assert hooks.received == []
        hooks.status = 302
        redirected = await post_webhook(client, **message, allow_private=True)  # type: ignore[arg-type]
        assert (redirected.outcome, redirected.status_code) == ("retry", 302)
        assert len(hooks.received) == 1


async def test_a_holder_correction_is_one_holder_changed_webhook_naming_the_fields_not_their_values(
    make_app: MakeApp, database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver, hooks: WebhookReceiver,
) -> None:  # fmt: skip
    """PATCH /v1/holders/{id} (services/corrections.py) records `holder_changed` with the old and new values; the
    webhook and the feed carry the holder and the names of the changed fields only."""
    settings = notify_settings(database_url, smtp)
    async with serving(make_app, settings, issuer_key, clock) as client:
        await subscribe(client, admin_headers, hooks.url, "holder.changed")
        credential = await make_aida(client, admin_headers, email="old.name@example.org")
        holder = credential["holderId"]
        response = await client.patch(
            f"/v1/holders/{holder}",
            json={"displayName": "Ada King", "email": "new.name@example.org"},
            headers=admin_headers,
        )
        assert response.status_code == 200, response.text
        await eventually(lambda: len(hooks.received) == 1)
        body = hooks.received[0].json
        assert body["type"] == "holder.changed"
        assert body["data"]["holderId"] == holder
        assert body["data"]["changed"] == ["displayName", "email"]
        raw = hooks.received[0].body.decode()
        assert "example.org" not in raw
        assert "Ada King" not in raw
        feed = await client.get("/v1/events", headers=admin_headers)
        assert feed.status_code == 200, feed.text
        changed = [e for e in feed.json()["events"] if e["type"] == "holder.changed"]
        assert [e["data"]["holderId"] for e in changed] == [holder]
