"""A signed-in holder's page, privacy choices, the public directory, staff seeing and changing the choices, and
the address change confirmed from both addresses (issue 13), through the real app and PostgreSQL."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_aida
from tests.lifecycle_helpers import transition
from verify_api.services.holder_sessions import HOLDER_SESSION_COOKIE, open_holder_session
from verify_api.services.outbox import translate_events

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from uuid import UUID

    import asyncpg
    from litestar import Litestar

    from tests.conftest import FakeClock
    from verify_api.settings import Settings

    Client = AsyncTestClient[Litestar]

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ROBOTS = '<meta name="robots" content="noindex, nofollow">'


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


def csrf_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found
    return found.group(1)


async def signed_in(
    client: Client, conn: asyncpg.Connection, settings: Settings, holder_id: str, clock: FakeClock
) -> str:
    """Sign the client in as the holder (the e-mailed link's path is tests/integration/test_holder_sign_in.py);
    the page's CSRF token."""
    from uuid import UUID

    opened = await open_holder_session(conn, settings, UUID(holder_id), now=clock())
    client.cookies.set(HOLDER_SESSION_COOKIE, opened.token, domain="verify.test.example")
    home = await client.get("/me")
    assert home.status_code == 200, home.text
    return csrf_of(home.text)


async def directory_names(client: Client, query: str = "") -> str:
    page = await client.get(f"/directory{query}")
    assert page.status_code == 200
    return page.text


async def test_listing_and_indexing_are_the_holders_choices_and_the_directory_follows(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers, displayName="Ada Lovelace", email="ada@example.org")
    await make_aida(client, admin_headers, displayName="Grace Hopper", email="grace@example.org", publicListing=True)
    # Before any choice: Grace was created listed (and so indexable, as before the split); Ada is neither.
    assert "Grace Hopper" in await directory_names(client)
    assert "Ada Lovelace" not in await directory_names(client)
    assert ROBOTS in (await client.get(f"/c/{credential['id']}")).text
    token = await signed_in(client, conn, settings, credential["holderId"], clock)
    saved = await client.post("/me/privacy", data={"csrf_token": token, "public_listing": "yes", "indexable": "no"})
    assert saved.status_code == 303
    assert "Ada Lovelace" in await directory_names(client)
    assert ROBOTS in (await client.get(f"/c/{credential['id']}")).text  # listed, but not indexable: split cleanly
    await client.post("/me/privacy", data={"csrf_token": token, "public_listing": "yes", "indexable": "yes"})
    assert ROBOTS not in (await client.get(f"/c/{credential['id']}")).text
    # Per credential: hidden from the directory, and not indexable, whatever the account says.
    hide = {"csrf_token": token, "listed": "no", "indexable": "no"}
    assert (await client.post(f"/me/credentials/{credential['id']}/privacy", data=hide)).status_code == 303
    assert "Ada Lovelace" not in await directory_names(client)
    assert ROBOTS in (await client.get(f"/c/{credential['id']}")).text
    # A renewal keeps the choices made for the credential it replaces.
    renewed = await transition(client, admin_headers, credential["id"], "renew", "recertified")
    assert renewed.status_code in (200, 201), renewed.text
    successor = renewed.json()["id"]
    assert successor != credential["id"]
    assert "Ada Lovelace" not in await directory_names(client)
    assert ROBOTS in (await client.get(f"/c/{successor}")).text
    # The holder sees each change of theirs in the history on their page.
    home = (await client.get("/me?saved=privacy")).text
    assert "Your choices are saved." in home
    assert "Your account was changed by you" in home
    assert "listed in the public directory: no → yes" in home
    # A credential's choice is named by its title, as the page shows it, not by its id.
    assert "listed in the public directory (AIDA: PSF Foundations): yes → no" in home
    assert f"(credential {credential['id']})" not in home
    # Another holder's credential cannot be changed from this session.
    other = await make_aida(client, admin_headers, displayName="Alan Turing", email="alan@example.org")
    refused = await client.post(f"/me/credentials/{other['id']}/privacy", data=hide, headers={"accept": "text/html"})
    assert refused.status_code == 404
    bad = await client.post("/me/privacy", data={"csrf_token": token, "public_listing": "maybe", "indexable": "no"})
    assert bad.status_code == 422


async def test_the_directory_shows_only_valid_credentials_by_the_one_judgement(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    ada = await make_aida(client, admin_headers, displayName="Ada Lovelace", publicListing=True)
    await make_aida(client, admin_headers, displayName="Adèle Lovelock", publicListing=True)
    assert "Ada Lovelace" in await directory_names(client, "?q=lovelace")
    assert "Adèle Lovelock" in await directory_names(client, "?q=adele")  # accents folded, as the staff search
    assert "Ada Lovelace" not in await directory_names(client, "?q=adele")
    assert "Ada Lovelace" in await directory_names(client, "?q=lovelace&tier=AIDA")
    assert "Ada Lovelace" not in await directory_names(client, "?tier=CPAP")
    assert (await transition(client, admin_headers, ada["id"], "suspend", "under_investigation")).status_code == 200
    assert "Ada Lovelace" not in await directory_names(client)
    assert (await transition(client, admin_headers, ada["id"], "reinstate", "investigation_cleared")).status_code == 200
    assert "Ada Lovelace" in await directory_names(client)
    clock.advance(days=3 * 366)  # past validUntil: expired by the judgement, though stored active
    assert "Lovelace" not in await directory_names(client)


async def test_directory_pages_follow_the_cursor(client: Client, admin_headers: dict[str, str]) -> None:
    from verify_api.services import directory

    names = [f"Holder Number{chr(ord('a') + i)}" for i in range(directory.PAGE_SIZE + 2)]
    for name in names:
        await make_aida(client, admin_headers, displayName=name, publicListing=True)
    first = await directory_names(client)
    found = re.search(r'href="(/directory\?cursor=[^"]+)" rel="next"', first)
    assert found, "a next page"
    second = await directory_names(client, found.group(1).removeprefix("/directory").replace("&amp;", "&"))
    seen = [n for n in names if n in first] + [n for n in names if n in second]
    assert sorted(seen) == sorted(names)
    assert 'rel="next"' not in second


async def test_staff_see_the_choices_and_their_change_is_an_event_the_holder_sees(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers, displayName="Ada Lovelace", email="ada@example.org")
    holder_id = credential["holderId"]
    token = await signed_in(client, conn, settings, holder_id, clock)
    await client.post("/me/privacy", data={"csrf_token": token, "public_listing": "yes", "indexable": "yes"})
    read = (await client.get(f"/v1/holders/{holder_id}", headers=admin_headers)).json()
    assert read["holder"]["publicListing"] is True
    assert read["privacy"] == {
        "publicListing": True,
        "indexable": True,
        "credentials": [{"credentialId": credential["id"], "listed": True, "indexable": True}],
    }
    changed = await client.patch(
        f"/v1/holders/{holder_id}/privacy", json={"publicListing": False}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["publicListing"] is False
    assert "Ada Lovelace" not in await directory_names(client)
    home = (await client.get("/me")).text
    assert "Your account was changed by the PAI" in home
    assert "listed in the public directory: yes → no" in home
    # The event feed carries it (the outbox translates the event log; its dispatcher is off in these tests).
    await translate_events(conn, client.app.state.runtime)
    feed = (await client.get("/v1/events", headers=admin_headers)).json()["events"]
    changes = [
        e["data"]["changed"] for e in feed if e["type"] == "holder.changed" and e["data"]["holderId"] == holder_id
    ]
    assert changes[-1] == ["publicListing"]
    row = await conn.fetchrow("SELECT actor, data FROM events WHERE kind = 'holder_changed' ORDER BY seq DESC LIMIT 1")
    assert row is not None
    assert row["data"]["by"] == "staff"
    assert row["actor"] is not None
    unknown = await client.patch(
        f"/v1/holders/{holder_id}/privacy", json={"credentials": [{"credentialId": "x" * 26}]}, headers=admin_headers
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert (
        await client.patch(f"/v1/holders/{holder_id}/privacy", json={"listed": 1}, headers=admin_headers)
    ).status_code in (400, 422)


async def confirm(client: Client, link: str) -> Any:
    path = link.removeprefix(BASE_URL)
    page = await client.get(path)
    assert page.status_code == 200, page.text
    token = path.split("token=", 1)[1]
    return await client.post(path.split("?")[0], data={"csrf_token": csrf_of(page.text), "token": token})


async def mailed_links(conn: asyncpg.Connection, holder_id: UUID | str) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT kind, link FROM holder_mail WHERE holder_id = $1::text::uuid AND link IS NOT NULL", str(holder_id)
    )
    return {r["kind"]: r["link"] for r in rows}


async def test_an_address_change_is_made_once_both_addresses_confirm(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers, email="ada@example.org")
    holder_id = credential["holderId"]
    token = await signed_in(client, conn, settings, holder_id, clock)
    same = await client.post("/me/email", data={"csrf_token": token, "email": "ADA@example.org"})
    assert same.status_code == 422
    asked = await client.post("/me/email", data={"csrf_token": token, "email": "ada.lovelace@example.org"})
    assert asked.status_code == 303
    links = await mailed_links(conn, holder_id)
    assert set(links) == {"email_old", "email_new"}
    rows = await conn.fetch("SELECT kind, to_address FROM holder_mail WHERE holder_id = $1::text::uuid", holder_id)
    to = {r["kind"]: r["to_address"] for r in rows}
    assert to == {"email_old": "ada@example.org", "email_new": "ada.lovelace@example.org"}
    shown = await client.get(links["email_new"].removeprefix(BASE_URL))  # its page, before its button is pressed
    assert "this new address is yours. The change is made once both" in shown.text
    first = await confirm(client, links["email_new"])
    assert first.status_code == 200
    assert "once the other address confirms" in first.text
    holder = (await client.get(f"/v1/holders/{holder_id}", headers=admin_headers)).json()["holder"]
    assert holder["email"] == "ada@example.org"  # one confirmation is not enough
    # Each link works once.
    page = await client.get("/me")
    reused = await client.post(
        "/me/email/confirm", data={"csrf_token": csrf_of(page.text), "token": links["email_new"].split("token=")[1]}
    )
    assert reused.status_code in (403, 410)
    second = await confirm(client, links["email_old"])
    assert second.status_code == 200
    assert "Your address has changed" in second.text
    holder = (await client.get(f"/v1/holders/{holder_id}", headers=admin_headers)).json()["holder"]
    assert holder["email"] == "ada.lovelace@example.org"
    assert (await client.get("/me")).status_code == 303  # every session ended with the change


async def test_an_address_change_link_expires(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers, email="ada@example.org")
    token = await signed_in(client, conn, settings, credential["holderId"], clock)
    await client.post("/me/email", data={"csrf_token": token, "email": "new@example.org"})
    links = await mailed_links(conn, credential["holderId"])
    clock.advance(hours=settings.holder_email_change_link_hours, seconds=1)
    assert (await client.get(links["email_new"].removeprefix(BASE_URL))).status_code == 410
