"""The tier rules as pure functions, table-driven: every tier qualifies on complete facts, and each missing
prerequisite is named in the TierRuleError (the 422's `missing`) exactly as the API has always said it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
import pytest

from verify_api.domain.assessment_details import (
    AssessmentDetails,
    AssessmentFact,
    AssessmentOutcome,
    ComplianceAuditDetails,
    DeliverablesReviewDetails,
    DeploymentReviewDetails,
    ExamDetails,
    GovernanceReviewDetails,
    PanelInterviewDetails,
    PortfolioReviewDetails,
)
from verify_api.domain.tier_rules import TIER_RULES, check_tier_rule, holds_active, meets_pass_mark
from verify_api.domain.tiers import TIERS, HeldCredential, SubjectFacts, Tier, TierPolicy
from verify_api.errors import TierRuleError

if TYPE_CHECKING:
    from verify_api.domain.lifecycle import StoredStatus

NOW = datetime(2026, 11, 27, tzinfo=UTC)
POLICY = TierPolicy(
    aida_pass_mark_percent=70,
    cpaa_min_panel_size=3,
    cai_min_aida_staff=2,
    validity_days={"AIDA": 730, "CPAP": 1095, "CPAA": 1095, "CAI": 365, "CAE": 730},
    cae_max_validity_days=730,
)
DIGEST = "ab" * 32


def make_fact(
    id: str,
    details: AssessmentDetails,
    outcome: AssessmentOutcome = "approved",
    age_days: int = 1,
    invalidated_reason: str | None = None,
) -> AssessmentFact:
    return AssessmentFact(
        id=id,
        outcome=outcome,
        assessed_at=NOW - timedelta(days=age_days),
        details=details,
        invalidated_at=NOW if invalidated_reason else None,
        invalidated_reason=invalidated_reason,
    )


def make_held(tier: Tier, status: StoredStatus = "active", *, id: str | None = None) -> HeldCredential:
    return HeldCredential(
        id=id or f"held-{tier}",
        tier=tier,
        status=status,
        valid_from=NOW - timedelta(days=5),
        valid_until=NOW + timedelta(days=5),
    )


EXAM = make_fact("exam", ExamDetails(score=7, max_score=10), outcome="passed")
DEPLOYMENT = make_fact("deploy", DeploymentReviewDetails(assessor_ids=["PAI-1"], evidence_digest=DIGEST))
PORTFOLIO = make_fact("portfolio", PortfolioReviewDetails(assessor_ids=["PAI-1"], evidence_digest=DIGEST))
PANEL = make_fact("panel", PanelInterviewDetails(panel_member_ids=["PAI-1", "PAI-2", "PAI-3"]), outcome="passed")
DELIVERABLES = make_fact("deliverables", DeliverablesReviewDetails(assessor_ids=["PAI-1"], evidence_digest=DIGEST))
AUDIT = make_fact(
    "audit",
    ComplianceAuditDetails(assessor_ids=["PAI-1"], evidence_digest=DIGEST, next_review_due=date(2027, 6, 1)),
    outcome="passed",
)

COMPLETE: dict[Tier, SubjectFacts] = {
    "AIDA": SubjectFacts(assessments=[EXAM], credentials=[]),
    "CPAP": SubjectFacts(assessments=[DEPLOYMENT], credentials=[make_held("AIDA")]),
    "CPAA": SubjectFacts(assessments=[PORTFOLIO, PANEL], credentials=[make_held("CPAP")]),
    "CAI": SubjectFacts(assessments=[DELIVERABLES], credentials=[], aida_staff_count=2),
    "CAE": SubjectFacts(assessments=[AUDIT], credentials=[]),
}
RULES: dict[Tier, str] = {
    "AIDA": "a passed AIDA exam (pass mark 70%)",
    "CPAP": "an active AIDA plus an approved deployment review",
    "CPAA": "an active CPAP plus an approved portfolio review and an approved panel interview (panel of at least 3)",
    "CAI": "at least 2 staff holding an active AIDA plus an approved client-deliverables review",
    "CAE": "a passed compliance audit, with the next governance review not yet due",
}


def test_every_tier_has_one_registered_rule() -> None:
    assert set(TIER_RULES) == set(TIERS)


@pytest.mark.parametrize(
    ("tier", "assessment_ids", "evidence", "prerequisite_id"),
    [
        ("AIDA", ["exam"], [], None),
        ("CPAP", ["deploy"], ["Production deployment review"], "held-AIDA"),
        ("CPAA", ["portfolio", "panel"], ["Portfolio review"], "held-CPAP"),
        ("CAI", ["deliverables"], ["Client deliverables review"], None),
        ("CAE", ["audit"], ["PSF compliance audit"], None),
    ],
)
def test_tier_rule_qualifies_on_complete_facts(
    tier: Tier, assessment_ids: list[str], evidence: list[str], prerequisite_id: str | None
) -> None:
    qualification = check_tier_rule(tier, COMPLETE[tier], POLICY, NOW)
    assert qualification.tier == tier
    assert qualification.valid_from == NOW
    assert qualification.assessment_ids == assessment_ids
    assert [e.name for e in qualification.evidence] == evidence
    assert all(e.digest == DIGEST for e in qualification.evidence)
    assert qualification.prerequisite_id == prerequisite_id


def _without(facts: SubjectFacts, *, drop: str | None = None) -> SubjectFacts:
    return msgspec.structs.replace(facts, assessments=[a for a in facts.assessments if a.id != drop])


MISSING: list[tuple[Tier, SubjectFacts, list[str]]] = [
    ("AIDA", _without(COMPLETE["AIDA"], drop="exam"), ["an exam result"]),
    (
        "AIDA",
        msgspec.structs.replace(
            COMPLETE["AIDA"], assessments=[make_fact("e", ExamDetails(score=6, max_score=10), outcome="failed")]
        ),
        ["an exam result at or above the pass mark"],
    ),
    ("CPAP", msgspec.structs.replace(COMPLETE["CPAP"], credentials=[]), ["an active AIDA credential"]),
    (
        "CPAP",
        msgspec.structs.replace(COMPLETE["CPAP"], credentials=[make_held("AIDA", "suspended")]),
        ["an active AIDA credential"],
    ),
    ("CPAP", _without(COMPLETE["CPAP"], drop="deploy"), ["an approved deployment review"]),
    (
        "CPAP",
        SubjectFacts(assessments=[], credentials=[]),
        ["an active AIDA credential", "an approved deployment review"],
    ),
    ("CPAA", msgspec.structs.replace(COMPLETE["CPAA"], credentials=[make_held("AIDA")]), ["an active CPAP credential"]),
    ("CPAA", _without(COMPLETE["CPAA"], drop="portfolio"), ["an approved portfolio review"]),
    ("CPAA", _without(COMPLETE["CPAA"], drop="panel"), ["an approved panel interview"]),
    (
        "CPAA",
        msgspec.structs.replace(
            COMPLETE["CPAA"],
            assessments=[
                PORTFOLIO,
                make_fact("p", PanelInterviewDetails(panel_member_ids=["PAI-1", "PAI-2", "PAI-2"]), outcome="passed"),
            ],
        ),
        ["a panel of at least 3 members (the interview had 2)"],
    ),
    (
        "CPAA",
        SubjectFacts(assessments=[], credentials=[]),
        ["an active CPAP credential", "an approved portfolio review", "an approved panel interview"],
    ),
    (
        "CAI",
        msgspec.structs.replace(COMPLETE["CAI"], aida_staff_count=1),
        ["1 more staff member(s) holding an active AIDA (1 of 2)"],
    ),
    ("CAI", _without(COMPLETE["CAI"], drop="deliverables"), ["an approved client-deliverables review"]),
    ("CAE", _without(COMPLETE["CAE"], drop="audit"), ["a passed compliance audit"]),
    (
        "CAE",
        msgspec.structs.replace(
            COMPLETE["CAE"],
            assessments=[
                make_fact(
                    "a",
                    ComplianceAuditDetails(
                        assessor_ids=["x"], evidence_digest=DIGEST, next_review_due=date(2026, 6, 1)
                    ),
                    outcome="passed",
                )
            ],
        ),
        ["a governance review: the one due 2026-06-01 is overdue"],
    ),
    (
        "CAE",
        msgspec.structs.replace(
            COMPLETE["CAE"],
            assessments=[
                AUDIT,
                make_fact(
                    "g", GovernanceReviewDetails(assessor_ids=["x"], next_review_due=date(2026, 11, 27)), age_days=0
                ),
            ],
        ),
        ["a governance review: the one due 2026-11-27 is overdue"],
    ),
    (
        "CAI",
        msgspec.structs.replace(
            COMPLETE["CAI"], assessments=[make_fact("d", DELIVERABLES.details, outcome="rejected")]
        ),
        ["an approved client-deliverables review"],
    ),
    (
        "CPAP",
        msgspec.structs.replace(COMPLETE["CPAP"], assessments=[make_fact("old", DEPLOYMENT.details, age_days=1096)]),
        ["an approved deployment review (the deployment review of 2023-11-27 is older than 1095 days)"],
    ),
    (
        "CPAP",
        msgspec.structs.replace(
            COMPLETE["CPAP"],
            assessments=[make_fact("bad", DEPLOYMENT.details, invalidated_reason="misconduct")],
        ),
        ["an approved deployment review (the deployment review of 2026-11-26 was invalidated (misconduct))"],
    ),
]


@pytest.mark.parametrize(("tier", "facts", "missing"), MISSING)
def test_tier_rule_names_every_missing_prerequisite(tier: Tier, facts: SubjectFacts, missing: list[str]) -> None:
    with pytest.raises(TierRuleError) as caught:
        check_tier_rule(tier, facts, POLICY, NOW)
    assert caught.value.tier == tier
    assert caught.value.rule == RULES[tier]
    assert caught.value.missing == missing


def test_cae_audit_is_not_aged_but_its_governance_cadence_decides() -> None:
    old_audit = make_fact("a", AUDIT.details, outcome="passed", age_days=2000)
    review = make_fact("g", GovernanceReviewDetails(assessor_ids=["x"], next_review_due=date(2027, 3, 1)))
    result = check_tier_rule("CAE", SubjectFacts(assessments=[old_audit, review], credentials=[]), POLICY, NOW)
    assert result.assessment_ids == ["a", "g"]
    assert result.valid_until == datetime(2027, 3, 31, tzinfo=UTC)


def test_holds_active_asks_the_judged_status_and_the_dates() -> None:
    expired = HeldCredential(id="x", tier="AIDA", status="active", valid_from=NOW - timedelta(days=9), valid_until=NOW)
    facts = SubjectFacts(assessments=[], credentials=[make_held("AIDA", "revoked"), expired])
    assert holds_active(facts, "AIDA", NOW) is None
    assert holds_active(msgspec.structs.replace(facts, credentials=[make_held("AIDA")]), "AIDA", NOW) == make_held(
        "AIDA"
    )


@pytest.mark.parametrize(("tier", "days"), [("AIDA", 730), ("CPAP", 1095), ("CPAA", 1095), ("CAI", 365)])
def test_tier_rule_validity_is_the_policy_days_for_the_tier(tier: Tier, days: int) -> None:
    assert check_tier_rule(tier, COMPLETE[tier], POLICY, NOW).valid_until == NOW + timedelta(days=days)


def test_tier_rule_validity_defaults_to_a_year_for_a_tier_the_policy_omits() -> None:
    policy = msgspec.structs.replace(POLICY, validity_days={})
    assert check_tier_rule("CPAP", COMPLETE["CPAP"], policy, NOW).valid_until == NOW + timedelta(days=365)


@pytest.mark.parametrize(
    ("score", "max_score", "percent", "passes"),
    [
        (7, 10, 70, True),
        (6, 10, 70, False),
        (69, 100, 70, False),
        (70, 100, 70, True),
        (1, 3, 33, True),
        (0, 0, 0, False),
    ],
)
def test_meets_pass_mark_is_exact_at_the_boundary(score: int, max_score: int, percent: int, passes: bool) -> None:
    assert meets_pass_mark(score, max_score, msgspec.structs.replace(POLICY, aida_pass_mark_percent=percent)) is passes


def test_aida_rule_cites_the_latest_passing_exam_judged_by_todays_pass_mark() -> None:
    older = make_fact("older", ExamDetails(score=9, max_score=10), outcome="passed", age_days=30)
    stored_failed = make_fact("newer", ExamDetails(score=7, max_score=10), outcome="failed", age_days=2)
    result = check_tier_rule("AIDA", SubjectFacts(assessments=[older, stored_failed], credentials=[]), POLICY, NOW)
    assert result.assessment_ids == ["newer"]
    stricter = msgspec.structs.replace(POLICY, aida_pass_mark_percent=80)
    result = check_tier_rule("AIDA", SubjectFacts(assessments=[older, stored_failed], credentials=[]), stricter, NOW)
    assert result.assessment_ids == ["older"]


def test_cpaa_rule_cites_the_portfolio_as_evidence_and_not_the_interview() -> None:
    result = check_tier_rule("CPAA", COMPLETE["CPAA"], POLICY, NOW)
    assert [(e.name, e.assessed_at) for e in result.evidence] == [("Portfolio review", PORTFOLIO.assessed_at)]


def test_cae_validity_is_capped_by_the_maximum() -> None:
    far = make_fact(
        "far",
        ComplianceAuditDetails(assessor_ids=["x"], evidence_digest=DIGEST, next_review_due=date(2099, 1, 1)),
        outcome="passed",
    )
    result = check_tier_rule("CAE", SubjectFacts(assessments=[far], credentials=[]), POLICY, NOW)
    assert result.valid_until == NOW + timedelta(days=POLICY.cae_max_validity_days)


@pytest.mark.parametrize("tier", [t for t, info in TIERS.items() if info.builds_on is not None])
def test_tier_rule_requires_the_tier_the_catalogue_says_it_builds_on(tier: Tier) -> None:
    builds_on = TIERS[tier].builds_on
    with pytest.raises(TierRuleError) as caught:
        check_tier_rule(tier, msgspec.structs.replace(COMPLETE[tier], credentials=[]), POLICY, NOW)
    assert caught.value.missing == [f"an active {builds_on} credential"]
    assert check_tier_rule(tier, COMPLETE[tier], POLICY, NOW).prerequisite_id == f"held-{builds_on}"
