"""Every tier's rule through the real API: each missing prerequisite is a 422 naming the rule and what is missing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import (
    digest,
    issue,
    make_aida,
    make_assessment,
    make_cpap,
    make_exam,
    make_holder,
    make_organization,
)

if TYPE_CHECKING:
    from tests.conftest import FakeClock

Client = AsyncTestClient[Litestar]


async def _refused(client: Client, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/credentials", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["type"].endswith("/tier-rule-not-met")
    return problem


async def test_aida_without_exam_is_refused(client: Client, admin_headers: dict[str, str]) -> None:
    holder = await make_holder(client, admin_headers)
    problem = await _refused(client, admin_headers, tier="AIDA", holderId=holder["id"])
    assert "pass mark 70%" in problem["rule"]
    assert problem["missing"] == ["an exam result"]


async def test_aida_with_failed_exam_is_refused(client: Client, admin_headers: dict[str, str]) -> None:
    holder = await make_holder(client, admin_headers)
    await make_exam(client, admin_headers, holder["id"], score=69)
    problem = await _refused(client, admin_headers, tier="AIDA", holderId=holder["id"])
    assert problem["missing"] == ["an exam result at or above the pass mark"]


async def test_aida_at_exact_pass_mark_is_issued(client: Client, admin_headers: dict[str, str]) -> None:
    holder = await make_holder(client, admin_headers)
    await make_exam(client, admin_headers, holder["id"], score=70)
    credential = await issue(client, admin_headers, tier="AIDA", holderId=holder["id"])
    assert credential["tier"] == "AIDA"


async def test_cpap_without_aida_or_review_names_both(client: Client, admin_headers: dict[str, str]) -> None:
    holder = await make_holder(client, admin_headers)
    problem = await _refused(client, admin_headers, tier="CPAP", holderId=holder["id"])
    assert problem["missing"] == ["an active AIDA credential", "an approved deployment review"]


async def test_cpap_with_rejected_review_is_refused(client: Client, admin_headers: dict[str, str]) -> None:
    aida = await make_aida(client, admin_headers)
    await make_assessment(
        client,
        admin_headers,
        kind="deployment_review",
        holderId=aida["holderId"],
        assessorIds=["a1"],
        outcome="rejected",
        evidenceDigest=digest("weak"),
    )
    problem = await _refused(client, admin_headers, tier="CPAP", holderId=aida["holderId"])
    assert problem["missing"] == ["an approved deployment review"]


async def test_cpap_with_expired_aida_is_refused(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    aida = await make_aida(client, admin_headers)
    await make_assessment(
        client,
        admin_headers,
        kind="deployment_review",
        holderId=aida["holderId"],
        assessorIds=["a1"],
        outcome="approved",
        evidenceDigest=digest("ok"),
    )
    clock.advance(days=731)
    problem = await _refused(client, admin_headers, tier="CPAP", holderId=aida["holderId"])
    assert problem["missing"] == ["an active AIDA credential"]


async def test_cpap_cites_the_reviewed_evidence_by_digest(client: Client, admin_headers: dict[str, str]) -> None:
    cpap = await make_cpap(client, admin_headers)
    evidence = cpap["verifiableCredential"]["evidence"]
    assert len(evidence) == 1
    assert digest("workflow export") in evidence[0]["description"]
    assert evidence[0]["id"].startswith("ni:///sha-256;")


async def test_cpaa_needs_cpap_portfolio_and_panel(client: Client, admin_headers: dict[str, str]) -> None:
    aida = await make_aida(client, admin_headers)
    problem = await _refused(client, admin_headers, tier="CPAA", holderId=aida["holderId"])
    assert problem["missing"] == [
        "an active CPAP credential",
        "an approved portfolio review",
        "an approved panel interview",
    ]


async def test_cpaa_panel_below_minimum_is_refused(client: Client, admin_headers: dict[str, str]) -> None:
    cpap = await make_cpap(client, admin_headers)
    holder_id = cpap["holderId"]
    await make_assessment(
        client,
        admin_headers,
        kind="portfolio_review",
        holderId=holder_id,
        assessorIds=["a1"],
        outcome="approved",
        evidenceDigest=digest("portfolio"),
    )
    await make_assessment(
        client,
        admin_headers,
        kind="panel_interview",
        holderId=holder_id,
        panelMemberIds=["p1", "p2"],
        outcome="passed",
    )
    problem = await _refused(client, admin_headers, tier="CPAA", holderId=holder_id)
    assert problem["missing"] == ["a panel of at least 3 members (the interview had 2)"]
    await make_assessment(
        client,
        admin_headers,
        kind="panel_interview",
        holderId=holder_id,
        panelMemberIds=["p1", "p2", "p3"],
        outcome="passed",
    )
    credential = await issue(client, admin_headers, tier="CPAA", holderId=holder_id)
    assert credential["tier"] == "CPAA"
    assert len(credential["verifiableCredential"]["evidence"]) == 1  # the interview has no evidence package


async def test_cai_counts_staff_with_active_aida(client: Client, admin_headers: dict[str, str]) -> None:
    org = await make_organization(client, admin_headers)
    problem = await _refused(client, admin_headers, tier="CAI", organizationId=org["id"])
    assert problem["missing"] == [
        "3 more staff member(s) holding an active AIDA (0 of 3)",
        "an approved client-deliverables review",
    ]
    for n in range(3):
        aida = await make_aida(client, admin_headers, displayName=f"Staff {n}")
        link = await client.post(
            f"/v1/organizations/{org['id']}/staff", json={"holderId": aida["holderId"]}, headers=admin_headers
        )
        assert link.status_code == 201, link.text
    # A linked holder without an AIDA does not count.
    plain = await make_holder(client, admin_headers, displayName="No credential")
    await client.post(f"/v1/organizations/{org['id']}/staff", json={"holderId": plain["id"]}, headers=admin_headers)
    problem = await _refused(client, admin_headers, tier="CAI", organizationId=org["id"])
    assert problem["missing"] == ["an approved client-deliverables review"]
    await make_assessment(
        client,
        admin_headers,
        kind="deliverables_review",
        organizationId=org["id"],
        assessorIds=["a1"],
        outcome="approved",
        evidenceDigest=digest("deliverables"),
    )
    credential = await issue(client, admin_headers, tier="CAI", organizationId=org["id"])
    document = credential["verifiableCredential"]
    assert document["credentialSubject"]["achievement"]["achievementType"] == "QualityAssuranceCredential"


async def test_cae_needs_a_passed_audit_and_is_valid_until_review_due(
    client: Client, admin_headers: dict[str, str]
) -> None:
    org = await make_organization(client, admin_headers, name="Big Enterprise plc", kind="enterprise")
    problem = await _refused(client, admin_headers, tier="CAE", organizationId=org["id"])
    assert problem["missing"] == ["a passed compliance audit"]
    await make_assessment(
        client,
        admin_headers,
        kind="compliance_audit",
        organizationId=org["id"],
        assessorIds=["a1"],
        outcome="failed",
        evidenceDigest=digest("audit 1"),
        nextReviewDue="2027-05-01",
    )
    await _refused(client, admin_headers, tier="CAE", organizationId=org["id"])
    await make_assessment(
        client,
        admin_headers,
        kind="compliance_audit",
        organizationId=org["id"],
        assessorIds=["a1"],
        outcome="passed",
        evidenceDigest=digest("audit 2"),
        nextReviewDue="2027-05-01",
    )
    credential = await issue(client, admin_headers, tier="CAE", organizationId=org["id"])
    # Valid through the 30-day grace period after the governance review falls due.
    assert credential["validUntil"].startswith("2027-05-31T00:00:00")


async def test_tier_for_the_wrong_kind_of_subject_is_refused(client: Client, admin_headers: dict[str, str]) -> None:
    org = await make_organization(client, admin_headers)
    response = await client.post(
        "/v1/credentials", json={"tier": "AIDA", "organizationId": org["id"]}, headers=admin_headers
    )
    assert response.status_code == 422
    assert "credential for people" in response.json()["detail"]
    response = await client.post(
        "/v1/credentials", json={"tier": "CAE", "organizationId": org["id"]}, headers=admin_headers
    )
    assert response.status_code == 422
    assert "enterprise" in response.json()["detail"]


async def test_second_current_credential_of_a_tier_is_conflict(client: Client, admin_headers: dict[str, str]) -> None:
    aida = await make_aida(client, admin_headers)
    response = await client.post(
        "/v1/credentials", json={"tier": "AIDA", "holderId": aida["holderId"]}, headers=admin_headers
    )
    assert response.status_code == 409, response.text
    assert "already has a current credential" in response.json()["detail"]


async def test_lapsed_credential_is_superseded_by_reissue(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    aida = await make_aida(client, admin_headers)
    clock.advance(days=800)
    await make_exam(client, admin_headers, aida["holderId"])
    renewed = await issue(client, admin_headers, tier="AIDA", holderId=aida["holderId"])
    old = (await client.get(f"/v1/credentials/{aida['id']}")).json()
    assert old["status"] == "superseded"
    assert renewed["id"] != aida["id"]


async def test_unknown_subject_is_not_found(client: Client, admin_headers: dict[str, str]) -> None:
    response = await client.post(
        "/v1/credentials",
        json={"tier": "AIDA", "holderId": "00000000-0000-4000-8000-000000000000"},
        headers=admin_headers,
    )
    assert response.status_code == 404
    assert "no holder has id" in response.json()["detail"]
