"""The console's per-address sign-in limit against the real app (lifespan running) and PostgreSQL, reached from two
client addresses: one address spraying one password over many accounts is refused once its budget is spent, with the
answer any refusal gets and without its password being checked (so no account's lockout counts it), while another
address signs in; behind a trusted proxy, the address is the forwarded client's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tests.integration.test_console_auth import PASSWORD, csrf_of
from tests.integration.test_rate_limits import served
from tests.staff_settings import console_test_settings
from verify_api.services.staff_accounts import create_staff_account

if TYPE_CHECKING:
    import asyncpg
    import httpx

    from tests.conftest import FakeClock, MakeApp
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

ALERT = re.compile(r'<div class="alert" role="alert"><p>(.*?)</p></div>', re.S)
ATTACKER = ("203.0.113.9", 40001)
COLLEAGUE = ("203.0.113.10", 40002)
PROXY = ("10.0.0.2", 40003)


def limited_settings(database_url: str) -> Settings:
    return console_test_settings(
        database_url,
        console_sign_in_per_minute=3,
        trusted_proxies="10.0.0.0/8",
    )


async def attempt(client: httpx.AsyncClient, email: str, password: str, **headers: str) -> httpx.Response:
    page = await client.get("/console/sign-in", headers=headers)
    assert page.status_code == 200
    form = {"csrf_token": csrf_of(page.text), "email": email, "password": password, "next": "/console"}
    return await client.post("/console/sign-in", data=form, headers=headers)


def refusal_of(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    assert not any(c.startswith("console_session=") for c in response.headers.get_list("set-cookie"))
    found = ALERT.search(response.text)
    assert found, "the form says why"
    return found.group(1).strip()


async def test_console_sign_in_is_limited_per_client_address(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock, conn: asyncpg.Connection
) -> None:
    settings = limited_settings(database_url)
    accounts = [f"staff{n}@pai.example" for n in range(5)]
    for email in accounts:
        await create_staff_account(conn, settings, email, "admin", PASSWORD, now=datetime.now(UTC))
    app = make_app(settings, issuer_key=issuer_key, clock=clock)
    async with served(app) as peers:
        attacker, colleague, proxy = peers[ATTACKER], peers[COLLEAGUE], peers[PROXY]
        for client in (attacker, colleague, proxy):
            client.follow_redirects = False
        wrong = [refusal_of(await attempt(attacker, email, "one password for all")) for email in accounts[:3]]
        assert len(set(wrong)) == 1  # the ordinary refusal, three times: the budget is now spent
        # The right password of a fourth account, from the same address: the same answer, and it was never checked.
        beyond = refusal_of(await attempt(attacker, accounts[3], PASSWORD))
        assert beyond == wrong[0]
        failed = await conn.fetchval("SELECT failed_attempts FROM staff_accounts WHERE email = $1", accounts[3])
        assert failed == 0  # refused before its password was looked at: no lockout counted against the account

        signed_in = await attempt(colleague, accounts[3], PASSWORD)  # another address has its own budget
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/console"

        # Behind a trusted proxy, the forwarded client is the address: the attacker's budget follows it there.
        via_proxy = await attempt(proxy, accounts[4], PASSWORD, **{"X-Forwarded-For": ATTACKER[0]})
        assert refusal_of(via_proxy) == wrong[0]
        other_client = await attempt(proxy, accounts[4], PASSWORD, **{"X-Forwarded-For": "198.51.100.4"})
        assert other_client.status_code == 303
