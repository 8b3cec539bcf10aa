"""The console's Holders pages against the real app and PostgreSQL: the search (tolerant name, e-mail, code, cursor
paging through the "next" link), a holder's page, and the correction: saved and re-issued as the staff member, the
results shown after the redirect, a form sent twice re-issuing once, bad input shown on the page, and a role without
the `manage` scope seeing no form and refused the POST; the organisations by standing and the pending queue."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.factories import make_aida, make_cai, make_exam, make_holder
from tests.integration.test_console_auth import (  # the console's own fixtures: cheap argon2id, no redirects followed
    client,
    console_token,
    csrf_of,
    make_staff,
    settings,
    sign_in,
)

if TYPE_CHECKING:
    import asyncpg

    from tests.integration.test_console_auth import Client
    from verify_api.settings import Settings

__all__ = ["client", "settings"]
HTML = {"accept": "text/html"}
NEXT = re.compile(r'href="(/console/holders\?[^"]+)" id="holders-next"')


async def test_console_holder_search_is_tolerant_and_pages_by_cursor(
    client: Client, conn: asyncpg.Connection, settings: Settings, admin_headers: dict[str, str]
) -> None:
    ada = await make_aida(client, admin_headers, displayName="Ada Lovelace", email="ada@example.org")
    for n in range(3):
        await make_aida(client, admin_headers, displayName=f"Ada Lovelace {n}")
    await make_aida(client, admin_headers, displayName="Grace Hopper")
    await sign_in(client, await make_staff(conn, settings, "search@pai.example", role="assessor"))
    for name in ("lovelace ada", "Adà", "ADA LOVELACE"):
        found = await client.get("/console/holders", params={"name": name})
        assert found.status_code == 200
        assert f'href="/console/holders/{ada["holderId"]}"' in found.text, name
        assert "Grace Hopper" not in found.text
    by_email = await client.get("/console/holders", params={"email": "ADA@example.org"})
    assert by_email.text.count('class="console-holder-name"') == 1
    by_code = await client.get("/console/holders", params={"code": ada["verificationCode"].lower()})
    assert f'/console/holders/{ada["holderId"]}"' in by_code.text

    await conn.execute(  # more namesakes than a page holds (services.paging DEFAULT_LIMIT), without credentials
        "INSERT INTO holders (id, display_name, created_at)"
        " SELECT gen_random_uuid(), 'Ada Lovelace ' || n, now() FROM generate_series(10, 40) AS n"
    )
    seen: list[str] = []
    pages = 0
    page = await client.get("/console/holders", params={"name": "lovelace", "cursor": ""})
    while True:
        seen += re.findall(r'href="/console/holders/([0-9a-f-]{36})"', page.text)
        pages += 1
        following = NEXT.search(page.text)
        if following is None:
            break
        page = await client.get(following.group(1).replace("&amp;", "&"))
    assert pages == 2
    assert len(seen) == len(set(seen)) == 35  # every Ada Lovelace once, across the pages

    bad = await client.get("/console/holders", params={"name": "ada", "cursor": "not-a-cursor"}, headers=HTML)
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    assert 'id="holder-search"' in bad.text  # the form stays, with what was typed


async def test_console_corrects_a_name_and_reissues_as_the_staff_member(
    client: Client, conn: asyncpg.Connection, settings: Settings, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers, displayName="Ada Lovelase")
    holder_id = credential["holderId"]
    email = await make_staff(conn, settings, "corrector@pai.example")
    await sign_in(client, email)
    path = f"/console/holders/{holder_id}"
    page = await client.get(path)
    assert page.status_code == 200
    assert 'id="correct-form"' in page.text
    assert "carries an earlier name" not in page.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert key is not None
    form = {
        "csrf_token": csrf_of(page.text),
        "idempotency_key": key.group(1),
        "display_name": "Ada Lovelace",
        "email": "ada@example.org",
        "reissue": "yes",
        "note": "typo in the exam form",
    }
    done = await client.post(f"{path}/correct", data=form)
    assert done.status_code == 303, done.text
    shown = await client.get(done.headers["location"])
    assert "Saved and re-issued" in shown.text
    successor = re.search(r'class="reissued-as" href="/console/credentials/([^"]+)"', shown.text)
    assert successor is not None
    new_id = successor.group(1)
    assert new_id != credential["id"]
    assert (await client.get(f"/v1/credentials/{credential['id']}")).json()["supersededBy"] == new_id
    new = (await client.get(f"/v1/credentials/{new_id}")).json()
    assert new["status"] == "active"
    staff_id = await conn.fetchval("SELECT id FROM staff_accounts WHERE email = $1", email)
    actors = await conn.fetch(
        "SELECT kind, actor FROM events WHERE kind IN ('holder_changed', 'credential_superseded')"
    )
    assert {(r["kind"], r["actor"]) for r in actors} == {
        ("holder_changed", staff_id),
        ("credential_superseded", staff_id),
    }

    history = shown.text.split('id="holder-history"', 1)[1]
    assert "holder changed" in history
    assert "name: Ada Lovelase → Ada Lovelace" in history
    assert "e-mail: none → ada@example.org" in history
    assert "superseded</span> · details corrected" in history
    assert f"by staff {email}" in history
    # The note typed with the re-issue is on its renewal event: in the holder's history and the old credential's.
    assert history.count('<span class="history-note">typo in the exam form</span>') == 1
    renewal = await conn.fetchval("SELECT data FROM events WHERE kind = 'credential_superseded'")
    assert renewal["note"] == "typo in the exam form"
    old_page = await client.get(f"/console/credentials/{credential['id']}")
    assert '<span class="history-note">typo in the exam form</span>' in old_page.text

    again = await client.post(f"{path}/correct", data=form)  # the same form sent twice: the first answer, once
    assert again.status_code == 303
    assert await conn.fetchval("SELECT count(*) FROM credentials WHERE holder_id = $1", holder_id) == 2

    taken = await make_aida(client, admin_headers, displayName="Someone Else", email="taken@example.org")
    assert taken["holderId"] != holder_id
    clash = await client.post(f"{path}/correct", data=form | {"email": "taken@example.org"}, headers=HTML)
    assert clash.status_code == 409
    assert 'value="taken@example.org"' in clash.text  # the form keeps what was typed
    blank = await client.post(f"{path}/correct", data=form | {"display_name": "   "}, headers=HTML)
    assert blank.status_code == 422
    bad_mail = await client.post(f"{path}/correct", data=form | {"email": "not an address"}, headers=HTML)
    assert bad_mail.status_code == 422
    assert "e-mail" in bad_mail.text
    assert (await client.get("/console/holders/not-a-uuid", headers=HTML)).status_code == 404


async def test_console_assessor_sees_no_correction_form_and_cannot_post_one(
    client: Client, conn: asyncpg.Connection, settings: Settings, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers, displayName="Ada Lovelase")
    await sign_in(client, await make_staff(conn, settings, "assessor@pai.example", role="assessor"))
    path = f"/console/holders/{credential['holderId']}"
    page = await client.get(path)
    assert page.status_code == 200
    assert "Ada Lovelase" in page.text
    assert 'id="correct-form"' not in page.text
    form = {"csrf_token": await console_token(client, path), "display_name": "Ada Lovelace", "reissue": "yes"}
    refused = await client.post(f"{path}/correct", data=form, headers=HTML)
    assert refused.status_code == 403
    assert "&#39;manage&#39; scope" in refused.text
    name = await conn.fetchval("SELECT display_name FROM holders WHERE id = $1", credential["holderId"])
    assert name == "Ada Lovelase"
    assert await conn.fetchval("SELECT count(*) FROM events WHERE kind = 'holder_changed'") == 0


async def test_console_lists_organisations_by_standing_and_the_pending_queue(
    client: Client, conn: asyncpg.Connection, settings: Settings, admin_headers: dict[str, str]
) -> None:
    cai = await make_cai(client, admin_headers, name="Fabrikam Integrators")
    waiting = await make_holder(client, admin_headers, displayName="Hedy Lamarr")
    await make_exam(client, admin_headers, waiting["id"])
    await sign_in(client, await make_staff(conn, settings, "queues@pai.example", role="assessor"))
    home = await client.get("/console")
    assert 'href="/console/organisations"' in home.text
    assert 'href="/console/pending"' in home.text

    listed = await client.get("/console/organisations")
    assert listed.status_code == 200
    assert "Fabrikam Integrators" in listed.text
    assert f"/console/credentials/{cai['credential']['id']}" in listed.text
    assert "standing-good" in listed.text
    at_risk = await client.get("/console/organisations", params={"standing": "at_risk"})
    assert "Fabrikam Integrators" not in at_risk.text
    assert 'id="no-organisations"' in at_risk.text
    bad = await client.get("/console/organisations", params={"standing": "sinking"}, headers=HTML)
    assert bad.status_code == 422
    assert "standing must be one of good, at_risk, suspended" in bad.text

    pending = await client.get("/console/pending")
    assert pending.status_code == 200
    assert f'href="/console/holders/{waiting["id"]}">Hedy Lamarr</a>' in pending.text
    assert "Fabrikam Integrators staff 0" not in pending.text  # holds its AIDA already
    other_tier = await client.get("/console/pending", params={"tier": "CPAP"})
    assert "Hedy Lamarr" not in other_tier.text
    forged = await client.get("/console/pending", params={"cursor": "forged"}, headers=HTML)
    assert forged.status_code == 422
