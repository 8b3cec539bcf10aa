"""Issue 8, section 1, for every path that judges a *presented* credential: POST /v1/verify, the VC API verify
routes and the /verify page. A credential signed with a PAI key is a PAI credential whatever it says, the register
is decisive for it, and each verdict (valid, not valid, not the PAI's, not verifiable) is worded on its own."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest

from tests.factories import Client, make_aida, make_cpap
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import Signer, did_key_for, did_key_verification_method, generate_signer, public_jwk
from verify_api.proofs.multibase import encode_base64url
from verify_api.services.context import IssuerKey

if TYPE_CHECKING:
    from tests.conftest import FakeClock
    from verify_api.settings import Settings

PAI_DID = "did:web:verify.test.example"


async def signed_document(client: Client, credential_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/credentials/{credential_id}/vc")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def verify_report(client: Client, document: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/verify", content=json.dumps(document), headers={"Content-Type": "application/vc"})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def checks_of(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["name"]: (c["result"], c["detail"]) for c in report["checks"]}


def holder_presentation(credentials: list[object]) -> dict[str, Any]:
    holder = generate_signer()
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did_key_for(holder.public_key),
        "verifiableCredential": credentials,
    }
    return add_proof(
        unsigned,
        holder,
        cryptosuite="eddsa-jcs-2022",
        verification_method=did_key_verification_method(holder.public_key),
        created="2026-11-27T09:00:00Z",
        proof_purpose="authentication",
    )


def self_issued(
    signer: Signer,
    *,
    issuer: object,
    verification_method: str,
    created: str = "2026-11-27T08:00:00Z",
    **members: Any,
) -> dict[str, Any]:
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:0b8e0a52-6f7c-4a65-8a26-6a1f4f0e6c11",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ada", "alumniOf": "Production AI Institute"},
        **members,
    }
    return add_proof(
        unsigned, signer, cryptosuite="eddsa-rdfc-2022", verification_method=verification_method, created=created
    )


async def vc_api_verify(client: Client, credential: object) -> tuple[int, dict[str, Any]]:
    response = await client.post("/credentials/verify", json={"verifiableCredential": credential})
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def vp_verify(client: Client, credentials: list[object]) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/presentations/verify", json={"verifiablePresentation": holder_presentation(credentials)}
    )
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def change_status(client: Client, headers: dict[str, str], credential_id: str, action: str, reason: str) -> None:
    response = await client.post(f"/v1/credentials/{credential_id}/{action}", json={"reason": reason}, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("action", "reason"), [("revoke", "misconduct"), ("suspend", "under_investigation")])
async def test_presented_renamed_id_of_a_revoked_credential_never_verifies(
    client: Client, admin_headers: dict[str, str], action: str, reason: str
) -> None:
    """eddsa-rdfc-2022 signs RDF: `id` -> `@id` keeps the proof valid but used to miss the register, and the VC API
    called "not in the register" and "status unknown" warnings: 200 verified true for a revoked credential."""
    aida = await make_aida(client, admin_headers)
    await change_status(client, admin_headers, aida["id"], action, reason)
    document = await signed_document(client, aida["id"])
    renamed = {("@id" if k == "id" else k): v for k, v in document.items()}

    status, body = await vc_api_verify(client, renamed)
    assert status in (400, 422), body
    assert body["verified"] is False
    status, body = await vp_verify(client, [renamed])
    assert status in (400, 422), body
    assert body["verified"] is False

    report = await verify_report(client, renamed)
    assert report["verified"] is False
    assert report["verdict"] == "not_verifiable"
    assert report["issuer"]["classification"] == "pai"
    assert checks_of(report)["status"][0] == "failed"


@pytest.mark.parametrize(
    ("action", "reason", "state"), [("revoke", "misconduct", "revoked"), ("suspend", "holder_request", "suspended")]
)
async def test_presented_not_valid_pai_credential_says_state_since_and_reason(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, action: str, reason: str, state: str
) -> None:
    aida = await make_aida(client, admin_headers)
    when = clock.advance(hours=2)
    await change_status(client, admin_headers, aida["id"], action, reason)
    document = await signed_document(client, aida["id"])

    report = await verify_report(client, document)
    assert (report["verdict"], report["state"], report["reason"]) == ("not_valid", state, reason)
    assert datetime.fromisoformat(report["since"]) == when
    assert checks_of(report)["status"] == (
        "failed",
        f"{state} since {when.isoformat()} ({reason}) (from the PAI's register)",
    )
    status, body = await vc_api_verify(client, document)
    assert status == 422
    assert any(p["detail"].startswith("status: ") for p in body["problemDetails"]), body

    page = await client.post("/verify", files={"credential": (None, json.dumps(document))})
    assert page.status_code == 200
    assert "Genuine, issued by the Production AI Institute, and valid today" not in page.text
    assert f"{state.capitalize()}</p>" in page.text
    assert f"not valid now: {state} since" in page.text


async def test_presented_verdicts_are_distinct(client: Client, admin_headers: dict[str, str]) -> None:
    aida = await make_aida(client, admin_headers)
    genuine = await signed_document(client, aida["id"])
    tampered = copy.deepcopy(genuine)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    stranger = generate_signer()
    foreign = self_issued(
        stranger,
        issuer=did_key_for(stranger.public_key),
        verification_method=did_key_verification_method(stranger.public_key),
    )
    verdicts = {
        name: (await verify_report(client, doc))["verdict"]
        for name, doc in [("genuine", genuine), ("tampered", tampered), ("foreign", foreign)]
    }
    assert verdicts == {"genuine": "valid", "tampered": "not_verifiable", "foreign": "not_pai"}
    summaries = {
        (await verify_report(client, doc))["summary"].split(":")[0].split("(")[0]
        for doc in (genuine, tampered, foreign)
    }
    assert len(summaries) == 3


async def test_presented_self_issued_pai_name_is_never_green(client: Client) -> None:
    """Anyone can self-issue with their own did:key and `issuer.name` "Production AI Institute"; the page used to
    say "Valid. Genuine, issued by the Production AI Institute"."""
    attacker = generate_signer()
    forged = self_issued(
        attacker,
        issuer={"id": did_key_for(attacker.public_key), "name": "Production AI Institute"},
        verification_method=did_key_verification_method(attacker.public_key),
    )
    report = await verify_report(client, forged)
    assert report["verdict"] == "not_pai"
    assert report["verified"] is False
    assert report["issuer"]["classification"] == "other"
    assert checks_of(report)["issuer"][0] == "failed"

    page = await client.post("/verify", files={"credential": (None, json.dumps(forged))})
    assert page.status_code == 200
    assert "tone-good" not in page.text
    assert "Genuine, issued by the Production AI Institute" not in page.text
    assert "Not a PAI credential" in page.text
    assert "Production AI Institute (did:key:" in page.text
    assert "not the Production AI Institute</dd>" in page.text

    status, body = await vc_api_verify(client, forged)
    assert status == 422
    assert body["verified"] is False


@pytest.mark.parametrize(
    "lookalike",
    [
        "did:web:verify.test.example.attacker.example",
        "did:web:attacker.example:verify.test.example",
        "did:web:VERIFY.test.example",
    ],
)
async def test_presented_did_web_lookalike_of_the_pai_does_not_verify(client: Client, lookalike: str) -> None:
    attacker = generate_signer()
    forged = self_issued(attacker, issuer=lookalike, verification_method=f"{lookalike}#{attacker.public_key_multibase}")
    status, body = await vc_api_verify(client, forged)
    assert status == 422, body
    assert body["verified"] is False
    assert any("imitates the PAI" in p["detail"] for p in body["problemDetails"]), body
    report = await verify_report(client, forged)
    assert (report["verdict"], report["verified"]) == ("not_pai", False)


async def test_presented_issuer_whose_key_control_is_unproven_is_a_warning_never_green(client: Client) -> None:
    """A key named under an https issuer is never fetched, so control of it is unproven: the VC API verifies the
    signature with a CRYPTOGRAPHIC_SECURITY_ERROR warning (the W3C verifier suite's "MUST verify a valid VC" is
    such a credential), and the employer-facing report never calls it valid."""
    attacker = generate_signer()
    forged = self_issued(
        attacker,
        issuer="https://university.example/issuers/14",
        verification_method=f"https://university.example/issuers/14#{attacker.public_key_multibase}",
    )
    status, body = await vc_api_verify(client, forged)
    assert status == 200, body
    assert [w["title"] for w in body["warnings"]] == ["CRYPTOGRAPHIC_SECURITY_ERROR"]
    report = await verify_report(client, forged)
    assert report["verified"] is False
    assert report["verdict"] != "valid"
    assert report["issuer"]["classification"] == "other"


async def test_presented_pai_key_as_did_key_is_a_pai_credential(client: Client, issuer_key: IssuerKey) -> None:
    """Signed with the PAI's own key written as did:key, with itself as issuer: it used to pass as "the issuer's
    own did:key" and verify; it is a PAI credential, so the register decides, and it is not there."""
    signer = issuer_key.signer
    document = self_issued(
        signer,
        issuer=did_key_for(signer.public_key),
        verification_method=did_key_verification_method(signer.public_key),
    )
    report = await verify_report(client, document)
    assert report["issuer"]["classification"] == "pai"
    assert report["verdict"] == "not_verifiable"
    assert checks_of(report)["register"][0] == "failed"
    status, body = await vc_api_verify(client, document)
    assert status == 422
    assert body["verified"] is False
    status, body = await vp_verify(client, [document])
    assert status == 422


async def test_presented_retired_key_with_backdated_created_fails(
    client: Client, database_url: str, clock: FakeClock
) -> None:
    """A retired PAI key plus a proof `created` inside its old window: the window is judged by the register's
    `issued_at`, never by the proof's claim, so a credential absent from the register can never pass it."""
    retired = generate_signer()
    kid = f"{PAI_DID}#{retired.public_key_multibase}"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO signing_keys (kid, public_key_multibase, created_at, retired_at) VALUES ($1, $2, $3, $4)",
            kid,
            retired.public_key_multibase,
            clock.now - timedelta(days=400),
            clock.now - timedelta(days=30),
        )
    finally:
        await conn.close()
    document = self_issued(retired, issuer=PAI_DID, verification_method=kid, created="2026-06-01T00:00:00Z")
    status, body = await vc_api_verify(client, document)
    assert status == 422, body
    assert body["verified"] is False
    report = await verify_report(client, document)
    result, detail = checks_of(report)["issuer"]
    assert result == "failed"
    assert "never trusted" in detail


async def test_presented_cpap_on_an_aida_from_a_compromised_key_fails_tier(
    settings: Settings, client: Client, admin_headers: dict[str, str], clock: FakeClock, database_url: str
) -> None:
    """The tier check asks the one judgement: an AIDA signed in a compromised key window was never valid, so a
    CPAP issued on it (under a newer key) does not have its prerequisite, although the AIDA's row says active."""
    cpap = await make_cpap(client, admin_headers)
    conn = await asyncpg.connect(database_url)
    try:  # the AIDA's key declared compromised from before the AIDA was issued; the CPAP moved to a new key
        new_key = IssuerKey.for_settings(generate_signer(), settings)
        aida_issued = await conn.fetchval("SELECT issued_at FROM credentials WHERE id = $1", cpap["aida"]["id"])
        await conn.execute(
            "INSERT INTO signing_keys (kid, public_key_multibase, created_at) VALUES ($1, $2, $3)",
            new_key.verification_method,
            new_key.signer.public_key_multibase,
            aida_issued - timedelta(days=1),
        )
        await conn.execute(
            "UPDATE signing_keys SET compromised_since = $1 WHERE kid <> $2",
            aida_issued - timedelta(seconds=1),
            new_key.verification_method,
        )
        await conn.execute(
            "UPDATE credentials SET signing_key_id = $1 WHERE id = $2", new_key.verification_method, cpap["id"]
        )
    finally:
        await conn.close()
    document = await signed_document(client, cpap["id"])
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    resigned = add_proof(
        unsigned,
        new_key.signer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=new_key.verification_method,
        created=document["proof"]["created"],
    )
    report = await verify_report(client, resigned)
    result, detail = checks_of(report)["tier"]
    assert result == "failed", report
    assert "no valid AIDA" in detail
    assert report["verified"] is False


async def test_presented_string_credential_is_a_parsing_error(client: Client) -> None:
    stranger = generate_signer()
    foreign = self_issued(
        stranger,
        issuer=did_key_for(stranger.public_key),
        verification_method=did_key_verification_method(stranger.public_key),
    )
    status, body = await vc_api_verify(client, foreign)
    assert status == 200, body  # the object itself verifies
    status, body = await vc_api_verify(client, json.dumps(foreign))
    assert status == 400, body
    assert body["problemDetails"][0]["type"] == "https://www.w3.org/TR/vc-data-model#PARSING_ERROR"
    status, body = await vp_verify(client, [json.dumps(foreign)])
    assert status == 400, body
    assert body["problemDetails"][0]["title"] == "PARSING_ERROR"
    status, body = await vp_verify(client, [foreign])
    assert status == 200, body


async def test_presented_expired_pai_credential_is_not_valid_expired(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    aida = await make_aida(client, admin_headers)
    document = await signed_document(client, aida["id"])
    clock.advance(days=800)
    report = await verify_report(client, document)
    assert (report["verdict"], report["state"]) == ("not_valid", "expired")
    assert "but not valid now: expired on" in report["summary"]


def ob3_jwt_with_embedded_jwk(signer: Signer, issuer: str) -> str:
    """An Open Badges 3.0 JWT whose header embeds the signing key as a JWK (OB 3.0 §8.2.4.1 allows it)."""
    credential = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer},
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder"},
    }
    header = {"alg": "EdDSA", "jwk": {k: v for k, v in public_jwk(signer.public_key, "k").items() if k != "kid"}}
    claims = {"vc": credential, "iss": issuer, "iat": int(datetime(2026, 11, 27, 9, 0, tzinfo=UTC).timestamp())}
    parts = [encode_base64url(json.dumps(part).encode()) for part in (header, claims)]
    signing_input = ".".join(parts)
    return f"{signing_input}.{encode_base64url(signer.sign(signing_input.encode()))}"


async def test_presented_jwt_with_the_pai_key_as_jwk_is_judged_by_the_register(
    client: Client, issuer_key: IssuerKey
) -> None:
    """A JWK equal to a PAI key is the PAI's key: the register decides, and this JWT is not in it. The key window
    used to be judged by the signer's own claims, and the VC API reported the missing register entry as a warning."""
    token = ob3_jwt_with_embedded_jwk(issuer_key.signer, PAI_DID)
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["EnvelopedVerifiableCredential"],
        "id": f"data:application/vc+jwt,{token}",
    }
    status, body = await vc_api_verify(client, enveloped)
    assert status == 422, body
    assert body["verified"] is False
    response = await client.post("/v1/verify", content=token, headers={"Content-Type": "application/vc+jwt"})
    report = response.json()
    assert (report["issuer"]["classification"], report["verdict"]) == ("pai", "not_verifiable")


async def test_presented_pai_proof_behind_a_stranger_proof_is_still_a_pai_credential(
    client: Client, admin_headers: dict[str, str]
) -> None:
    """A revoked PAI credential with a stranger's proof put first: every proof verifies, and the PAI's one still
    makes it a PAI credential judged by the register (it used to be judged by the first proof's key only)."""
    aida = await make_aida(client, admin_headers)
    await change_status(client, admin_headers, aida["id"], "revoke", "misconduct")
    document = await signed_document(client, aida["id"])
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    stranger = generate_signer()
    theirs = add_proof(
        unsecured,
        stranger,
        cryptosuite=document["proof"]["cryptosuite"],
        verification_method=did_key_verification_method(stranger.public_key),
        created="2026-11-27T08:00:00Z",
    )["proof"]
    presented = dict(unsecured, proof=[theirs, document["proof"]])
    report = await verify_report(client, presented)
    assert checks_of(report)["proof"][0] == "passed", report
    assert report["verified"] is False
    assert report["verdict"] != "valid"
    assert checks_of(report)["status"][0] == "failed", report
    response = await client.post("/credentials/verify", json={"verifiableCredential": presented})
    assert response.status_code == 422, response.text
    assert response.json()["verified"] is False
