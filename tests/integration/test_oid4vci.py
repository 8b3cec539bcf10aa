"""Wallet delivery by OID4VCI 1.0, end to end against the real app: tests/wallet.py plays the wallet, and every
refusal the spec names is asked for once (§6.3 token errors, §8.3.1 credential errors)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_aida, make_cai
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
from verify_api.app import create_app
from verify_api.db.credentials import Credentials
from verify_api.db.pool import connect
from verify_api.proofs.keys import generate_signer
from verify_api.services.context import IssuerKey
from verify_api.services.key_rotation import declare_key_compromised

if TYPE_CHECKING:
    from tests.conftest import FakeClock
    from tests.factories import Client
    from verify_api.settings import Settings

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
    wallet.offered = aida["id"]
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


async def test_the_wallet_copy_follows_the_original_s_status(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    """One judgement: suspend, reinstate and revoke the original and both copies verify accordingly, with the same
    state, reason and since as the original's lookup; the published status list answers for both (shared entries)."""
    aida = await make_aida(client, admin_headers)
    received = await Wallet(client, clock).receive((await offer_for(client, admin_headers, aida["id"]))["offerUri"])
    copies = list(received.values())
    steps = [
        ("suspend", {"reason": "under_investigation"}, "not_valid", "suspended"),
        ("reinstate", {"reason": "investigation_cleared"}, "valid", None),
        ("revoke", {"reason": "misconduct"}, "not_valid", "revoked"),
    ]
    for action, body, verdict, state in steps:
        clock.advance(minutes=1)
        response = await client.post(f"/v1/credentials/{aida['id']}/{action}", json=body, headers=admin_headers)
        assert response.status_code == 200, response.text
        for held in copies:
            report = await verify(client, held)
            assert report["verdict"] == verdict, (action, report)
            assert report.get("state") == state
            if state is not None:
                assert report["reason"] == body["reason"]
        vc_api = await client.post("/credentials/verify", json={"verifiableCredential": received["AIDA_ldp_vc"]})
        assert vc_api.status_code == (200 if verdict == "valid" else 422), vc_api.text


async def test_a_copy_expires_with_the_original(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    aida = await make_aida(client, admin_headers)
    received = await Wallet(client, clock).receive((await offer_for(client, admin_headers, aida["id"]))["offerUri"])
    clock.advance(days=800)  # AIDA_VALIDITY_DAYS is 730
    report = await verify(client, received["AIDA_jwt_vc_json"])
    assert (report["verdict"], report["state"]) == ("not_valid", "expired")


async def test_only_a_holder_s_valid_credential_can_be_offered(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    revoked = await make_aida(client, admin_headers)
    response = await client.post(
        f"/v1/credentials/{revoked['id']}/revoke", json={"reason": "issued_in_error"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    expired = await make_aida(client, admin_headers)
    cai = (await make_cai(client, admin_headers))["credential"]
    clock.advance(days=800)
    for credential, why in ((revoked, "revoked"), (expired, "expired"), (cai, "organisation")):
        response = await client.post(
            f"/v1/credentials/{credential['id']}/wallet-offers", json={}, headers=admin_headers
        )
        assert response.status_code == 409, response.text
        assert why in response.json()["detail"]
    response = await client.post(
        "/v1/credentials/aaaaaaaaaaaaaaaaaaaaaaaaaa/wallet-offers", json={}, headers=admin_headers
    )
    assert response.status_code == 404, response.text


async def test_an_offer_needs_the_issue_or_manage_scope(client: Client, database_url: str) -> None:
    from tests.conftest import api_key

    assess = {"Authorization": f"Bearer {await api_key(database_url, ['assess'])}"}
    response = await client.post("/v1/credentials/aaaaaaaaaaaaaaaaaaaaaaaaaa/wallet-offers", json={}, headers=assess)
    assert response.status_code == 403, response.text


async def test_metadata_names_every_endpoint_and_configuration(client: Client) -> None:
    metadata = (await client.get("/.well-known/openid-credential-issuer")).json()
    assert set(metadata["credential_configurations_supported"]) == {
        f"{tier}_{fmt}" for tier in ("AIDA", "CPAP", "CPAA") for fmt in ("ldp_vc", "jwt_vc_json")
    }
    ldp = metadata["credential_configurations_supported"]["CPAP_ldp_vc"]
    assert ldp["format"] == "ldp_vc"
    assert ldp["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert ldp["proof_types_supported"] == {"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}}
    assert ldp["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk"]
    server = (await client.get("/.well-known/oauth-authorization-server/oid4vci")).json()
    assert server["issuer"] == metadata["authorization_servers"][0]
    assert server["pre-authorized_grant_anonymous_access_supported"] is True


async def test_a_transaction_code_is_asked_for_and_guesses_are_bounded(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    aida = await make_aida(client, admin_headers)
    made = await offer_for(client, admin_headers, aida["id"], txCode=True)
    offer = read_offer_uri(made["offerUri"])
    grant = offer["grants"][PRE_AUTHORIZED_GRANT]
    assert grant["tx_code"]["length"] == len(made["txCode"]) == 6
    assert made["txCode"] not in made["offerUri"]
    wallet = Wallet(client, clock)
    await wallet.discover(offer)
    code = grant["pre-authorized_code"]
    refused(await wallet.token_request(code), 400, "invalid_request")  # the offer asked for one
    wrong = "000000" if made["txCode"] != "000000" else "111111"
    refused(await wallet.token_request(code, wrong), 400, "invalid_grant")
    assert (await wallet.token_request(code, made["txCode"])).status_code == 200
    # Another offer: five wrong guesses spend it, and the right code no longer works.
    made = await offer_for(client, admin_headers, aida["id"], txCode=True)
    code = read_offer_uri(made["offerUri"])["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    for _ in range(5):
        refused(await wallet.token_request(code, wrong), 400, "invalid_grant")
    refused(await wallet.token_request(code, made["txCode"]), 400, "invalid_grant")
    # A tx_code the offer did not ask for.
    plain = read_offer_uri((await offer_for(client, admin_headers, aida["id"]))["offerUri"])
    refused(
        await wallet.token_request(plain["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"], "123456"),
        400,
        "invalid_request",
    )


async def test_token_refusals(client: Client, admin_headers: dict[str, str], clock: FakeClock) -> None:
    aida = await make_aida(client, admin_headers)
    offer = read_offer_uri((await offer_for(client, admin_headers, aida["id"]))["offerUri"])
    wallet = Wallet(client, clock)
    await wallet.discover(offer)
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    refused(await wallet.token_request("not-a-code"), 400, "invalid_grant")
    endpoint = wallet.as_metadata["token_endpoint"]
    refused(
        await client.post(endpoint, data={"grant_type": "authorization_code", "code": code}),
        400,
        "unsupported_grant_type",
    )
    refused(await client.post(endpoint, data={"grant_type": PRE_AUTHORIZED_GRANT}), 400, "invalid_request")
    refused(await client.post(endpoint, json={"grant_type": PRE_AUTHORIZED_GRANT}), 400, "invalid_request")
    first = await wallet.token_request(code)
    assert first.status_code == 200, first.text
    assert "no-store" in first.headers["cache-control"]
    # Replayed: refused, and the token the code was first exchanged for stops working (RFC 6749 §4.1.2).
    refused(await wallet.token_request(code), 400, "invalid_grant")
    proof = wallet.key_proof(await wallet.nonce())
    refused(await wallet.credential_request(first.json()["access_token"], "AIDA_ldp_vc", proof), 401, "invalid_token")
    # Expired: OID4VCI_OFFER_MINUTES (10) later the code is refused.
    late = read_offer_uri((await offer_for(client, admin_headers, aida["id"]))["offerUri"])
    clock.advance(minutes=10, seconds=1)
    refused(
        await wallet.token_request(late["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]), 400, "invalid_grant"
    )


async def test_credential_refusals(client: Client, admin_headers: dict[str, str], clock: FakeClock) -> None:
    wallet, _, token = await redeemed(client, admin_headers, clock)
    nonce = await wallet.nonce()
    ask = wallet.credential_request
    refused(await ask(None, "AIDA_ldp_vc", wallet.key_proof(nonce)), 401, "invalid_token")
    refused(await ask("forged-token", "AIDA_ldp_vc", wallet.key_proof(nonce)), 401, "invalid_token")
    refused(await ask(token, "AIDA_mdoc", wallet.key_proof(nonce)), 400, "unknown_credential_configuration")
    refused(await ask(token, "CPAP_ldp_vc", wallet.key_proof(nonce)), 403, "insufficient_scope")
    refused(await ask(token, "AIDA_ldp_vc", None), 400, "invalid_proof")
    # The nonce: missing (OID4VCI §8.3.1.2 calls that invalid_proof), not one handed out, used already.
    refused(await ask(token, "AIDA_ldp_vc", wallet.key_proof(None)), 400, "invalid_proof")
    refused(await ask(token, "AIDA_ldp_vc", wallet.key_proof("made-up-nonce")), 400, "invalid_nonce")
    # Proofs the key does not back: signed by another key than the header names, with either key form.
    for kind in ("ed25519", "p256"):
        wallet.key = WalletKey(kind)
        other = WalletKey(kind)
        refused(await ask(token, "AIDA_ldp_vc", wallet.key_proof(nonce, signer=other)), 400, "invalid_proof")
    # Bad typ, audience, age.
    refused(await ask(token, "AIDA_ldp_vc", wallet.key_proof(nonce, typ="JWT")), 400, "invalid_proof")
    refused(await ask(token, "AIDA_ldp_vc", wallet.key_proof(nonce, aud="https://other.example")), 400, "invalid_proof")
    stale = int(clock().timestamp()) - 301
    refused(await ask(token, "AIDA_ldp_vc", wallet.key_proof(nonce, iat=stale)), 400, "invalid_proof")
    refused(await ask(token, "AIDA_ldp_vc", wallet.key_proof(nonce, alg="none")), 400, "invalid_proof")
    # A good request still works after all that (nothing above used the nonce), once; the nonce is then spent.
    good = await ask(token, "AIDA_ldp_vc", wallet.key_proof(nonce))
    assert good.status_code == 200, good.text
    refused(await ask(token, "AIDA_jwt_vc_json", wallet.key_proof(nonce)), 400, "invalid_nonce")
    # The same configuration twice from one offer.
    refused(await ask(token, "AIDA_ldp_vc", wallet.key_proof(await wallet.nonce())), 400, "credential_request_denied")
    # Malformed requests.
    endpoint = wallet.metadata["credential_endpoint"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in (b"[1]", b"{", b'{"proofs": {"jwt": ["a"]}}'):
        refused(await client.post(endpoint, content=body, headers=headers), 400, "invalid_credential_request")


async def test_a_credential_revoked_after_the_offer_is_not_delivered(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    wallet, _, token = await redeemed(client, admin_headers, clock)
    response = await client.post(
        f"/v1/credentials/{wallet.offered}/revoke", json={"reason": "misconduct"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    proof = wallet.key_proof(await wallet.nonce())
    refused(await wallet.credential_request(token, "AIDA_ldp_vc", proof), 400, "credential_request_denied")


async def test_a_copy_signed_inside_a_compromised_key_window_is_key_compromised(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, database_url: str, settings: Settings
) -> None:
    """The copy's own signing facts enter the one judgement: its key window is judged by the copy's issued_at, so a
    compromise declared from between the original's issuance and the copy's fails the copy and spares the original
    (and `keys compromise` runs with wallet copies in the register)."""
    aida = await make_aida(client, admin_headers)
    clock.advance(hours=1)
    received = await Wallet(client, clock).receive((await offer_for(client, admin_headers, aida["id"]))["offerUri"])
    kid = received["AIDA_ldp_vc"]["proof"]["verificationMethod"]
    conn = await connect(database_url)
    try:
        await declare_key_compromised(conn, kid, since=clock.now - timedelta(minutes=30), now=clock.now)
        # `keys reissue` re-issues certifications only: the copies (no tier) are not its to re-issue.
        assert await Credentials(conn).compromised_without_successor() == []
    finally:
        await conn.close()
    serving = IssuerKey.for_settings(generate_signer(), settings)  # the server restarted on the rotated key
    async with AsyncTestClient(app=create_app(settings, issuer_key=serving, clock=clock), base_url=BASE_URL) as c:
        for held in received.values():
            report = await verify(c, held)
            assert (report["verdict"], report["state"]) == ("not_valid", "key_compromised"), report
        assert (await c.get(f"/v1/credentials/{aida['id']}")).json()["status"] == "active"
