"""POST /credentials/issue secures a credential as a VC-JOSE-COSE `application/vc+jwt` JWT when asked: EdDSA with
the Ed25519 key, ES256 with the P-256 key beside it; each JWT is in the register with its own status, and its key is
published and rotated like the Ed25519 one.

Before: the issuer signed Data Integrity proofs only; there was no P-256 key and no JWT issuance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import BASE_URL, api_key
from tests.integration.test_vc_api import credential_v1, credential_v2, holder_presentation
from verify_api.proofs.jws import split_compact_jws
from verify_api.proofs.jws_ecdsa import P256_ORDER
from verify_api.services.p256_keys import ensure_p256_key_file_sync, p256_key_path, rotate_p256_key
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from pathlib import Path

    import asyncpg
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from tests.conftest import FakeClock

    Client = AsyncTestClient[Litestar]

PAI_DID = "did:web:verify.test.example"
PREFIX = "data:application/vc+jwt,"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """SIGNING_KEY_PATH in a temporary directory, with the P-256 key file beside it (as `keys generate` leaves)."""
    configured = load_settings(
        {},
        database_url=database_url,
        public_base_url=BASE_URL,
        pool_min=1,
        pool_max=4,
        signing_key_path=str(tmp_path / "signing-key.pem"),
    )
    ensure_p256_key_file_sync(configured)
    return configured


@pytest.fixture
async def headers(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['issue', 'manage'])}"}


async def issue_jwt(client: Client, headers: dict[str, str], credential: dict[str, Any], **options: Any) -> str:
    body = {"credential": credential, "options": {"format": "application/vc+jwt", **options}}
    response = await client.post("/credentials/issue", json=body, headers=headers)
    assert response.status_code == 201, response.text
    envelope = response.json()["verifiableCredential"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    assert envelope["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert envelope["id"].startswith(PREFIX)
    token: str = envelope["id"].removeprefix(PREFIX)
    return token


async def verify(client: Client, token: str) -> Any:
    envelope = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": PREFIX + token}
    envelope["type"] = "EnvelopedVerifiableCredential"
    return await client.post("/credentials/verify", json={"verifiableCredential": envelope})


@pytest.mark.parametrize(("alg", "key_prefix"), [("EdDSA", "z6Mk"), ("ES256", "zDn")])
async def test_vc_api_jwt_issued_verifies_and_has_its_own_status(
    client: Client, headers: dict[str, str], alg: str, key_prefix: str
) -> None:
    token = await issue_jwt(client, headers, credential_v2(), alg=alg)
    jws = split_compact_jws(token)
    assert jws.header["alg"] == alg
    assert jws.header["typ"] == "vc+jwt"
    assert jws.header["cty"] == "vc"
    assert jws.header["kid"].startswith(f"{PAI_DID}#{key_prefix}")
    assert jws.payload["credentialSubject"]["alumniOf"] == "The School of Examples"
    assert [e["statusPurpose"] for e in jws.payload["credentialStatus"]] == ["revocation", "suspension"]
    if alg == "ES256":
        assert int.from_bytes(jws.signature[32:], "big") <= P256_ORDER // 2  # canonical low-S
    good = await verify(client, token)
    assert good.status_code == 200, good.text
    assert good.json()["verified"] is True
    # The register entry has its own status: revoking it makes the JWT fail, as for a Data Integrity credential.
    revoke = {
        "credentialId": jws.payload["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True,
    }
    assert (await client.post("/credentials/status", json=revoke, headers=headers)).status_code == 200
    revoked = await verify(client, token)
    assert revoked.status_code == 422
    assert any("revoked" in p["detail"] for p in revoked.json()["problemDetails"]), revoked.text


async def test_vc_api_jwt_tampered_payload_does_not_verify(client: Client, headers: dict[str, str]) -> None:
    token = await issue_jwt(client, headers, credential_v2(), alg="ES256")
    header, _payload, signature = token.split(".")
    other = await issue_jwt(client, headers, credential_v2(id="urn:uuid:0b3c8e7e-1b1e-4a4e-9b55-4b0c9d2b3f99"))
    forged = f"{header}.{other.split('.')[1]}.{signature}"
    response = await verify(client, forged)
    assert response.status_code == 422
    assert response.json()["verified"] is False


async def test_vc_api_jwt_accept_header_returns_the_bare_jwt(client: Client, headers: dict[str, str]) -> None:
    response = await client.post(
        "/credentials/issue",
        json={"credential": credential_v2()},
        headers={**headers, "Accept": "application/vc+jwt"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/vc+jwt")
    assert split_compact_jws(response.text).header["typ"] == "vc+jwt"
    assert (await verify(client, response.text)).json()["verified"] is True


async def test_vc_api_jwt_v1_credential_uses_the_vc_claim(client: Client, headers: dict[str, str]) -> None:
    credential = credential_v1() | {"id": "urn:uuid:5a0e4d1c-6f4b-4d8e-9e0b-2b1f3f7a9c11"}
    token = await issue_jwt(client, headers, credential)
    jws = split_compact_jws(token)
    assert jws.header["typ"] == "JWT"
    assert jws.payload["iss"] == PAI_DID
    assert jws.payload["jti"] == credential["id"]
    assert jws.payload["vc"]["credentialSubject"]["alumniOf"] == "The School of Examples"
    assert (await verify(client, token)).json()["verified"] is True


async def test_vc_api_jwt_p256_key_is_published(client: Client, headers: dict[str, str]) -> None:
    """Published from start-up, before it first signs."""
    jwks = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert [k["crv"] for k in jwks if k["kty"] == "EC"] == ["P-256"]
    token = await issue_jwt(client, headers, credential_v2(), alg="ES256")
    kid = split_compact_jws(token).header["kid"]
    jwks = (await client.get("/.well-known/jwks.json")).json()["keys"]
    ec = [k for k in jwks if k["kid"] == kid]
    assert len(ec) == 1
    assert ec[0]["kty"] == "EC"
    assert ec[0]["crv"] == "P-256"
    did = (await client.get("/.well-known/did.json")).json()
    assert kid in did["assertionMethod"]


async def test_vc_api_jwt_p256_rotation_keeps_old_jwts_valid(
    client: Client, headers: dict[str, str], conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    before = await issue_jwt(client, headers, credential_v2(), alg="ES256")
    rotation = await rotate_p256_key(conn, settings, now=clock.advance(minutes=30))
    assert rotation.old_kid == split_compact_jws(before).header["kid"]
    after = await issue_jwt(
        client, headers, credential_v2(id="urn:uuid:0b3c8e7e-1b1e-4a4e-9b55-4b0c9d2b3f77"), alg="ES256"
    )
    assert split_compact_jws(after).header["kid"] == rotation.new_kid
    assert (await verify(client, before)).json()["verified"] is True
    checked = (await verify(client, after)).json()
    assert checked["verified"] is True, checked
    retired = await conn.fetchval("SELECT retired_at FROM signing_keys WHERE kid = $1", rotation.old_kid)
    assert retired is not None


async def test_vc_api_jwt_es256_without_p256_key_is_503(
    client: Client, headers: dict[str, str], settings: Settings
) -> None:
    path = p256_key_path(settings)
    assert path is not None
    path.unlink()
    body = {"credential": credential_v2(), "options": {"format": "application/vc+jwt", "alg": "ES256"}}
    response = await client.post("/credentials/issue", json=body, headers=headers)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "options",
    [
        {"format": "application/vc+jwt", "cryptosuite": "eddsa-jcs-2022"},
        {"format": "application/vc", "alg": "ES256"},
    ],
)
async def test_vc_api_jwt_refuses_contradictory_options(
    client: Client, headers: dict[str, str], options: dict[str, str]
) -> None:
    response = await client.post(
        "/credentials/issue", json={"credential": credential_v2(), "options": options}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_vc_api_jwt_in_a_presentation_as_enveloped_credential(client: Client, headers: dict[str, str]) -> None:
    """VC Data Model 2.0 §4.13 / VC-JOSE-COSE §3.1.1: a presentation carries the JWT as an
    EnvelopedVerifiableCredential, which /presentations/verify verifies like any credential inside it."""
    token = await issue_jwt(client, headers, credential_v2(), alg="ES256")
    envelope = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": PREFIX + token,
        "type": "EnvelopedVerifiableCredential",
    }
    presentation = holder_presentation(envelope, challenge="c-1", domain="employer.example")
    body = {"verifiablePresentation": presentation, "options": {"challenge": "c-1", "domain": "employer.example"}}
    response = await client.post("/presentations/verify", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True
    header, payload, signature = token.split(".")
    tampered = {**envelope, "id": f"{PREFIX}{header}.{payload}.{signature[:-4]}AAAA"}
    bad = holder_presentation(tampered, challenge="c-1", domain="employer.example")
    refused = await client.post("/presentations/verify", json={**body, "verifiablePresentation": bad})
    assert refused.status_code == 422, refused.text
    assert any(p["detail"].startswith("verifiableCredential[0]") for p in refused.json()["problemDetails"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"@context": None}, "must have an @context"),
        ({"@context": 4}, "must include https://www.w3.org/ns/credentials/v2"),
        ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, "must include"),
        ({"issuer": "did:example:someone-else"}, "issuer would be unsecured claims"),
        ({"credentialSubject": {"name": "Mallory"}}, "credentialSubject would be unsecured claims"),
    ],
)
async def test_vc_api_jwt_envelope_is_checked(
    client: Client, headers: dict[str, str], change: dict[str, Any], expected: str
) -> None:
    """VC Data Model 2.0 §4.13: the envelope needs its base context and carries nothing the JWT does not secure."""
    token = await issue_jwt(client, headers, credential_v2())
    envelope: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": PREFIX + token,
        "type": "EnvelopedVerifiableCredential",
    }
    envelope.update(change)
    envelope = {k: v for k, v in envelope.items() if v is not None}
    response = await client.post("/credentials/verify", json={"verifiableCredential": envelope})
    assert response.status_code == 400, response.text
    assert response.json()["verified"] is False
    assert any(expected in p["detail"] for p in response.json()["problemDetails"]), response.text
