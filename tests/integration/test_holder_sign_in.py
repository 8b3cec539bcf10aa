"""Holders sign in without a password, through the real app, PostgreSQL, the outbox dispatcher and a real SMTP
server on 127.0.0.1 (issue 13): the e-mailed link works once and within its time, is stored only hashed and erased
from the mail queue once sent, the request answers the same for an unknown address, both rate limits hold, and
every form refuses a wrong CSRF token or another origin."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

import pytest
from litestar.testing import AsyncTestClient

from tests.factories import make_aida
from tests.notify_receivers import SmtpReceiver, eventually, receiver_settings
from verify_api.app import create_app
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from email.message import EmailMessage

    import asyncpg
    from litestar import Litestar

    from tests.conftest import FakeClock
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

    Client = AsyncTestClient[Litestar]

BASE_URL = "https://verify.test.example"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"https://verify\.test\.example(/me/[a-z/-]+)\?token=([A-Za-z0-9_\-%]+)")


@contextlib.asynccontextmanager
async def serving(settings: Settings, issuer_key: IssuerKey, clock: FakeClock) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        c.follow_redirects = False
        yield c


def holder_settings(database_url: str, smtp: SmtpReceiver, **overrides: Any) -> Settings:
    return receiver_settings(database_url, smtp, BASE_URL, **overrides)


def csrf_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has a form with a token"
    return found.group(1)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def sign_in_messages(smtp: SmtpReceiver, to: str) -> list[EmailMessage]:
    return [m for m in smtp.messages if "sign-in link" in str(m["Subject"]) and m["To"] == to]


async def ask_for_link(client: Client, email: str, **headers: str) -> Any:
    page = await client.get("/me/sign-in")
    assert page.status_code == 200
    return await client.post("/me/sign-in", data={"csrf_token": csrf_of(page.text), "email": email}, headers=headers)


async def link_from_mail(smtp: SmtpReceiver, to: str, count: int = 1) -> tuple[str, str]:
    await eventually(lambda: len(sign_in_messages(smtp, to)) >= count)
    found = LINK.search(text_of(sign_in_messages(smtp, to)[count - 1]))
    assert found, "the message holds the link"
    return found.group(1), found.group(2)


async def follow_link(client: Client, path: str, token: str) -> Any:
    page = await client.get(f"{path}?token={token}")
    assert page.status_code == 200, page.text
    return await client.post(path, data={"csrf_token": csrf_of(page.text), "token": token})


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    """The app with its dispatcher off (tests/conftest.py), seeing redirects as they are."""
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


async def test_holder_signs_in_from_the_emailed_link_once_and_within_its_time(
    database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock,
    smtp: SmtpReceiver, conn: asyncpg.Connection,
) -> None:  # fmt: skip
    async with serving(holder_settings(database_url, smtp), issuer_key, clock) as client:
        credential = await make_aida(client, admin_headers, email="ada@example.org")
        assert (await client.get("/me")).headers["location"] == "/me/sign-in"
        asked = await ask_for_link(client, "ADA@example.org ")  # the address as typed: case and spaces ignored
        assert asked.status_code == 200
        assert "If an account uses that address" in asked.text
        path, token = await link_from_mail(smtp, "ada@example.org")
        assert path == "/me/sign-in/link"
        # Stored only hashed; the link leaves the mail queue once sent.
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM holder_links WHERE position($1 in encode(token_hash, 'escape')) > 0", token
            )
            == 0
        )
        await eventually_erased(conn)
        # GET (a mail scanner's prefetch) reads the link without using it.
        pages = [await client.get(f"{path}?token={token}") for _ in range(2)]
        assert all(p.status_code == 200 and 'id="confirm-sign-in"' in p.text for p in pages)
        # It says which account it signs in to: a link someone else sent (a login CSRF) shows their address.
        assert 'id="sign-in-address">ada@example.org<' in pages[-1].text
        page = pages[-1]
        response = await client.post(path, data={"csrf_token": csrf_of(page.text), "token": token})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/me"
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("holder_session="))
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite=lax", "path=/", "secure"} <= flags
        home = await client.get("/me")
        assert home.status_code == 200, home.text
        assert home.headers["cache-control"] == "no-store"
        assert credential["id"] in home.text
        assert "Valid" in home.text
        # Used once: the same link is refused, on its page and when posted again.
        assert (await client.get(f"{path}?token={token}")).status_code == 410
        form = await client.get("/me/sign-in")
        reused = await client.post(path, data={"csrf_token": csrf_of(form.text), "token": token})
        assert reused.status_code == 410
        assert "not valid any more" in reused.text
        # A new link, left for longer than HOLDER_SIGN_IN_LINK_MINUTES, is refused too.
        assert (await ask_for_link(client, "ada@example.org")).status_code == 200
        path, token = await link_from_mail(smtp, "ada@example.org", count=2)
        page = await client.get(f"{path}?token={token}")
        assert page.status_code == 200
        clock.advance(minutes=15, seconds=1)
        assert (await client.get(f"{path}?token={token}")).status_code == 410
        late = await client.post(path, data={"csrf_token": csrf_of(page.text), "token": token})
        assert late.status_code == 410
        assert (await client.get(f"{path}?token={token[:-2]}")).status_code == 410


async def eventually_erased(conn: asyncpg.Connection) -> None:
    for _ in range(200):
        if await conn.fetchval("SELECT count(*) FROM holder_mail WHERE link IS NOT NULL") == 0:
            assert await conn.fetchval("SELECT count(*) FROM holder_mail WHERE state = 'sent'") >= 1
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the sent message's link was not erased")


async def test_unknown_address_gets_the_same_answer_and_no_mail(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    # The dispatcher is off here: what would be mailed stays in the queue.
    await make_aida(client, admin_headers, email="ada@example.org")
    known = await ask_for_link(client, "ada@example.org")
    unknown = await ask_for_link(client, "nobody@example.org")
    assert (known.status_code, known.text) == (unknown.status_code, unknown.text)
    assert await conn.fetchval("SELECT count(*) FROM holder_mail") == 1
    assert await conn.fetchval("SELECT count(*) FROM holder_mail WHERE to_address = 'nobody@example.org'") == 0
    refused = await ask_for_link(client, "not an address")
    assert refused.status_code == 422


async def test_sign_in_requests_are_limited_per_address_and_per_client(
    database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock
) -> None:
    settings = load_settings(
        {}, database_url=database_url, public_base_url=BASE_URL, pool_min=1, pool_max=4, notify_dispatch=False,
        holder_sign_in_per_address=3, holder_sign_in_per_client=7,
    )  # fmt: skip
    async with serving(settings, issuer_key, clock) as client:
        await make_aida(client, admin_headers, email="ada@example.org")
        for address in ("ada@example.org", "nobody@example.org"):  # known or not, the same limit
            for _ in range(3):
                assert (await ask_for_link(client, address)).status_code == 200
            refused = await ask_for_link(client, address.upper())
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) > 0
            assert "too many sign-in links" in refused.text
        # 3 + 3 counted (refusals are not): one more of the client's 7, then none, whatever the address.
        assert (await ask_for_link(client, "third@example.org")).status_code == 200
        assert (await ask_for_link(client, "fourth@example.org")).status_code == 429
        clock.advance(minutes=settings.holder_sign_in_window_minutes, seconds=1)
        assert (await ask_for_link(client, "ada@example.org")).status_code == 200


async def test_forms_refuse_a_wrong_token_and_another_origin(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    # The dispatcher is off here: the link is read from the queue (the first test takes it from SMTP).
    await make_aida(client, admin_headers, email="ada@example.org")
    page = await client.get("/me/sign-in")
    no_token = await client.post("/me/sign-in", data={"email": "ada@example.org"})
    assert no_token.status_code == 403
    cross = await client.post(
        "/me/sign-in",
        data={"csrf_token": csrf_of(page.text), "email": "ada@example.org"},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert (await ask_for_link(client, "ada@example.org")).status_code == 200
    link = await conn.fetchval("SELECT link FROM holder_mail WHERE to_address = 'ada@example.org'")
    path, token = link.removeprefix(BASE_URL).split("?token=")
    assert (await follow_link(client, path, token)).status_code == 303
    home = await client.get("/me")
    token = csrf_of(home.text)
    choice = {"public_listing": "yes", "indexable": "yes"}
    assert (await client.post("/me/privacy", data={**choice, "csrf_token": token[:-1] + "x"})).status_code == 403
    assert (await client.post("/me/privacy", data=choice)).status_code == 403
    assert (await client.post("/me/privacy", data={**choice, "csrf_token": token})).status_code == 303
    # Signed out: the session ends, its cookie goes, /me asks to sign in again.
    out = await client.post("/me/sign-out", data={"csrf_token": token})
    assert out.status_code == 303
    assert (await client.get("/me")).headers["location"] == "/me/sign-in"
    assert (await client.post("/me/privacy", data={**choice, "csrf_token": token})).status_code == 303
    assert (await client.get("/me")).status_code == 303


async def test_sign_in_returns_the_holder_to_the_page_they_were_sent_from(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    # The dispatcher is off here: the link is read from the queue.
    await make_aida(client, admin_headers, email="ada@example.org")
    assert (await client.get("/me?saved=privacy")).headers["location"] == "/me/sign-in?next=%2Fme%3Fsaved%3Dprivacy"
    wanted = "/ims/ob/v3p0/authorize?client_id=abc&state=xyz"
    page = await client.get("/me/sign-in", params={"next": wanted})
    assert f'name="next" value="{html.escape(wanted)}"' in page.text
    asked = await client.post(
        "/me/sign-in", data={"csrf_token": csrf_of(page.text), "email": "ada@example.org", "next": wanted}
    )
    assert asked.status_code == 200
    assert f'href="/me/sign-in?{urlencode({"next": wanted})}"' in asked.text  # "ask for another link" keeps it
    link = await conn.fetchval("SELECT link FROM holder_mail WHERE to_address = 'ada@example.org'")
    path, query = link.removeprefix(BASE_URL).split("?")
    assert parse_qs(query)["next"] == [wanted]
    page = await client.get(f"{path}?{query}")
    assert f'name="next" value="{html.escape(wanted)}"' in page.text
    token = parse_qs(query)["token"][0]
    used = await client.post(path, data={"csrf_token": csrf_of(page.text), "token": token, "next": wanted})
    assert used.status_code == 303
    assert used.headers["location"] == wanted
    # Used up, the link's page still leads on: its "ask for a new link" keeps `next`.
    spent = await client.get(f"{path}?{query}", headers={"accept": "text/html"})
    assert spent.status_code == 410
    assert f'href="/me/sign-in?{html.escape(urlencode({"next": wanted}))}"' in spent.text


async def test_sign_in_never_sends_the_holder_to_another_origin(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    await make_aida(client, admin_headers, email="ada@example.org")
    elsewhere = "https://evil.example/me"
    page = await client.get("/me/sign-in", params={"next": elsewhere})
    assert 'name="next"' not in page.text
    asked = await client.post(
        "/me/sign-in", data={"csrf_token": csrf_of(page.text), "email": "ada@example.org", "next": "//evil.example"}
    )
    assert asked.status_code == 200
    link = await conn.fetchval("SELECT link FROM holder_mail WHERE to_address = 'ada@example.org'")
    path, query = link.removeprefix(BASE_URL).split("?")
    assert "next" not in parse_qs(query)
    page = await client.get(f"{path}?{query}&next=%2F%5Cevil.example")
    assert 'name="next"' not in page.text
    token = parse_qs(query)["token"][0]
    used = await client.post(path, data={"csrf_token": csrf_of(page.text), "token": token, "next": elsewhere})
    assert used.status_code == 303
    assert used.headers["location"] == "/me"


async def test_signing_in_again_ends_the_browser_s_earlier_session(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    await make_aida(client, admin_headers, email="ada@example.org")
    await make_aida(client, admin_headers, email="grace@example.org")
    cookies: list[str] = []
    for address in ("ada@example.org", "grace@example.org"):  # two people, one shared browser
        assert (await ask_for_link(client, address)).status_code == 200
        link = await conn.fetchval("SELECT link FROM holder_mail WHERE to_address = $1", address)
        path, token = link.removeprefix(BASE_URL).split("?token=")
        assert (await follow_link(client, path, token)).status_code == 303
        cookies.append(client.cookies.get("holder_session") or "")
    assert (await client.get("/me")).status_code == 200  # Grace's session
    assert all(cookies)
    client.cookies.set("holder_session", cookies[0])
    assert (await client.get("/me")).headers["location"] == "/me/sign-in"  # Ada's ended when Grace signed in
