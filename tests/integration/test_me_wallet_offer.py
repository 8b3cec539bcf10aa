"""A signed-in holder adding their own credential to a wallet from /me (issue 13): the "Add to a wallet" form makes
an OID4VCI offer for THEIR credential only (another holder's id is answered as an unknown one), the offer page shows
its QR code, link, expiry and transaction code, the request is in their history, and the test wallet
(tests/wallet.py) redeems the URI read off the page: through the real app and PostgreSQL."""

from __future__ import annotations

import base64
import html
import re
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_aida
from tests.integration.test_holder_privacy import csrf_of, signed_in
from tests.lifecycle_helpers import transition
from tests.wallet import Wallet, published_keys, read_offer_uri, scan_qr_svg, verify_data_integrity, verify_vc_jwt
from verify_api.services.credential_offers import PRE_AUTHORIZED_GRANT

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import asyncpg
    from litestar import Litestar

    from tests.conftest import FakeClock
    from verify_api.settings import Settings

    Client = AsyncTestClient[Litestar]

pytestmark = pytest.mark.asyncio
HTML = {"Accept": "text/html"}
OFFER_LINK = re.compile(r'id="offer-link" href="([^"]+)"')
OFFER_QR = re.compile(r'id="offer-qr" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
TX_CODE = re.compile(r'id="offer-tx-code"[^>]*>(\d{6})<')


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


def offer_on(page: str) -> tuple[str, str]:
    """(the link's offer URI, what the QR image decodes to) read off the offer page."""
    link, qr = OFFER_LINK.search(page), OFFER_QR.search(page)
    assert link is not None, page
    assert qr is not None, page
    decoded = scan_qr_svg(base64.b64decode(qr.group(1)).decode())
    assert len(decoded) == 1, decoded
    return html.unescape(link.group(1)), decoded[0]


async def ask_offer(client: Client, token: str, credential_id: str, **form: str) -> Any:
    return await client.post(
        f"/me/credentials/{credential_id}/wallet-offer", data={"csrf_token": token, **form}, headers=HTML
    )


async def test_the_holder_offers_their_own_credential_and_the_wallet_redeems_the_page_s_offer(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers, displayName="Katherine Johnson", email="kj@example.org")
    token = await signed_in(client, conn, settings, credential["holderId"], clock)
    home = (await client.get("/me")).text
    assert f'action="/me/credentials/{credential["id"]}/wallet-offer"' in home
    page = await ask_offer(client, token, credential["id"])
    assert page.status_code == 200, page.text
    assert "no-store" in page.headers["cache-control"]
    assert "img-src 'self' data:" in page.headers["content-security-policy"]  # the QR is an image, CSP unchanged
    uri, scanned = offer_on(page.text)
    assert scanned == uri
    assert uri.startswith("openid-credential-offer://?credential_offer=")
    assert "offer-tx-code" not in page.text  # not asked for
    assert "offer-expires" in page.text

    wallet = Wallet(client, clock)
    received = await wallet.receive(scanned)
    did_document, jwks = await published_keys(client)
    verify_data_integrity(received["AIDA_ldp_vc"], did_document)
    payload = verify_vc_jwt(received["AIDA_jwt_vc_json"], jwks)
    for copy in (received["AIDA_ldp_vc"], payload):
        assert wallet.key.is_bound_to(copy["credentialSubject"]["id"])
    report = await client.post("/v1/verify", json=received["AIDA_ldp_vc"])
    assert report.json()["verdict"] == "valid", report.text
    assert report.json()["paiCredentialId"] == credential["id"]  # the holder's own credential went to the wallet
    again = await wallet.token_request(read_offer_uri(uri)["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"])
    assert again.status_code == 400  # single use: the page's offer is spent
    assert "You asked for a wallet offer" in (await client.get("/me")).text  # in the holder's history
    recorded = await conn.fetchrow(
        "SELECT data FROM events WHERE kind = 'wallet_offer_requested' AND credential_id = $1", credential["id"]
    )
    assert recorded is not None
    code = read_offer_uri(uri)["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    assert "offer" in str(recorded["data"])
    assert code not in str(recorded["data"])  # the event names the offer, never its code


async def test_the_transaction_code_is_shown_when_asked_for_and_the_wallet_needs_it(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers, email="dv@example.org")
    token = await signed_in(client, conn, settings, credential["holderId"], clock)
    page = await ask_offer(client, token, credential["id"], tx_code="yes")
    assert page.status_code == 200, page.text
    uri, scanned = offer_on(page.text)
    code = TX_CODE.search(page.text)
    assert code is not None, page.text
    assert code.group(1) not in uri  # told apart from the QR code
    assert read_offer_uri(scanned)["grants"][PRE_AUTHORIZED_GRANT]["tx_code"]["length"] == 6
    received = await Wallet(client, clock).receive(scanned, tx_code=code.group(1))
    assert set(received) == {"AIDA_ldp_vc", "AIDA_jwt_vc_json"}


async def test_another_holder_s_credential_is_answered_as_an_unknown_one_and_nothing_is_made(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    mine = await make_aida(client, admin_headers, email="mine@example.org")
    theirs = await make_aida(client, admin_headers, email="theirs@example.org")
    token = await signed_in(client, conn, settings, mine["holderId"], clock)
    offers_before = await conn.fetchval("SELECT count(*) FROM credential_offers")
    events_before = await conn.fetchval("SELECT count(*) FROM events")
    other = await ask_offer(client, token, theirs["id"])
    unknown_id = "0" * len(theirs["id"])
    unknown = await ask_offer(client, token, unknown_id)
    assert other.status_code == unknown.status_code == 404
    assert other.text.replace(theirs["id"], unknown_id) == unknown.text
    other_json = await client.post(f"/me/credentials/{theirs['id']}/wallet-offer", data={"csrf_token": token})
    assert other_json.status_code == 404
    assert other_json.json()["detail"] == f"no credential {theirs['id']}"
    assert await conn.fetchval("SELECT count(*) FROM credential_offers") == offers_before
    assert await conn.fetchval("SELECT count(*) FROM events") == events_before
    # and without the page's token the form is refused before anything is looked up
    forged = await client.post(f"/me/credentials/{mine['id']}/wallet-offer", data={"csrf_token": "x"}, headers=HTML)
    assert forged.status_code == 403
    assert await conn.fetchval("SELECT count(*) FROM credential_offers") == offers_before


async def test_a_credential_that_cannot_be_offered_says_why_instead_of_the_button(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers, email="rev@example.org")
    assert (await transition(client, admin_headers, credential["id"], "revoke", "misconduct")).status_code == 200
    token = await signed_in(client, conn, settings, credential["holderId"], clock)
    home = (await client.get("/me")).text
    assert f'action="/me/credentials/{credential["id"]}/wallet-offer"' not in home
    assert "It cannot be added to a wallet: it is revoked" in home
    posted = await ask_offer(client, token, credential["id"])  # a stale page's form: refused by the service
    assert posted.status_code == 409
    assert "only a valid credential can be offered" in posted.text
    assert csrf_of(home) == token
