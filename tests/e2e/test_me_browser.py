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
import hashlib
import json
import os
import re
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.conftest import api_key, with_database
from tests.e2e.axe import axe_available, axe_violations, describe
from tests.e2e.conftest import ARTIFACTS
from tests.notify_receivers import SmtpReceiver
from tests.served_app import ServedApp, serve_app
from tests.wallet import Wallet, published_keys, scan_qr_svg, verify_data_integrity, verify_vc_jwt
from verify_api.db.pool import connect
from verify_api.ob_api_schemas import OB_SCOPES

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from tests.conftest import DatabasePool
    from tests.e2e.cdp import Page
    from tests.factories import Client

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "me"
PHONE = (390, 844)
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/me/sign-in/link\?token=[A-Za-z0-9_\-%]+(?:&next=[A-Za-z0-9_\-%.~]+)?)")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


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
    page: Page, me_app: tuple[ServedApp, str], admin_auth: dict[str, str], smtp_server: SmtpReceiver
) -> None:
    """One test for the module's served app (xdist would start one per worker for each test it splits off): the
    holder's walk, then the wallet's request after sign-out, then the sign-in answer's timing."""
    served = me_app[0].origin
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
    widths = await page.evaluate(
        "[document.querySelector('#email').offsetWidth, document.querySelector('form').clientWidth]"
    )
    assert widths[0] >= widths[1] * 0.9, widths  # the address field spans its form, as the site's other fields
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
    await wallet_request_brings_the_holder_back_to_consent(page, served, admin_auth, smtp_server, audit)
    assert not failures, "axe-core WCAG 2.2 AA violations:\n" + "\n".join(failures)
    await sign_in_answer_does_not_wait_for_the_address_lookup(me_app, admin_auth, smtp_server)


async def sign_in_answer_does_not_wait_for_the_address_lookup(
    me_app: tuple[ServedApp, str], admin_auth: dict[str, str], smtp_server: SmtpReceiver
) -> None:
    """Enumeration by timing: the answer must not depend on whether a holder has the address, so it must go out
    before the known address's link and message are written. Here those writes are held (the mail queue locked by
    another connection): the answer still arrives, the same as an unknown address's, and the link is written after
    it, once the lock goes."""
    served = me_app[0].origin
    await issue_aida_to(served, admin_auth, "Annie Easley", "annie@example.org")
    blocker = await connect(me_app[1])
    try:
        async with httpx.AsyncClient(base_url=served, timeout=30) as http:
            form = await http.get("/me/sign-in")
            token = TOKEN.search(form.text)
            assert token is not None
            answers = {}
            async with blocker.transaction():
                await blocker.execute("LOCK TABLE holder_mail IN EXCLUSIVE MODE")
                for address in ("annie@example.org", "nobody-annie@example.org"):
                    asking = http.post("/me/sign-in", data={"csrf_token": token.group(1), "email": address})
                    answer = await asyncio.wait_for(asking, timeout=15)  # before: held until the lock goes
                    answers[address] = (answer.status_code, answer.text)
                waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'holder_mail'::regclass"
                for _ in range(100):  # the known address's link, made after the answer, waits for the lock
                    if await blocker.fetchval(waiting):
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError("nothing waited to write the known address's message")
            assert answers["annie@example.org"] == answers["nobody-annie@example.org"]
            assert answers["annie@example.org"][0] == 200
            assert await link_in_mail(smtp_server, "annie@example.org")  # made once the lock went
    finally:
        await blocker.close()


class CallbackReceiver:
    """A wallet's redirection endpoint on 127.0.0.1 (RFC 8252 §7.3 loopback): answers 200 to any GET."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = b"<!doctype html><title>wallet</title><p>received"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                del args

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def wallet_request_brings_the_holder_back_to_consent(
    page: Page,
    served: str,
    admin_auth: dict[str, str],
    smtp_server: SmtpReceiver,
    audit: Callable[[str], Awaitable[None]],
) -> None:
    """The Open Badges API's authorization page at phone width: signed out, the holder is asked to sign in, the
    e-mailed link (carrying `next=`) brings them back to the consent page, and Allow sends the browser to the
    wallet with the code and its state."""
    await issue_aida_to(served, admin_auth, "Evelyn Boyd", "evelyn@example.org")
    callback = CallbackReceiver()
    try:
        async with httpx.AsyncClient(base_url=served, timeout=30) as http:
            metadata = {
                "client_name": "Loopback Backpack", "client_uri": "https://127.0.0.1:9/",
                "logo_uri": "https://127.0.0.1:9/logo.png", "tos_uri": "https://127.0.0.1:9/tos",
                "policy_uri": "https://127.0.0.1:9/policy", "software_id": "loopback-backpack", "software_version": "1",
                "redirect_uris": [callback.url], "scope": " ".join(OB_SCOPES),
            }  # fmt: skip
            registered = (await http.post("/ims/ob/v3p0/register", json=metadata)).json()
        verifier = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        query = {
            "response_type": "code", "client_id": registered["client_id"], "redirect_uri": callback.url,
            "scope": registered["scope"], "state": "evelyn-state", "code_challenge": challenge,
            "code_challenge_method": "S256",
        }  # fmt: skip
        authorize = f"/ims/ob/v3p0/authorize?{urlencode(query)}"
        await page.viewport(*PHONE, mobile=True, scale=2)
        await page.goto(served + authorize)
        assert "Sign in to connect your wallet" in await text_of(page, "h1")
        await audit("ob-sign-in-first")
        await page.submit("a[href^='/me/sign-in']")  # a link, not a button: submit() clicks it and waits
        await fill(page, "#email", "evelyn@example.org")
        await page.submit("#send-link")
        await page.goto(await link_in_mail(smtp_server, "evelyn@example.org"))
        await page.submit("#confirm-sign-in")
        assert await page.evaluate("location.pathname + location.search") == authorize  # back at the request
        assert "Allow Loopback Backpack to read your credentials?" in await text_of(page, "h1")
        assert "signed in as Evelyn Boyd (evelyn@example.org)" in await text_of(page, "#consent-holder")
        await audit("ob-consent")
        size = await page.evaluate(
            "(() => { const r = document.querySelector('button[value=approve]').getBoundingClientRect();"
            " return [r.width, r.height]; })()"
        )
        assert min(size) >= 44, size  # a finger-sized target (WCAG 2.5.5), as every other button of the site
        await page.submit("button[value=approve]")
        landed = urlsplit(await page.evaluate("location.href"))
        assert f"{landed.scheme}://{landed.netloc}{landed.path}" == callback.url
        answer = parse_qs(landed.query)
        assert answer["state"] == ["evelyn-state"]
        assert answer["code"][0]
    finally:
        callback.close()
