"""Wallet delivery by OID4VCI 1.0, end to end against the real app: tests/wallet.py plays the wallet, and every
refusal the spec names is asked for once (§6.3 token errors, §8.3.1 credential errors)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.factories import make_aida
from tests.wallet import (
    PRE_AUTHORIZED_GRANT,
    Wallet,
    WalletKey,
    published_keys,
    read_offer_uri,
    scan_qr_svg,
    verify_data_integrity,
    verify_vc_jwt,
)

if TYPE_CHECKING:
    from tests.conftest import FakeClock
    from tests.factories import Client

pytestmark = pytest.mark.asyncio


async def offer_for(client: Client, headers: dict[str, str], credential_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/v1/credentials/{credential_id}/wallet-offers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    offer: dict[str, Any] = response.json()
    return offer


async def verify(client: Client, credential: Any) -> dict[str, Any]:
    """POST /v1/verify of what the wallet holds (a document, or a compact JWT)."""
    if isinstance(credential, str):
        response = await client.post("/v1/verify", content=credential, headers={"Content-Type": "application/vc+jwt"})
    else:
        response = await client.post("/v1/verify", json=credential)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def redeemed(client: Client, headers: dict[str, str], clock: FakeClock) -> tuple[Wallet, dict[str, Any], str]:
    """A wallet holding an access token for a fresh AIDA's offer: (wallet, offer object, access token)."""
    aida = await make_aida(client, headers)
    offer = read_offer_uri((await offer_for(client, headers, aida["id"]))["offerUri"])
    wallet = Wallet(client, clock)
    await wallet.discover(offer)
    response = await wallet.token_request(offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"])
    assert response.status_code == 200, response.text
    return wallet, offer, response.json()["access_token"]


def refused(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "no-store" in response.headers["cache-control"]
    assert response.json()["error"] == error, response.text


async def test_a_wallet_receives_the_credential_in_both_formats_bound_to_its_key(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    aida = await make_aida(client, admin_headers)
    made = await offer_for(client, admin_headers, aida["id"])
    assert made["txCode"] is None
    # The QR decodes to the offer URI, which carries the offer by value.
    assert scan_qr_svg(made["qrSvg"]) == [made["offerUri"]]
    assert read_offer_uri(made["offerUri"]) == made["credentialOffer"]
    assert made["credentialOffer"]["credential_configuration_ids"] == ["AIDA_ldp_vc", "AIDA_jwt_vc_json"]

    for key in (WalletKey("ed25519"), WalletKey("p256")):
        wallet = Wallet(client, clock, key=key)
        received = await wallet.receive((await offer_for(client, admin_headers, aida["id"]))["offerUri"])
        did_document, jwks = await published_keys(client)
        document = received["AIDA_ldp_vc"]
        verify_data_integrity(document, did_document)
        payload = verify_vc_jwt(received["AIDA_jwt_vc_json"], jwks)
        signed = await client.get(f"/v1/credentials/{aida['id']}", headers={"Accept": "application/vc"})
        original = signed.json()
        for credential in (document, payload):
            assert key.is_bound_to(credential["credentialSubject"]["id"])
            assert credential["id"].startswith("urn:uuid:")
            assert credential["credentialStatus"] == original["credentialStatus"]
            subject = {k: v for k, v in credential["credentialSubject"].items() if k != "id"}
            assert subject == original["credentialSubject"]
        for credential in (document, received["AIDA_jwt_vc_json"]):
            report = await verify(client, credential)
            assert report["verdict"] == "valid", report
            assert report["paiCredentialId"] == aida["id"]
        vc_api = await client.post("/credentials/verify", json={"verifiableCredential": document})
        assert vc_api.status_code == 200, vc_api.text
        assert vc_api.json()["verified"] is True
