"""What an assessment found, as one tagged union on `kind`: written by services.subjects, stored in the
`assessments.details` jsonb column, decoded back into these same types by the repository, read by the tier rules.

The stored JSON is the camelCase wire shape the API accepted, minus the columns of its own (holder, organisation,
outcome, dates); rows written before the tag was stored carry no `kind` key, so the repository adds the row's
`kind` column before decoding (db.assessments).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

import msgspec

AssessmentKind = Literal[
    "exam",
    "deployment_review",
    "portfolio_review",
    "panel_interview",
    "deliverables_review",
    "compliance_audit",
    "governance_review",
]
AssessmentOutcome = Literal["passed", "failed", "approved", "rejected"]


class _Details(msgspec.Struct, frozen=True, kw_only=True, rename="camel", tag_field="kind"):
    pass


class ExamDetails(_Details, frozen=True, tag="exam"):
    kind: ClassVar[Literal["exam"]] = "exam"
    score: int
    max_score: int
    exam_version: str | None = None


class _ReviewDetails(_Details, frozen=True, kw_only=True):
    assessor_ids: list[str]
    evidence_digest: str  # lowercase hex SHA-256 of the reviewed package; the content never reaches us


class DeploymentReviewDetails(_ReviewDetails, frozen=True, tag="deployment_review"):
    kind: ClassVar[Literal["deployment_review"]] = "deployment_review"


class PortfolioReviewDetails(_ReviewDetails, frozen=True, tag="portfolio_review"):
    kind: ClassVar[Literal["portfolio_review"]] = "portfolio_review"


class PanelInterviewDetails(_Details, frozen=True, tag="panel_interview"):
    kind: ClassVar[Literal["panel_interview"]] = "panel_interview"
    panel_member_ids: list[str]

    @property
    def panel_size(self) -> int:
        """Distinct panel members: naming one person twice does not make a larger panel."""
        return len(set(self.panel_member_ids))


class DeliverablesReviewDetails(_ReviewDetails, frozen=True, tag="deliverables_review"):
    kind: ClassVar[Literal["deliverables_review"]] = "deliverables_review"


class ComplianceAuditDetails(_ReviewDetails, frozen=True, tag="compliance_audit"):
    kind: ClassVar[Literal["compliance_audit"]] = "compliance_audit"
    next_review_due: date


class GovernanceReviewDetails(_Details, frozen=True, tag="governance_review"):
    kind: ClassVar[Literal["governance_review"]] = "governance_review"
    assessor_ids: list[str]
    next_review_due: date


AssessmentDetails = (
    ExamDetails
    | DeploymentReviewDetails
    | PortfolioReviewDetails
    | PanelInterviewDetails
    | DeliverablesReviewDetails
    | ComplianceAuditDetails
    | GovernanceReviewDetails
)
EvidencedDetails = DeploymentReviewDetails | PortfolioReviewDetails | DeliverablesReviewDetails | ComplianceAuditDetails
DueDetails = ComplianceAuditDetails | GovernanceReviewDetails


class AssessmentFact(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    outcome: AssessmentOutcome
    assessed_at: datetime
    details: AssessmentDetails
    # Set when a credential issued on it was revoked for assessment_invalidated or misconduct.
    invalidated_at: datetime | None = None
    invalidated_reason: str | None = None

    @property
    def kind(self) -> AssessmentKind:
        return self.details.kind
