"""make_<thing>(client, headers, **overrides): build test data through the real HTTP API."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


def digest(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


async def _post(client: Client, headers: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def make_holder(client: Client, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return await _post(client, headers, "/v1/holders", {"displayName": "Ada Lovelace", **overrides})


async def make_organization(client: Client, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"name": "Acme AI Consulting", "kind": "consultancy", "country": "GB", **overrides}
    return await _post(client, headers, "/v1/organizations", body)


async def make_assessment(client: Client, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    return await _post(client, headers, "/v1/assessments", body)


async def make_exam(client: Client, headers: dict[str, str], holder_id: str, score: int = 85) -> dict[str, Any]:
    return await make_assessment(client, headers, kind="exam", holderId=holder_id, score=score, maxScore=100)


async def issue(client: Client, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    return await _post(client, headers, "/v1/credentials", body)


async def make_aida(client: Client, headers: dict[str, str], **holder: Any) -> dict[str, Any]:
    person = await make_holder(client, headers, **holder)
    await make_exam(client, headers, person["id"])
    credential = await issue(client, headers, tier="AIDA", holderId=person["id"])
    credential["holderId"] = person["id"]
    return credential


async def make_cpap(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    aida = await make_aida(client, headers)
    await make_assessment(
        client,
        headers,
        kind="deployment_review",
        holderId=aida["holderId"],
        assessorIds=["assessor-1"],
        outcome="approved",
        evidenceDigest=digest("workflow export"),
    )
    credential = await issue(client, headers, tier="CPAP", holderId=aida["holderId"])
    credential["holderId"] = aida["holderId"]
    credential["aida"] = aida
    return credential


async def make_cai(client: Client, headers: dict[str, str], name: str = "Fabrikam Integrators") -> dict[str, Any]:
    """A consultancy with three AIDA-holding staff (under "staff") and an issued CAI (under "credential")."""
    org = await make_organization(client, headers, name=name)
    org["staff"] = []
    for n in range(3):
        aida = await make_aida(client, headers, displayName=f"{name} staff {n}")
        linked = await client.post(
            f"/v1/organizations/{org['id']}/staff", json={"holderId": aida["holderId"]}, headers=headers
        )
        assert linked.status_code == 201, linked.text
        org["staff"].append(aida)
    await make_assessment(
        client,
        headers,
        kind="deliverables_review",
        organizationId=org["id"],
        assessorIds=["a1"],
        outcome="approved",
        evidenceDigest=digest(name),
    )
    org["credential"] = await issue(client, headers, tier="CAI", organizationId=org["id"])
    return org


async def make_certified_cae(
    client: Client, headers: dict[str, str], *, name: str, review_due: str, **organization: Any
) -> dict[str, Any]:
    """An enterprise with a passed compliance audit (next review `review_due`) and its CAE, under `credential`."""
    org = await make_organization(client, headers, name=name, kind="enterprise", **organization)
    await make_assessment(
        client,
        headers,
        kind="compliance_audit",
        organizationId=org["id"],
        assessorIds=["a1"],
        outcome="passed",
        evidenceDigest=digest(f"{name} audit"),
        nextReviewDue=review_due,
    )
    org["credential"] = await issue(client, headers, tier="CAE", organizationId=org["id"])
    return org
