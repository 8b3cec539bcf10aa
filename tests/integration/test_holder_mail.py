"""Holders' account messages (services.holder_mail) against the real PostgreSQL and SMTP servers on 127.0.0.1: sent
with the link, then the link erased; kept for a retry while the link lives; erased when the link expires unsent or
the message fails for good."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from tests.integration.test_holder_sessions import T0, make_holder_row
from tests.notify_receivers import SmtpReceiver, receiver_settings
from tests.served_app import free_port
from verify_api.db.pool import create_pool
from verify_api.services.context import ServiceContext
from verify_api.services.holder_mail import enqueue_holder_mail, send_holder_mail_due

if TYPE_CHECKING:
    import asyncpg

    from tests.conftest import FakeClock
    from verify_api.services.context import IssuerKey

LINK = "https://verify.test.example/me/sign-in/link?token=secret-token-of-the-test"


async def queued(conn: asyncpg.Connection) -> tuple[str, str | None, int]:
    row = await conn.fetchrow("SELECT state, link, attempts FROM holder_mail")
    assert row is not None
    return row["state"], row["link"], row["attempts"]


async def test_a_sent_message_carries_the_link_and_the_queue_forgets_it(
    database_url: str, conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock, smtp: SmtpReceiver
) -> None:
    clock.now = T0
    settings = receiver_settings(database_url, smtp, "https://verify.test.example")
    holder_id = await make_holder_row(conn)
    await enqueue_holder_mail(
        conn, holder_id=holder_id, kind="sign_in", to_address="ada@example.org", link=LINK, now=T0,
        send_before=T0 + timedelta(minutes=15),
    )  # fmt: skip
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        assert await send_holder_mail_due(pool, ServiceContext.for_key(settings, issuer_key, clock=clock)) == 1
    finally:
        await pool.close()
    assert await queued(conn) == ("sent", None, 1)
    (message,) = smtp.messages
    assert message["To"] == "ada@example.org"
    assert "sign-in link" in str(message["Subject"])
    assert LINK not in str(message["Subject"])
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert LINK in str(plain.get_content())
    assert "Ada Lovelace" in str(plain.get_content())
    assert "within 15 minutes" in str(plain.get_content())
    assert f'href="{LINK}"' in str(html.get_content())


async def test_an_unreachable_server_keeps_the_link_for_a_retry_only_while_it_lives(
    database_url: str, conn: asyncpg.Connection, issuer_key: IssuerKey, clock: FakeClock, smtp: SmtpReceiver
) -> None:
    clock.now = T0
    closed = free_port()  # nothing listens there
    holder_id = await make_holder_row(conn)
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        # A retry in 5 s fits before the link's end: kept, pending.
        settings = receiver_settings(database_url, smtp, "https://verify.test.example", smtp_port=closed)
        ctx = ServiceContext.for_key(settings, issuer_key, clock=clock)
        await enqueue_holder_mail(
            conn, holder_id=holder_id, kind="sign_in", to_address="ada@example.org", link=LINK, now=T0,
            send_before=T0 + timedelta(seconds=60),
        )  # fmt: skip
        assert await send_holder_mail_due(pool, ctx) == 1
        assert await queued(conn) == ("pending", LINK, 1)
        # The link expires before the retry: dropped, erased.
        clock.advance(seconds=61)
        assert await send_holder_mail_due(pool, ctx) == 0
        assert await queued(conn) == ("dropped", None, 1)
        # A retry that would come after the link's end: failed for good at once, erased.
        await conn.execute("DELETE FROM holder_mail")
        slow = receiver_settings(
            database_url, smtp, "https://verify.test.example", smtp_port=closed, notify_retry_base_seconds=600.0
        )
        await enqueue_holder_mail(
            conn, holder_id=holder_id, kind="sign_in", to_address="ada@example.org", link=LINK, now=clock(),
            send_before=clock() + timedelta(seconds=60),
        )  # fmt: skip
        assert await send_holder_mail_due(pool, ServiceContext.for_key(slow, issuer_key, clock=clock)) == 1
        assert await queued(conn) == ("failed", None, 1)
    finally:
        await pool.close()
    assert smtp.messages == []
