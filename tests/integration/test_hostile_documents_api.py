"""Hostile JSON-LD through the real app: poison graphs and pyld failures are 4xx or "not verified", never a 5xx,
and a revoked PAI credential rewritten into an RDF-equivalent spelling (the proof still verifies) is not valid."""

from __future__ import annotations

import copy
import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import api_key
from tests.factories import make_aida
from tests.unit.test_hostile_documents import HOSTILE_CONTEXTS, POISON
from verify_api.problem_types import DATA_LOSS_DETECTION_ERROR

if TYPE_CHECKING:
    from tests.factories import Client

CRED = "https://www.w3.org/2018/credentials#"
XSD_DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"


async def signed_document(client: Client, credential_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/credentials/{credential_id}/vc")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def with_proof_of(document: dict[str, Any], signed: dict[str, Any]) -> dict[str, Any]:
    return document | {"proof": signed["proof"]}


@pytest.mark.parametrize("name", sorted(POISON))
async def test_poison_graph_is_refused_fast_on_every_verify_route(
    client: Client, admin_headers: dict[str, str], name: str
) -> None:
    own = await signed_document(client, (await make_aida(client, admin_headers))["id"])
    document = with_proof_of(POISON[name], own)
    started = time.monotonic()
    response = await client.post("/v1/verify", json=document)
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is False
    response = await client.post("/credentials/verify", json={"verifiableCredential": document})
    assert 400 <= response.status_code < 500, response.text
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [document],
    }
    response = await client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    assert response.status_code < 500, response.text
    assert time.monotonic() - started < 3  # three requests, each refused in well under a second


@pytest.mark.parametrize("name", sorted(HOSTILE_CONTEXTS))
async def test_hostile_context_is_never_a_5xx(client: Client, database_url: str, name: str) -> None:
    context, value = HOSTILE_CONTEXTS[name]
    issuer = "did:web:verify.test.example"
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", context],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:subject", "m": value},
    }
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['issue'])}"}
    response = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "verificationMethod": f"{issuer}#key-1",
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 60,
    }
    response = await client.post("/credentials/verify", json={"verifiableCredential": credential | {"proof": proof}})
    assert 400 <= response.status_code < 500, response.text
    response = await client.post("/v1/verify", json=credential | {"proof": proof})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is False


def rename_id(document: dict[str, Any]) -> dict[str, Any]:
    return {("@id" if key == "id" else key): value for key, value in document.items()}


def valid_until_as_iri(document: dict[str, Any]) -> dict[str, Any]:
    rewritten = copy.deepcopy(document)
    rewritten[f"{CRED}validUntil"] = {"@value": rewritten.pop("validUntil"), "@type": XSD_DATE_TIME}
    return rewritten


def status_through_compact_iri(document: dict[str, Any]) -> dict[str, Any]:
    rewritten = copy.deepcopy(document)
    rewritten["@context"] = [*rewritten["@context"], {"cred": CRED}]
    rewritten["cred:credentialStatus"] = rewritten.pop("credentialStatus")
    return rewritten


@pytest.mark.parametrize("rewrite", [rename_id, valid_until_as_iri, status_through_compact_iri])
async def test_revoked_pai_credential_rewritten_is_not_valid(
    client: Client, admin_headers: dict[str, str], rewrite: Any
) -> None:
    credential = await make_aida(client, admin_headers)
    response = await client.post(
        f"/v1/credentials/{credential['id']}/revoke", json={"reason": "misconduct"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    document = rewrite(await signed_document(client, credential["id"]))
    response = await client.post(
        "/v1/verify", content=json.dumps(document), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verified"] is False
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["proof"]["result"] == "passed"  # the rewrite is RDF-equivalent: the signature cannot tell
    assert checks["format"]["result"] == "failed"
    assert checks["format"]["problemType"] == DATA_LOSS_DETECTION_ERROR
    response = await client.post("/credentials/verify", json={"verifiableCredential": document})
    assert response.status_code != 200 or response.json()["verified"] is False, response.text


@pytest.mark.parametrize(
    ("member", "value", "detail"),
    [
        ("@id", "urn:uuid:5b4f1d2e-0000-4000-8000-000000000001", "uses the keyword '@id'"),
        (f"{CRED}validUntil", {"@value": "2030-01-01T00:00:00Z", "@type": XSD_DATE_TIME}, "as an IRI"),
        ("type", ["VerifiableCredential", "UndefinedCredentialType"], "not defined by any @context"),
    ],
)
async def test_vc_api_refuses_to_issue_what_a_json_reader_would_misread(
    client: Client, database_url: str, member: str, value: Any, detail: str
) -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:verify.test.example",
        "credentialSubject": {"id": "did:example:subject"},
        member: value,
    }
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['issue'])}"}
    response = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]
