"""POST /credentials/issue secures a credential as an SD-JWT (`application/vc+sd-jwt`, VC-JOSE-COSE §3.2.1, RFC 9901)
when asked: the subject's name selectively disclosable, each SD-JWT its own register entry with its own status;
POST /credentials/verify and POST /v1/verify check the Issuer signature, every presented Disclosure against the
signed digests, the Key Binding JWT, and say which claims were disclosed.

Before: there was no SD-JWT issuance, and an SD-JWT presented for verification was unreadable.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import api_key
from tests.integration.test_vc_api import credential_v1, credential_v2, holder_presentation
from tests.integration.test_vc_api_jwt import settings  # noqa: F401 - the P-256 key file beside the signing key
from verify_api.proofs.jws import sign_compact_jws, split_compact_jws
from verify_api.proofs.multibase import encode_base64url
from verify_api.proofs.p256 import generate_p256_signer
from verify_api.proofs.sd_jwt import create_object_disclosure, decode_disclosure, split_sd_jwt

if TYPE_CHECKING:
    import asyncpg
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from tests.conftest import FakeClock
    from verify_api.proofs.p256 import P256Signer

    Client = AsyncTestClient[Litestar]

PREFIX = "data:application/vc+sd-jwt,"
NAMED_SUBJECT = {"id": "did:example:abcdefgh", "name": "Jane Doe", "alumniOf": "The School of Examples"}


@pytest.fixture
async def headers(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['issue', 'manage'])}"}


async def issue_sd_jwt(client: Client, headers: dict[str, str], credential: dict[str, Any], **options: Any) -> str:
    body = {"credential": credential, "options": {"format": "application/vc+sd-jwt", **options}}
    response = await client.post("/credentials/issue", json=body, headers=headers)
    assert response.status_code == 201, response.text
    envelope = response.json()["verifiableCredential"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    assert envelope["id"].startswith(PREFIX)
    token: str = envelope["id"].removeprefix(PREFIX)
    return token


def envelope_of(token: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": PREFIX + token,
        "type": "EnvelopedVerifiableCredential",
    }


async def verify(client: Client, token: str, **options: str) -> Any:
    return await client.post(
        "/credentials/verify", json={"verifiableCredential": envelope_of(token), "options": options}
    )


def without_disclosures(token: str) -> str:
    return split_sd_jwt(token).issuer_jwt + "~"


def key_binding_jwt(sd_jwt: str, holder: P256Signer, *, nonce: str, aud: str, iat: int) -> str:
    """The holder's side of RFC 9901 §4.3: a KB-JWT over the SD-JWT it presents (`sd_hash`, §4.3.1)."""
    sd_hash = encode_base64url(hashlib.sha256(sd_jwt.encode("ascii")).digest())
    claims = {"iat": iat, "nonce": nonce, "aud": aud, "sd_hash": sd_hash}
    return sd_jwt + sign_compact_jws({"alg": "ES256", "typ": "kb+jwt"}, claims, holder)


def problems(response: Any) -> str:
    return " | ".join(p["detail"] for p in response.json()["problemDetails"])


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
async def test_sd_jwt_name_is_hidden_until_disclosed_and_the_entry_has_its_own_status(
    client: Client, headers: dict[str, str], alg: str
) -> None:
    token = await issue_sd_jwt(client, headers, credential_v2(credentialSubject=NAMED_SUBJECT), alg=alg)
    assert token.endswith("~")
    parts = split_sd_jwt(token)
    jws = split_compact_jws(parts.issuer_jwt)
    assert (jws.header["typ"], jws.header["cty"], jws.header["alg"]) == ("vc+sd-jwt", "vc", alg)
    subject = jws.payload["credentialSubject"]
    assert "name" not in subject
    assert subject["alumniOf"] == "The School of Examples"
    assert len(subject["_sd"]) == 3  # the name's digest and SD_JWT_DECOY_DIGESTS (2) decoys
    assert jws.payload["_sd_alg"] == "sha-256"
    [disclosure] = [decode_disclosure(d) for d in parts.disclosures]
    assert (disclosure.name, disclosure.value) == ("name", "Jane Doe")
    assert disclosure.digest in subject["_sd"]

    shown = await verify(client, token)
    assert shown.status_code == 200, shown.text
    assert shown.json()["disclosedClaims"] == ["/credentialSubject/name"]
    withheld = await verify(client, without_disclosures(token))
    assert withheld.status_code == 200, withheld.text
    assert withheld.json()["disclosedClaims"] == []
    report = await client.post("/v1/verify", content=token, headers={"Content-Type": "application/vc+sd-jwt"})
    body = report.json()
    assert body["disclosedClaims"] == ["/credentialSubject/name"]
    assert body["presentedAs"] == f"SD-JWT, SD-JWT {alg} (VC-JOSE-COSE)"
    proof = next(c for c in body["checks"] if c["name"] == "proof")
    assert "disclosed: /credentialSubject/name" in proof["detail"], proof
    register = next(c for c in body["checks"] if c["name"] == "register")
    assert register["result"] == "passed", body
    page = await client.post("/verify", data={"credential": without_disclosures(token)})  # the verify page's paste box
    assert page.status_code == 200
    assert "SD-JWT Disclosures verified, disclosed: none" in page.text

    revoke = {
        "credentialId": jws.payload["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True,
    }
    assert (await client.post("/credentials/status", json=revoke, headers=headers)).status_code == 200
    for presented in (token, without_disclosures(token)):  # whatever the holder discloses, the entry is revoked
        revoked = await verify(client, presented)
        assert revoked.status_code == 422
        assert "revoked" in problems(revoked), revoked.text


async def test_sd_jwt_disclosures_are_refused_with_the_reason(client: Client, headers: dict[str, str]) -> None:
    token = await issue_sd_jwt(client, headers, credential_v2(credentialSubject=NAMED_SUBJECT))
    parts = split_sd_jwt(token)
    [disclosure] = parts.disclosures
    forged = create_object_disclosure("name", "Mallory Doe")
    cases = {
        f"{parts.issuer_jwt}~{forged}~": "lists no digest of Disclosure",
        f"{parts.issuer_jwt}~{disclosure}~{disclosure}~": "presented more than once",
    }
    for presented, reason in cases.items():
        response = await verify(client, presented)
        assert response.status_code == 422, response.text
        assert reason in problems(response), response.text
    header, payload, signature = parts.issuer_jwt.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA~{disclosure}~"
    assert (await verify(client, tampered)).status_code == 422
    mislabelled = {**envelope_of(token), "id": "data:application/vc+jwt," + token}
    response = await client.post("/credentials/verify", json={"verifiableCredential": mislabelled})
    assert response.status_code == 400
    assert "must hold a JWT" in problems(response), response.text


async def test_sd_jwt_key_binding_is_checked(client: Client, headers: dict[str, str], clock: FakeClock) -> None:
    holder = generate_p256_signer()
    credential = credential_v2(credentialSubject=NAMED_SUBJECT)
    token = await issue_sd_jwt(client, headers, credential, holderJwk=holder.public_jwk("holder-1"))
    iat = int(clock.now.timestamp())
    bound = key_binding_jwt(token, holder, nonce="n-1", aud="https://employer.example", iat=iat)
    good = await verify(client, bound, challenge="n-1", domain="https://employer.example")
    assert good.status_code == 200, good.text
    assert good.json()["disclosedClaims"] == ["/credentialSubject/name"]
    assert (await verify(client, bound)).status_code == 200  # checked when present, nonce and aud not asked
    refusals = {
        "not the one the verifier asked for": await verify(client, bound, challenge="n-2"),
        "is not this verifier": await verify(client, bound, domain="https://other.example"),
        "has no Key Binding JWT": await verify(client, token, challenge="n-1"),
        "sd_hash": await verify(
            client,
            without_disclosures(token) + bound.rsplit("~", 1)[1],  # the KB-JWT of the presentation with the name
            challenge="n-1",
        ),
        "does not verify with the holder key": await verify(
            client, key_binding_jwt(token, generate_p256_signer(), nonce="n-1", aud="a", iat=iat)
        ),
        "more than 300 s ago": await verify(
            client, key_binding_jwt(token, holder, nonce="n-1", aud="a", iat=iat - 3600)
        ),
    }
    for reason, response in refusals.items():
        assert response.status_code == 422, response.text
        assert reason in problems(response), response.text
    unbound = await issue_sd_jwt(
        client,
        headers,
        credential_v2(id="urn:uuid:1f0c6f2a-1b1e-4a4e-9b55-4b0c9d2b3f11", credentialSubject=NAMED_SUBJECT),
    )
    stray = await verify(client, key_binding_jwt(unbound, holder, nonce="n", aud="a", iat=iat))
    assert "names no holder key" in problems(stray), stray.text


async def test_sd_jwt_chosen_claims_nested_and_in_arrays(client: Client, headers: dict[str, str]) -> None:
    """The suite's "complex" case: claims in a nested object and an array element, by JSON Pointer."""
    subject = {
        "id": "did:example:abcdefgh",
        "address": {"street": "123 Main St", "city": "Anytown", "country": "USA"},
        "phoneNumbers": [{"number": "+1-555-123-4567"}, {"number": "+1-555-987-6543"}],
    }
    pointers = [
        "/credentialSubject/address/street",
        "/credentialSubject/address/city",
        "/credentialSubject/phoneNumbers/0",
    ]
    token = await issue_sd_jwt(
        client, headers, credential_v2(credentialSubject=subject), selectivelyDisclosable=pointers
    )
    payload = split_compact_jws(split_sd_jwt(token).issuer_jwt).payload
    assert payload["credentialSubject"]["address"]["country"] == "USA"
    assert set(payload["credentialSubject"]["phoneNumbers"][0]) == {"..."}
    response = await verify(client, token)
    assert response.status_code == 200, response.text
    assert sorted(response.json()["disclosedClaims"]) == sorted(pointers)


ISSUE_REFUSALS: list[tuple[dict[str, Any], dict[str, Any], str]] = [
    (credential_v2(), {}, "the credential's subject has no name"),
    (
        credential_v2(credentialSubject=NAMED_SUBJECT),
        {"selectivelyDisclosable": ["/issuer"]},
        "decides the credential's",
    ),
    (
        credential_v2(credentialSubject=NAMED_SUBJECT),
        {"selectivelyDisclosable": ["/credentialStatus/0"]},
        "decides the credential's validity",
    ),
    (
        credential_v2(credentialSubject=NAMED_SUBJECT),
        {"selectivelyDisclosable": ["/credentialSubject/nick"]},
        "names no",
    ),
    (
        credential_v2(credentialSubject=NAMED_SUBJECT),
        {"holderJwk": {"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "c"}},
        "private key material",
    ),
    (credential_v2(credentialSubject=NAMED_SUBJECT), {"holderJwk": {"kty": "oct", "k": "c2VjcmV0"}}, "private key"),
    (credential_v1(), {}, "VC 1.1"),
]


async def test_sd_jwt_issue_refusals_write_nothing(
    client: Client, headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    """Each refusal is a 422 naming what is wrong, and leaves no register entry (one app for all the cases)."""
    before = await conn.fetchval("SELECT count(*) FROM credentials")
    for credential, options, reason in ISSUE_REFUSALS:
        body = {"credential": credential, "options": {"format": "application/vc+sd-jwt", **options}}
        response = await client.post("/credentials/issue", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert reason in response.json()["detail"], response.text
    assert await conn.fetchval("SELECT count(*) FROM credentials") == before


async def test_sd_jwt_accept_header_and_presentation(client: Client, headers: dict[str, str]) -> None:
    response = await client.post(
        "/credentials/issue",
        json={"credential": credential_v2(credentialSubject=NAMED_SUBJECT)},
        headers={**headers, "Accept": "application/vc+sd-jwt"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/vc+sd-jwt")
    token = response.text
    assert split_compact_jws(split_sd_jwt(token).issuer_jwt).header["typ"] == "vc+sd-jwt"
    presentation = holder_presentation(envelope_of(token), challenge="c-1", domain="employer.example")
    body = {"verifiablePresentation": presentation, "options": {"challenge": "c-1", "domain": "employer.example"}}
    verified = await client.post("/presentations/verify", json=body)
    assert verified.status_code == 200, verified.text
    misplaced = await client.post(
        "/credentials/issue",
        json={
            "credential": credential_v2(credentialSubject=NAMED_SUBJECT),
            "options": {"selectivelyDisclosable": ["/credentialSubject/name"]},
        },
        headers=headers,
    )
    assert misplaced.status_code == 422
    assert "apply to an SD-JWT" in misplaced.json()["detail"]
