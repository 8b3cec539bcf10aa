"""Assessments are stored and read back as one typed union (domain.assessment_details): what the API accepted is
what the tier rules read, and rows stored before the union's tag was written into `details` still decode."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from tests.factories import digest, make_assessment, make_holder, make_organization
from verify_api.db.assessments import Assessments
from verify_api.domain.assessment_details import (
    ComplianceAuditDetails,
    ExamDetails,
    GovernanceReviewDetails,
    PanelInterviewDetails,
)

if TYPE_CHECKING:
    import asyncpg

    from tests.factories import Client


async def test_every_kind_reads_back_as_the_typed_fields_it_was_recorded_with(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    person = await make_holder(client, admin_headers)
    org = await make_organization(client, admin_headers, kind="enterprise")
    holder, review = {"holderId": person["id"]}, {"assessorIds": ["PAI-1"], "outcome": "approved"}
    await make_assessment(client, admin_headers, kind="exam", score=8, maxScore=10, examVersion="v3", **holder)
    for kind in ("deployment_review", "portfolio_review"):
        await make_assessment(client, admin_headers, kind=kind, evidenceDigest=digest(kind), **review, **holder)
    await make_assessment(
        client, admin_headers, kind="panel_interview", panelMemberIds=["PAI-1", "PAI-2"], outcome="passed", **holder
    )
    organization = {"organizationId": org["id"], "assessorIds": ["PAI-9"], "nextReviewDue": "2099-01-01"}
    await make_assessment(
        client, admin_headers, kind="compliance_audit", outcome="passed", evidenceDigest=digest("a"), **organization
    )
    await make_assessment(client, admin_headers, kind="governance_review", outcome="approved", **organization)

    assessments = Assessments(conn)
    # All recorded at the same clock instant, so keyed by kind rather than by list order.
    people = {a.kind: a for a in await assessments.list_for_holder(UUID(person["id"]))}
    assert sorted(people) == ["deployment_review", "exam", "panel_interview", "portfolio_review"]
    assert people["exam"].details == ExamDetails(score=8, max_score=10, exam_version="v3")
    assert people["exam"].outcome == "passed"
    assert people["panel_interview"].details == PanelInterviewDetails(panel_member_ids=["PAI-1", "PAI-2"])
    orgs = {a.kind: a for a in await assessments.list_for_organization(UUID(org["id"]))}
    audit, governance = orgs["compliance_audit"].details, orgs["governance_review"].details
    assert isinstance(audit, ComplianceAuditDetails)
    assert audit.evidence_digest == digest("a")
    assert isinstance(governance, GovernanceReviewDetails)
    assert governance.next_review_due.isoformat() == "2099-01-01"
    # The stored JSON is the wire shape the rows always had, now with the union's tag.
    stored = await conn.fetchval("SELECT details FROM assessments WHERE kind = 'exam'")
    assert stored == {"kind": "exam", "score": 8, "maxScore": 10, "examVersion": "v3"}


async def test_rows_stored_before_the_tag_still_decode_and_still_back_an_issuance(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    person = await make_holder(client, admin_headers)
    await conn.execute(
        "INSERT INTO assessments (id, kind, holder_id, outcome, assessed_at, details, recorded_at) "
        "VALUES ($1, 'exam', $2, 'passed', now() - interval '1 day', $3, now())",
        uuid4(),
        UUID(person["id"]),
        {"score": 9, "maxScore": 10, "examVersion": None},  # the shape every exam was stored in before
    )
    (fact,) = await Assessments(conn).list_for_subject(holder_id=UUID(person["id"]), organization_id=None)
    assert fact.details == ExamDetails(score=9, max_score=10)
    issued = await client.post(
        "/v1/credentials", json={"tier": "AIDA", "holderId": person["id"]}, headers=admin_headers
    )
    assert issued.status_code == 201, issued.text
