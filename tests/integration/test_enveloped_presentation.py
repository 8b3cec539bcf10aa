"""EnvelopedVerifiablePresentation (VC Data Model 2.0 §4.13.2): a presentation secured as a JWT by its holder
(`vp+jwt`, VC-JOSE-COSE §3.1.2, or the VC-JWT 1.1 `vp` claim) in a `data:` URL, verified through
POST /presentations/verify and POST /v1/verify; the credentials inside are judged like any other credential.

Before: /presentations/verify answered 400 "type must include VerifiablePresentation" for any envelope, and
/v1/verify read a presentation as a malformed credential.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import api_key
from tests.integration.test_vc_api import credential_v2, holder_presentation, third_party_credential
from verify_api.proofs.jws import sign_compact_jws
from verify_api.proofs.keys import Signer, did_key_for, did_key_verification_method, generate_signer
from verify_api.proofs.multibase import decode_base64url

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    Client = AsyncTestClient[Litestar]

VC_PREFIX = "data:application/vc+jwt,"
VP_PREFIX = "data:application/vp+jwt,"
V2 = "https://www.w3.org/ns/credentials/v2"
SUITE_VECTOR = json.loads(
    (Path(__file__).parent.parent / "vectors" / "jose" / "vcdm2-suite-enveloped-presentation.json").read_text()
)


@pytest.fixture
async def headers(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['issue', 'manage'])}"}


async def issued_envelope(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    body = {"credential": credential_v2(), "options": {"format": "application/vc+jwt"}}
    response = await client.post("/credentials/issue", json=body, headers=headers)
    assert response.status_code == 201, response.text
    envelope: dict[str, Any] = response.json()["verifiableCredential"]
    return envelope


def vp_jwt(
    credentials: list[object],
    *,
    holder: Signer | None = None,
    signer: Signer | None = None,
    header: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A presentation secured as VC-JOSE-COSE §3.1.2 writes it: typ vp+jwt, the presentation as the payload."""
    holder = holder or generate_signer()
    signer = signer or holder
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": did_key_for(holder.public_key),
        "verifiableCredential": credentials,
        "nonce": "c-1",
        "aud": "employer.example",
        **claims,
    }
    kid = did_key_verification_method(signer.public_key)
    return sign_compact_jws({"alg": "EdDSA", "typ": "vp+jwt", "kid": kid, **(header or {})}, presentation, signer)


def vp_envelope(token: str, prefix: str = VP_PREFIX) -> dict[str, Any]:
    return {"@context": [V2], "type": "EnvelopedVerifiablePresentation", "id": prefix + token}


async def verify_vp(client: Client, envelope: dict[str, Any], **options: Any) -> tuple[int, dict[str, Any]]:
    options = options or {"challenge": "c-1", "domain": "employer.example"}
    response = await client.post("/presentations/verify", json={"verifiablePresentation": envelope, "options": options})
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def test_enveloped_presentation_verifies_and_its_credential_is_judged(
    client: Client, headers: dict[str, str]
) -> None:
    envelope = await issued_envelope(client, headers)
    status, body = await verify_vp(client, vp_envelope(vp_jwt([envelope])))
    assert status == 200, body
    assert body["verified"] is True
    assert body["results"]["challenge"] == {"valid": True, "input": "c-1"}
    assert body["results"]["domain"] == {"valid": True, "input": "employer.example"}
    assert body["results"]["holder"]["valid"] is True
    # The credential inside has its register entry's status: revoked, the presentation no longer verifies.
    payload = json.loads(decode_base64url(envelope["id"].split(".")[1]))
    revoke = {
        "credentialId": payload["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True,
    }
    assert (await client.post("/credentials/status", json=revoke, headers=headers)).status_code == 200
    status, body = await verify_vp(client, vp_envelope(vp_jwt([envelope])))
    assert status == 422, body
    assert any(
        p["detail"].startswith("verifiableCredential[0]") and "revoked" in p["detail"] for p in body["problemDetails"]
    )


def _forged_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{'A' * 4}{signature[4:]}" if not signature.startswith("AAAA") else token[:-4] + "BBBB"


@pytest.mark.parametrize(
    ("make", "options", "expected"),
    [
        (lambda c: vp_jwt(c), {"challenge": "other", "domain": "employer.example"}, "INVALID_CHALLENGE_ERROR"),
        (lambda c: vp_jwt(c), {"challenge": "c-1", "domain": "attacker.example"}, "INVALID_DOMAIN_ERROR"),
        (lambda c: vp_jwt(c, nonce=None), {"challenge": "c-1"}, "INVALID_CHALLENGE_ERROR"),
        (lambda c: _forged_signature(vp_jwt(c)), {}, "PROOF_VERIFICATION_ERROR"),
        (lambda c: vp_jwt(c, exp=1_000_000_000), {}, "PROOF_VERIFICATION_ERROR"),
        (lambda c: vp_jwt(c, holder=generate_signer(), signer=generate_signer()), {}, "CRYPTOGRAPHIC_SECURITY_ERROR"),
        (lambda c: vp_jwt(c, iss="did:example:someone-else"), {}, "CRYPTOGRAPHIC_SECURITY_ERROR"),
        # An embedded key proves no one: a presentation names its holder's key by kid.
        (lambda c: vp_jwt(c, header={"kid": None, "jwk": {"kty": "OKP"}}), {}, "PROOF_VERIFICATION_ERROR"),
    ],
)
async def test_enveloped_presentation_rejections(
    client: Client, make: Any, options: dict[str, Any], expected: str
) -> None:
    token = make([third_party_credential()])
    status, body = await verify_vp(client, vp_envelope(token), **options)
    assert status == 422, body
    assert body["verified"] is False
    assert expected in {p["title"] for p in body["problemDetails"]}, body


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"@context": []}, "must include https://www.w3.org/ns/credentials/v2"),
        ({"@context": ["https://www.w3.org/ns/credentials/examples/v2"]}, "must include"),
        ({"id": "not-a-data-url"}, "must be a data: URL"),
        ({"id": "data:application/vc+jwt,x.y.z"}, "must be a data: URL"),
        ({"holder": "did:example:mallory"}, "holder would be unsecured claims"),
    ],
)
async def test_enveloped_presentation_envelope_is_checked(
    client: Client, change: dict[str, Any], expected: str
) -> None:
    """VC Data Model 2.0 §4.13.2: base context, a data: URL id, and nothing the JWT does not secure."""
    envelope = {**vp_envelope(vp_jwt([third_party_credential()])), **change}
    status, body = await verify_vp(client, envelope)
    assert status == 400, body
    assert any(expected in p["detail"] for p in body["problemDetails"]), body


async def test_enveloped_presentation_of_a_credential_jwt_is_refused(client: Client) -> None:
    """A vc+jwt in a presentation's envelope is a credential, not a presentation its holder signed."""
    signer = generate_signer()
    kid = did_key_verification_method(signer.public_key)
    credential = {**credential_v2(), "issuer": did_key_for(signer.public_key)}
    token = sign_compact_jws({"alg": "EdDSA", "typ": "vc+jwt", "kid": kid}, credential, signer)
    status, body = await verify_vp(client, vp_envelope(token))
    assert status == 400, body
    assert any("does not mark a secured presentation" in p["detail"] for p in body["problemDetails"]), body


async def test_enveloped_presentation_vc_data_model_suite_vector(client: Client) -> None:
    """The VC Data Model 2.0 suite's own enveloped presentation: the VC-JWT 1.1 form (`vp` claim, typ JWT) under
    `data:application/jwt,`, signed by its holder's did:key, bound to the suite's challenge, verifies. The ES256
    credential JWT inside carries its signature in the high-S form, which RFC 7518 allows (proofs/jws_ecdsa.py)."""
    envelope = vp_envelope(SUITE_VECTOR["vp_jwt"], "data:application/jwt,")
    status, body = await verify_vp(client, envelope, challenge=SUITE_VECTOR["challenge"])
    results = body["results"]
    assert results["proof"][0]["valid"] is True, body
    assert results["holder"]["valid"] is True
    assert results["challenge"] == {"valid": True, "input": SUITE_VECTOR["challenge"]}
    assert status == 200, body
    assert body["verified"] is True
    status, body = await verify_vp(client, envelope, challenge="another")
    assert status == 422
    assert "INVALID_CHALLENGE_ERROR" in {p["title"] for p in body["problemDetails"]}, body


async def test_v1_verify_vp_jwt_reports_the_credential_inside(client: Client, headers: dict[str, str]) -> None:
    """POST /v1/verify of a vp+jwt (bare, or as its envelope in JSON): the report of the one credential inside, with
    the presentation's check first; a forged presentation makes it not verifiable, whatever the credential is."""
    envelope = await issued_envelope(client, headers)
    token = vp_jwt([envelope])
    for content, content_type in ((token, "application/vp+jwt"), (json.dumps(vp_envelope(token)), "application/json")):
        response = await client.post("/v1/verify", content=content, headers={"Content-Type": content_type})
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["verdict"] == "valid", report
        assert report["checks"][0]["name"] == "presentation"
        assert report["checks"][0]["result"] == "passed"
        assert "vp+jwt" in report["presentedAs"]
    forged = _forged_signature(token)
    response = await client.post("/v1/verify", content=forged, headers={"Content-Type": "application/vp+jwt"})
    report = response.json()
    assert report["verified"] is False
    assert report["verdict"] == "not_verifiable"
    assert report["checks"][0] == {
        "name": "presentation",
        "result": "failed",
        "detail": report["checks"][0]["detail"],
    }
    assert "does not verify" in report["checks"][0]["detail"]


async def test_v1_verify_presentation_of_several_credentials_points_to_the_vc_api(client: Client) -> None:
    token = vp_jwt([third_party_credential(), third_party_credential()])
    response = await client.post("/v1/verify", content=token, headers={"Content-Type": "application/vp+jwt"})
    report = response.json()
    assert report["verified"] is False
    assert report["checks"][0]["name"] == "format"
    assert "/presentations/verify" in report["checks"][0]["detail"]


async def test_v1_verify_data_integrity_presentation_reports_the_credential_inside(client: Client) -> None:
    """The same for a presentation with an embedded holder proof (VC 2.0 §4.13): once a malformed credential."""
    presentation = holder_presentation(third_party_credential(), challenge="c-1", domain="employer.example")
    response = await client.post(
        "/v1/verify", content=json.dumps(presentation), headers={"Content-Type": "application/json"}
    )
    report = response.json()
    assert report["checks"][0]["name"] == "presentation", report
    assert report["checks"][0]["result"] == "passed"
    assert "eddsa-jcs-2022" in report["checks"][0]["detail"]
    assert report["verdict"] == "not_pai"
    presentation["holder"] = "did:example:someone-else"
    response = await client.post(
        "/v1/verify", content=json.dumps(presentation), headers={"Content-Type": "application/json"}
    )
    report = response.json()
    assert report["verdict"] == "not_verifiable"
    assert report["checks"][0]["result"] == "failed"
