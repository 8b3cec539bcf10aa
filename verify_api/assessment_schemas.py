"""Wire structs of assessments (POST /v1/assessments): a tagged union on "kind", one struct per kind of evidence
the tier rules read, and the view of a recorded one. Like every request struct, unknown fields are errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from verify_api.domain.assessment_details import AssessmentKind, AssessmentOutcome
from verify_api.schemas import Request, Response

PersonId = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
# The assessors or panel members of one assessment.
PersonIds = Annotated[list[PersonId], msgspec.Meta(min_length=1, max_length=20)]
Sha256Hex = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$", description="lowercase hex SHA-256 of the package")]


class _Assessment(Request, tag_field="kind", kw_only=True):
    assessed_at: datetime | None = None


class ExamResult(_Assessment, tag="exam"):
    holder_id: UUID
    score: Annotated[int, msgspec.Meta(ge=0)]
    max_score: Annotated[int, msgspec.Meta(gt=0)]
    exam_version: Annotated[str, msgspec.Meta(max_length=50)] | None = None


class _Review(_Assessment, kw_only=True):
    assessor_ids: PersonIds
    outcome: Literal["approved", "rejected"]
    evidence_digest: Sha256Hex


class DeploymentReview(_Review, tag="deployment_review"):
    holder_id: UUID


class PortfolioReview(_Review, tag="portfolio_review"):
    holder_id: UUID


class PanelInterview(_Assessment, tag="panel_interview"):
    holder_id: UUID
    panel_member_ids: PersonIds
    outcome: Literal["passed", "failed"]


class DeliverablesReview(_Review, tag="deliverables_review"):
    organization_id: UUID


class _DueReview(_Assessment, kw_only=True):
    """An organisation's review that falls due again (domain.assessment_details.DueDetails): the CAE's rules."""

    organization_id: UUID
    assessor_ids: PersonIds
    next_review_due: date


class ComplianceAudit(_DueReview, tag="compliance_audit"):
    outcome: Literal["passed", "failed"]
    evidence_digest: Sha256Hex


class GovernanceReview(_DueReview, tag="governance_review"):
    outcome: Literal["approved", "rejected"]


AssessmentRequest = (
    ExamResult
    | DeploymentReview
    | PortfolioReview
    | PanelInterview
    | DeliverablesReview
    | ComplianceAudit
    | GovernanceReview
)


class AssessmentView(Response):
    id: UUID
    kind: AssessmentKind
    holder_id: UUID | None
    organization_id: UUID | None
    outcome: AssessmentOutcome
    assessed_at: datetime
    recorded_at: datetime
