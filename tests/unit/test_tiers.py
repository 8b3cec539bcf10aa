from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from verify_api.domain.tiers import (
    AssessmentFact,
    HeldCredential,
    SubjectFacts,
    TierPolicy,
    check_tier_rule,
)
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
        kind="exam",
        outcome="passed",
        assessed_at=NOW,
        details={"score": score, "maxScore": max_score},
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
        kind="deployment_review",
        outcome="approved",
        assessed_at=NOW,
        details={"evidenceDigest": "ab" * 32},
    )
    with pytest.raises(TierRuleError, match="an active AIDA credential") as caught:
        check_tier_rule("CPAP", SubjectFacts(assessments=[review], credentials=[aida]), make_policy(), NOW)
    assert caught.value.missing == ["an active AIDA credential"]


def test_cai_staff_minimum_is_a_setting() -> None:
    review = AssessmentFact(id="r", kind="deliverables_review", outcome="approved", assessed_at=NOW, details={})
    facts = SubjectFacts(assessments=[review], credentials=[], aida_staff_count=1)
    assert check_tier_rule("CAI", facts, make_policy(cai_min_aida_staff=1), NOW).tier == "CAI"
    with pytest.raises(TierRuleError, match="1 of 2"):
        check_tier_rule("CAI", facts, make_policy(cai_min_aida_staff=2), NOW)


def test_cae_overdue_governance_review_is_refused() -> None:
    audit = AssessmentFact(
        id="a",
        kind="compliance_audit",
        outcome="passed",
        assessed_at=NOW - timedelta(days=400),
        details={"nextReviewDue": "2026-06-01"},
    )
    with pytest.raises(TierRuleError, match="overdue"):
        check_tier_rule("CAE", SubjectFacts(assessments=[audit], credentials=[]), make_policy(), NOW)
    review = AssessmentFact(
        id="g",
        kind="governance_review",
        outcome="approved",
        assessed_at=NOW - timedelta(days=1),
        details={"nextReviewDue": "2027-03-01"},
    )
    result = check_tier_rule("CAE", SubjectFacts(assessments=[audit, review], credentials=[]), make_policy(), NOW)
    assert result.valid_until == datetime(2027, 3, 31, tzinfo=UTC)  # due date + 30 days of grace
    assert result.assessment_ids == ["a", "g"]


def test_cae_validity_is_capped() -> None:
    audit = AssessmentFact(
        id="a",
        kind="compliance_audit",
        outcome="passed",
        assessed_at=NOW,
        details={"nextReviewDue": "2035-01-01"},
    )
    result = check_tier_rule("CAE", SubjectFacts(assessments=[audit], credentials=[]), make_policy(), NOW)
    assert result.valid_until == NOW + timedelta(days=730)
