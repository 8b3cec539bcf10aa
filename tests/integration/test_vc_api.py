"""W3C VC API endpoints: issue (VC 2.0 and 1.1, both cryptosuites, did:web or did:key), verify, presentations,
and the status code for each malformed-input class."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, FakeClock, api_key
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import did_key_for, did_key_verification_method, generate_signer
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from tests.conftest import MakeApp
    from tests.factories import Client
    from verify_api.services.context import IssuerKey

PAI_DID = "did:web:verify.test.example"
SECURITY = "https://w3id.org/security#"


def credential_v2(**members: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:7d0c6f2a-1b1e-4a4e-9b55-4b0c9d2b3f10",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": PAI_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
        **members,
    }


def credential_v1() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "issuer": {"id": PAI_DID, "name": "Production AI Institute"},
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }


@pytest.fixture
async def issue_headers(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['issue'])}"}


async def issue(client: Client, headers: dict[str, str], credential: dict[str, Any], **options: Any) -> dict[str, Any]:
    response = await client.post(
        "/credentials/issue", json={"credential": credential, "options": options}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"verifiableCredential"}
    issued: dict[str, Any] = response.json()["verifiableCredential"]
    return issued


@pytest.mark.parametrize("cryptosuite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
async def test_vc_api_issue_v2_then_verify(client: Client, issue_headers: dict[str, str], cryptosuite: str) -> None:
    issued = await issue(client, issue_headers, credential_v2(), cryptosuite=cryptosuite)
    assert issued["proof"]["cryptosuite"] == cryptosuite
    assert issued["proof"]["verificationMethod"].startswith(f"{PAI_DID}#z6Mk")
    await assert_signed_and_judged_alike(client, issued)


async def assert_signed_and_judged_alike(client: Client, issued: dict[str, Any]) -> None:
    """The signature holds, and the VC API and POST /v1/verify give the one verdict: a credential signed with the
    PAI's key is judged by the register, so it verifies exactly when the register holds it, valid."""
    report = (await client.post("/v1/verify", json=issued)).json()
    assert next(c for c in report["checks"] if c["name"] == "proof")["result"] == "passed", report
    assert report["issuer"]["classification"] == "pai"
    response = await client.post("/credentials/verify", json={"verifiableCredential": issued})
    assert response.json()["verified"] is (report["verdict"] == "valid"), response.text
    assert response.status_code == (200 if report["verdict"] == "valid" else 422)


async def test_vc_api_issue_v1_adds_data_integrity_context(client: Client, issue_headers: dict[str, str]) -> None:
    issued = await issue(client, issue_headers, credential_v1())
    assert issued["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    assert issued["issuanceDate"] == "2026-11-27T09:00:00Z"
    await assert_signed_and_judged_alike(client, issued)


MALFORMED: dict[str, Any] = {
    "missing @context": lambda c: c.pop("@context"),
    "ill-typed @context": lambda c: c.update({"@context": 42}),
    "wrong first @context": lambda c: c.update({"@context": ["https://example.org/context"]}),
    "unknown @context": lambda c: c["@context"].append("https://contexts.example/unknown/v1"),
    "missing type": lambda c: c.pop("type"),
    "ill-typed type": lambda c: c.update({"type": {"a": 1}}),
    "type without VerifiableCredential": lambda c: c.update({"type": ["ExampleAlumniCredential"]}),
    "missing issuer": lambda c: c.pop("issuer"),
    "ill-typed issuer": lambda c: c.update({"issuer": 7}),
    "foreign issuer": lambda c: c.update({"issuer": "did:example:someone-else"}),
    "missing credentialSubject": lambda c: c.pop("credentialSubject"),
    "empty credentialSubject": lambda c: c.update({"credentialSubject": []}),
    "bad validFrom": lambda c: c.update({"validFrom": "yesterday"}),
    "validFrom without zone": lambda c: c.update({"validFrom": "2026-01-01T00:00:00"}),
    "validUntil before validFrom": lambda c: c.update({"validUntil": "2025-01-01T00:00:00Z"}),
    "undefined term": lambda c: c.update({"@context": ["https://www.w3.org/ns/credentials/v2"]}),
    "already has a proof": lambda c: c.update({"proof": {"type": "DataIntegrityProof"}}),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_vc_api_issue_malformed_credential_is_422(
    client: Client, issue_headers: dict[str, str], case: str
) -> None:
    credential = credential_v2()
    MALFORMED[case](credential)
    response = await client.post("/credentials/issue", json={"credential": credential}, headers=issue_headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "body",
    [{"credential": "not an object"}, {"options": {}}, {"credential": credential_v2(), "options": {"typo": 1}}, []],
)
async def test_vc_api_issue_undecodable_request_is_400(
    client: Client, issue_headers: dict[str, str], body: object
) -> None:
    response = await client.post("/credentials/issue", json=body, headers=issue_headers)
    assert response.status_code == 400, response.text


async def test_vc_api_issue_needs_issue_scope(client: Client, database_url: str) -> None:
    response = await client.post("/credentials/issue", json={"credential": credential_v2()})
    assert response.status_code == 401
    assess_only = {"Authorization": f"Bearer {await api_key(database_url, ['assess'])}"}
    response = await client.post("/credentials/issue", json={"credential": credential_v2()}, headers=assess_only)
    assert response.status_code == 403


async def test_vc_api_issuer_did_key_setting(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock, issue_headers: dict[str, str]
) -> None:
    settings = load_settings({}, database_url=database_url, public_base_url=BASE_URL, vc_api_issuer="did:key")
    did = did_key_for(issuer_key.signer.public_key)
    async with AsyncTestClient(app=make_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as client:
        issued = await issue(client, issue_headers, credential_v2(issuer=did))
        assert issued["proof"]["verificationMethod"] == did_key_verification_method(issuer_key.signer.public_key)
        await assert_signed_and_judged_alike(client, issued)


async def test_vc_api_verify_tampered_is_422_with_proof_error(client: Client, issue_headers: dict[str, str]) -> None:
    issued = await issue(client, issue_headers, credential_v2())
    issued["credentialSubject"]["alumniOf"] = "Elsewhere"
    response = await client.post("/credentials/verify", json={"verifiableCredential": issued})
    assert response.status_code == 422
    body = response.json()
    assert body["verified"] is False
    assert body["problemDetails"][0]["type"] == SECURITY + "PROOF_VERIFICATION_ERROR"


async def test_vc_api_verify_malformed_is_400_with_malformed_value_error(client: Client) -> None:
    response = await client.post("/credentials/verify", json={"verifiableCredential": {"type": "nope"}})
    assert response.status_code == 400
    assert response.json()["problemDetails"][0]["title"] == "MALFORMED_VALUE_ERROR"
    response = await client.post("/credentials/verify", json={"credential": {}})
    assert response.status_code == 400


def holder_presentation(
    credential: dict[str, Any], *, challenge: str, domain: str, purpose: str = "authentication"
) -> dict[str, Any]:
    holder = generate_signer()
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did_key_for(holder.public_key),
        "verifiableCredential": [credential],
    }
    return add_proof(
        unsigned,
        holder,
        cryptosuite="eddsa-jcs-2022",
        verification_method=did_key_verification_method(holder.public_key),
        created="2026-11-27T09:00:00Z",
        proof_purpose=purpose,
        challenge=challenge,
        domain=domain,
    )


def third_party_credential() -> dict[str, Any]:
    """A credential someone else issued under their own did:key, as the W3C suites present them."""
    issuer = generate_signer()
    did = did_key_for(issuer.public_key)
    return add_proof(
        credential_v2(issuer=did),
        issuer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_verification_method(issuer.public_key),
        created="2026-11-27T08:00:00Z",
    )


async def test_vc_api_presentation_verifies_with_challenge_and_domain(client: Client) -> None:
    issued = third_party_credential()
    presentation = holder_presentation(issued, challenge="c-123", domain="employer.example")
    options = {"challenge": "c-123", "domain": "employer.example"}
    response = await client.post(
        "/presentations/verify", json={"verifiablePresentation": presentation, "options": options}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True, body
    assert body["results"]["challenge"] == {"valid": True, "input": "c-123"}
    assert body["results"]["holder"]["valid"] is True


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"options": {"challenge": "other", "domain": "employer.example"}}, "INVALID_CHALLENGE_ERROR"),
        ({"options": {"challenge": "c-123", "domain": "attacker.example"}}, "INVALID_DOMAIN_ERROR"),
        # The type follows the error's class: a domain naming "challenge" once read as INVALID_CHALLENGE_ERROR.
        ({"options": {"challenge": "c-123", "domain": "challenge.example"}}, "INVALID_DOMAIN_ERROR"),
        ({"purpose": "assertionMethod"}, "MISMATCHED_PROOF_PURPOSE_ERROR"),
        ({"tamper": True}, "PROOF_VERIFICATION_ERROR"),
    ],
)
async def test_vc_api_presentation_rejections(client: Client, change: dict[str, Any], expected: str) -> None:
    """A bad presentation proof (or a bad credential inside) is a 4xx, as for /credentials/verify: the W3C suites
    treat 200 `verified: false` as a pass."""
    issued = third_party_credential()
    if change.get("tamper"):
        tampered = copy.deepcopy(issued)
        tampered["credentialSubject"]["alumniOf"] = "Elsewhere"
        presentation = holder_presentation(tampered, challenge="c-123", domain="employer.example")
    else:
        presentation = holder_presentation(
            issued, challenge="c-123", domain="employer.example", purpose=change.get("purpose", "authentication")
        )
    options = change.get("options", {"challenge": "c-123", "domain": "employer.example"})
    response = await client.post(
        "/presentations/verify", json={"verifiablePresentation": presentation, "options": options}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["verified"] is False
    assert expected in {p["title"] for p in body["problemDetails"]}, body


async def test_vc_api_presentation_malformed_is_400(client: Client) -> None:
    response = await client.post(
        "/presentations/verify", json={"verifiablePresentation": {"type": "VerifiablePresentation"}}
    )
    assert response.status_code == 400
