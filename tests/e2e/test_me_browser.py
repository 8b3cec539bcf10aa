"""A holder in a real headless Chromium against the served app (granian, as deployed) with its outbox dispatcher
sending to a real SMTP server on 127.0.0.1 (issue 13's done-when): the holder asks for a sign-in link, opens the
link from the e-mail the SMTP server received, presses Sign in, sees their credentials with their status, adds one
to a wallet (the QR code in the page is decoded with zxing, as a camera would, and the test wallet of
tests/wallet.py redeems it and verifies what it received with the service's published keys), lists
themselves, and the public directory follows (and stops showing them once they take the listing back); at phone
width without sideways scrolling, and axe-core's WCAG 2.2 AA check over every page they saw. No JavaScript of ours
is needed: every action is a form. Screenshots under test-artifacts/e2e/me/.

One server and one SMTP server for the module.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import httpx
import pytest

from tests.conftest import api_key, with_database
from tests.e2e.axe import axe_available, axe_violations, describe
from tests.e2e.conftest import ARTIFACTS
from tests.notify_receivers import SmtpReceiver
from tests.served_app import ServedApp, serve_app
from tests.wallet import Wallet, published_keys, scan_qr_svg, verify_data_integrity, verify_vc_jwt

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import DatabasePool
    from tests.e2e.cdp import Page
    from tests.factories import Client

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "me"
PHONE = (390, 844)
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/me/sign-in/link\?token=[A-Za-z0-9_\-%]+)")


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as server:
        yield server


@pytest.fixture(scope="module")
def me_app(
    database_server_url: str, database_pool: DatabasePool, tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpReceiver,
) -> Iterator[tuple[ServedApp, str]]:  # fmt: skip
    """The served app on its own database, its dispatcher on and sending to the module's SMTP server."""
    name = database_pool.take()
    database_url = with_database(database_server_url, name)
    settings = {
        "NOTIFY_DISPATCH": "true",
        "NOTIFY_POLL_SECONDS": "0.1",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_server.port),
        "SMTP_SECURITY": "none",
        "VERIFY_RATE_LIMIT_PER_MINUTE": "1000",
    }
    try:
        with serve_app(database_url, tmp_path_factory.mktemp("me"), **settings) as app:
            yield app, database_url
    finally:
        database_pool.drop_later(name)


@pytest.fixture
def served(me_app: tuple[ServedApp, str]) -> str:
    return me_app[0].origin


@pytest.fixture
async def admin_auth(me_app: tuple[ServedApp, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(me_app[1], ['assess', 'issue', 'manage'])}"}


async def issue_aida_to(base: str, auth: dict[str, str], name: str, email: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as http:
        holder = (await http.post("/v1/holders", json={"displayName": name, "email": email})).json()
        exam = {"kind": "exam", "holderId": holder["id"], "score": 45, "maxScore": 50}
        assert (await http.post("/v1/assessments", json=exam)).status_code == 201
        response = await http.post("/v1/credentials", json={"tier": "AIDA", "holderId": holder["id"]})
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()
    return credential


async def fill(page: Page, selector: str, value: str) -> None:
    await page.evaluate(f"document.querySelector({json.dumps(selector)}).value = {json.dumps(value)}")


async def text_of(page: Page, selector: str) -> str:
    found: str = await page.evaluate(f"document.querySelector({json.dumps(selector)})?.textContent.trim() ?? ''")
    return found


async def link_in_mail(smtp: SmtpReceiver, to: str, within: float = 20) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for message in smtp.messages:
            if message["To"] == to and "sign-in link" in str(message["Subject"]):
                body = message.get_body(preferencelist=("plain",))
                assert body is not None
                found = LINK.search(str(body.get_content()))
                assert found, "the message holds the link"
                return found.group(1)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no sign-in link reached {to}")


async def no_sideways_scroll(page: Page, name: str) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE[0], name
    await page.screenshot(SHOTS / f"{name}-{PHONE[0]}.png")


async def wallet_redeems(served: str, offer_uri: str, credential_id: str) -> None:
    """The test wallet takes the offer against the served app and checks both copies with the published keys."""
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        wallet = Wallet(cast("Client", http), lambda: datetime.now(UTC))  # the wallet only uses httpx's get/post
        received = await wallet.receive(offer_uri)
        did_document, jwks = await published_keys(cast("Client", http))
        verify_data_integrity(received["AIDA_ldp_vc"], did_document)
        payload = verify_vc_jwt(received["AIDA_jwt_vc_json"], jwks)
        assert wallet.key.is_bound_to(payload["credentialSubject"]["id"])
        report = (await http.post("/v1/verify", json=received["AIDA_ldp_vc"])).json()
    assert report["verdict"] == "valid", report
    assert report["paiCredentialId"] == credential_id


async def directory_lists(served: str, name: str) -> bool:
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        return name in (await http.get("/directory")).text


async def test_holder_signs_in_from_the_email_sees_credentials_and_the_directory_follows_the_listing(
    page: Page, served: str, admin_auth: dict[str, str], smtp_server: SmtpReceiver
) -> None:
    credential = await issue_aida_to(served, admin_auth, "Mary Jackson", "mary@example.org")
    failures: list[str] = []

    async def audit(name: str) -> None:
        await no_sideways_scroll(page, name)
        if axe_available():
            found = await axe_violations(page)
            if found:
                failures.append(f"--- {name} at {PHONE[0]} px\n{describe(found)}")

    await page.viewport(*PHONE, mobile=True, scale=2)
    await page.goto(f"{served}/me")  # not signed in: sent to the sign-in page
    assert await page.evaluate("location.pathname") == "/me/sign-in"
    await audit("sign-in")
    await fill(page, "#email", "mary@example.org")
    await page.submit("#send-link")
    assert "If an account uses that address" in await text_of(page, "[role=status]")
    await audit("sign-in-sent")

    link = await link_in_mail(smtp_server, "mary@example.org")
    await page.goto(link)
    assert await page.evaluate("location.pathname") == "/me/sign-in/link"
    await audit("sign-in-link")
    await page.submit("#confirm-sign-in")
    assert await page.evaluate("location.pathname") == "/me"
    assert await page.evaluate("document.cookie") == ""  # the session cookie is HttpOnly: no script reads it
    card = f"#credential-{credential['id']}"
    assert await text_of(page, f"{card} .status-word") == "Valid"
    assert "AIDA" in await text_of(page, f"{card} h2")
    await audit("home")

    await page.submit(f"#wallet-{credential['id']}")  # Add to a wallet
    assert await page.evaluate("location.pathname") == f"/me/credentials/{credential['id']}/wallet-offer"
    await audit("wallet-offer")
    qr_src: str = await page.evaluate("document.querySelector('#offer-qr').src")
    assert await page.evaluate("document.querySelector('#offer-qr').naturalWidth") > 0  # the CSP let it render
    offer_uri: str = await page.evaluate("document.querySelector('#offer-link').getAttribute('href')")
    svg = base64.b64decode(qr_src.removeprefix("data:image/svg+xml;base64,")).decode()
    assert scan_qr_svg(svg) == [offer_uri]
    await wallet_redeems(served, offer_uri, credential["id"])
    await page.goto(f"{served}/me")
    assert "You asked for a wallet offer" in await text_of(page, ".me-history")

    assert not await directory_lists(served, "Mary Jackson")
    await page.evaluate("document.querySelector('#listing-yes').checked = true")
    await page.submit("#save-privacy")
    assert await text_of(page, "#notice") == "Your choices are saved."
    assert await page.evaluate("document.querySelector('#listing-yes').checked") is True
    await audit("home-listed")
    await page.goto(f"{served}/directory?q=mary")
    assert "Mary Jackson" in await text_of(page, ".directory")
    await audit("directory")

    await page.goto(f"{served}/me")
    await page.evaluate("document.querySelector('#listing-no').checked = true")
    await page.submit("#save-privacy")
    assert not await directory_lists(served, "Mary Jackson")
    await page.submit("#sign-out")
    assert await page.evaluate("location.pathname") == "/me/sign-in"
    await page.goto(link)  # used once: the link is refused now
    assert "not valid any more" in await text_of(page, "[role=alert]")
    await audit("link-used")
    assert not failures, "axe-core WCAG 2.2 AA violations:\n" + "\n".join(failures)
