from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from verify_api.domain.assessment_details import (
    AssessmentFact,
    ComplianceAuditDetails,
    DeliverablesReviewDetails,
    DeploymentReviewDetails,
    ExamDetails,
    GovernanceReviewDetails,
)
from verify_api.domain.tier_rules import check_tier_rule
from verify_api.domain.tiers import HeldCredential, SubjectFacts, TierPolicy
from verify_api.errors import TierRuleError

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def make_policy(**overrides: object) -> TierPolicy:
    values: dict[str, object] = {
        "aida_pass_mark_percent": 70,
        "cpaa_min_panel_size": 3,
        "cai_min_aida_staff": 3,
        "validity_days": {"AIDA": 730, "CPAP": 1095, "CPAA": 1095, "CAI": 365, "CAE": 730},
        "cae_max_validity_days": 730,
    }
    values.update(overrides)
    return TierPolicy(**values)  # type: ignore[arg-type]


def exam(score: int, max_score: int = 100) -> AssessmentFact:
    return AssessmentFact(
        id="e",
        outcome="passed",
        assessed_at=NOW,
        details=ExamDetails(score=score, max_score=max_score),
    )


def test_pass_mark_is_a_setting() -> None:
    facts = SubjectFacts(assessments=[exam(75)], credentials=[])
    assert check_tier_rule("AIDA", facts, make_policy(), NOW).valid_until == NOW + timedelta(days=730)
    with pytest.raises(TierRuleError, match="pass mark 80%"):
        check_tier_rule("AIDA", facts, make_policy(aida_pass_mark_percent=80), NOW)


def test_validity_period_is_a_setting() -> None:
    facts = SubjectFacts(assessments=[exam(75)], credentials=[])
    policy = make_policy(validity_days={"AIDA": 10})
    assert check_tier_rule("AIDA", facts, policy, NOW).valid_until == NOW + timedelta(days=10)


def test_suspended_prerequisite_does_not_count() -> None:
    aida = HeldCredential(id="a", tier="AIDA", status="suspended", valid_from=NOW, valid_until=NOW + timedelta(days=9))
    review = AssessmentFact(
        id="r",
        outcome="approved",
        assessed_at=NOW,
        details=DeploymentReviewDetails(assessor_ids=["PAI-1"], evidence_digest="ab" * 32),
    )
    with pytest.raises(TierRuleError, match="an active AIDA credential") as caught:
        check_tier_rule("CPAP", SubjectFacts(assessments=[review], credentials=[aida]), make_policy(), NOW)
    assert caught.value.missing == ["an active AIDA credential"]


def test_cai_staff_minimum_is_a_setting() -> None:
    review = AssessmentFact(
        id="r",
        outcome="approved",
        assessed_at=NOW,
        details=DeliverablesReviewDetails(assessor_ids=["PAI-1"], evidence_digest="cd" * 32),
    )
    facts = SubjectFacts(assessments=[review], credentials=[], aida_staff_count=1)
    assert check_tier_rule("CAI", facts, make_policy(cai_min_aida_staff=1), NOW).tier == "CAI"
    with pytest.raises(TierRuleError, match="1 of 2"):
        check_tier_rule("CAI", facts, make_policy(cai_min_aida_staff=2), NOW)


def test_cae_overdue_governance_review_is_refused() -> None:
    audit = AssessmentFact(
        id="a",
        outcome="passed",
        assessed_at=NOW - timedelta(days=400),
        details=ComplianceAuditDetails(
            assessor_ids=["PAI-1"], evidence_digest="ef" * 32, next_review_due=date(2026, 6, 1)
        ),
    )
    with pytest.raises(TierRuleError, match="overdue"):
        check_tier_rule("CAE", SubjectFacts(assessments=[audit], credentials=[]), make_policy(), NOW)
    review = AssessmentFact(
        id="g",
        outcome="approved",
        assessed_at=NOW - timedelta(days=1),
        details=GovernanceReviewDetails(assessor_ids=["PAI-1"], next_review_due=date(2027, 3, 1)),
    )
    result = check_tier_rule("CAE", SubjectFacts(assessments=[audit, review], credentials=[]), make_policy(), NOW)
    assert result.valid_until == datetime(2027, 3, 31, tzinfo=UTC)  # due date + 30 days of grace
    assert result.assessment_ids == ["a", "g"]


def test_cae_validity_is_capped() -> None:
    audit = AssessmentFact(
        id="a",
        outcome="passed",
        assessed_at=NOW,
        details=ComplianceAuditDetails(
            assessor_ids=["PAI-1"], evidence_digest="ef" * 32, next_review_due=date(2035, 1, 1)
        ),
    )
    result = check_tier_rule("CAE", SubjectFacts(assessments=[audit], credentials=[]), make_policy(), NOW)
    assert result.valid_until == NOW + timedelta(days=730)
