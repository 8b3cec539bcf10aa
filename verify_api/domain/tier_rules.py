"""The rule each tier must meet before it is issued: one pure function per tier, registered in `TIER_RULES`.

Each rule reads typed facts (domain.assessment_details, HeldCredential judged by domain.verdict.judge_credential)
and either returns the Qualification or raises TierRuleError naming the rule and everything missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Final, TypeVar

from verify_api.domain.assessment_details import (
    AssessmentFact,
    AssessmentOutcome,
    ComplianceAuditDetails,
    DeliverablesReviewDetails,
    DeploymentReviewDetails,
    EvidencedDetails,
    ExamDetails,
    GovernanceReviewDetails,
    PanelInterviewDetails,
    PortfolioReviewDetails,
)
from verify_api.domain.instant import plus_days
from verify_api.domain.tiers import EvidenceRef, HeldCredential, Qualification, SubjectFacts, Tier, TierPolicy
from verify_api.errors import TierRuleError

TierRule = Callable[[SubjectFacts, TierPolicy, datetime], Qualification]
D = TypeVar("D")
Found = tuple[AssessmentFact, D]
_APPROVED: Final[tuple[AssessmentOutcome, ...]] = ("approved", "passed")


def holds_active(facts: SubjectFacts, tier: Tier, now: datetime) -> HeldCredential | None:
    """ "Holds an active <tier>": a held credential the one judgement calls active, inside its dates."""
    return next((c for c in facts.credentials if c.tier == tier and c.is_active(now)), None)


def meets_pass_mark(score: int, max_score: int, policy: TierPolicy) -> bool:
    """Integer arithmetic, so 70% of 10 is exactly 7 with no float rounding at the boundary."""
    return max_score > 0 and score * 100 >= policy.aida_pass_mark_percent * max_score


def _found(
    facts: SubjectFacts, details_type: type[D], outcomes: tuple[AssessmentOutcome, ...] | None = None
) -> list[Found[D]]:
    """The subject's assessments of one kind with one of `outcomes` (any outcome when None), typed."""
    return [
        (a, a.details)
        for a in facts.assessments
        if isinstance(a.details, details_type) and (outcomes is None or a.outcome in outcomes)
    ]


def _latest(found: list[Found[D]]) -> Found[D] | None:
    return max(found, key=lambda f: f[0].assessed_at, default=None)


def _why_unusable(assessment: AssessmentFact, policy: TierPolicy, now: datetime, *, check_age: bool) -> str | None:
    """Why an assessment may not back an issuance now (evidence has a life), or None when it may."""
    label = f"the {assessment.kind.replace('_', ' ')} of {assessment.assessed_at.date().isoformat()}"
    if assessment.invalidated_at is not None:
        return f"{label} was invalidated ({assessment.invalidated_reason})"
    if check_age and assessment.assessed_at < now - timedelta(days=policy.assessment_max_age_days):
        return f"{label} is older than {policy.assessment_max_age_days} days"
    return None


def _usable(
    candidates: list[Found[D]], policy: TierPolicy, now: datetime, *, check_age: bool = True
) -> tuple[list[Found[D]], str]:
    """The candidates that may back an issuance now, and a note naming why the others may not ('' when none)."""
    reasons = [_why_unusable(a, policy, now, check_age=check_age) for a, _ in candidates]
    refused = [r for r in reasons if r is not None]
    note = f" ({'; '.join(refused)})" if refused else ""
    return [c for c, r in zip(candidates, reasons, strict=True) if r is None], note


def _evidence(found: Found[EvidencedDetails], name: str) -> EvidenceRef:
    assessment, details = found
    return EvidenceRef(name=name, digest=details.evidence_digest, assessed_at=assessment.assessed_at)


def _refuse_unless_met(tier: Tier, rule: str, missing: list[str]) -> None:
    if missing:
        raise TierRuleError(tier, rule, missing)


def _default_until(tier: Tier, policy: TierPolicy, now: datetime) -> datetime:
    return now + timedelta(days=policy.validity_days.get(tier, 365))


def check_aida_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """AIDA: a passed exam, judged against today's pass mark (not the outcome stored when it was recorded)."""
    rule = f"a passed AIDA exam (pass mark {policy.aida_pass_mark_percent}%)"
    exams = _found(facts, ExamDetails)
    passed, note = _usable([e for e in exams if meets_pass_mark(e[1].score, e[1].max_score, policy)], policy, now)
    latest = _latest(passed)
    missing = [] if latest else [("an exam result at or above the pass mark" if exams else "an exam result") + note]
    used = [latest[0].id] if latest else []
    until = _default_until("AIDA", policy, now)
    _refuse_unless_met("AIDA", rule, missing)
    return Qualification(tier="AIDA", valid_from=now, valid_until=until, evidence=[], assessment_ids=used)


def check_cpap_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """CPAP: an active AIDA plus an approved production deployment review."""
    prerequisite = holds_active(facts, "AIDA", now)
    missing = [] if prerequisite else ["an active AIDA credential"]
    review, note = _usable(_found(facts, DeploymentReviewDetails, _APPROVED), policy, now)
    latest = _latest(review)
    if latest is None:
        missing.append(f"an approved deployment review{note}")
    _refuse_unless_met(
        "CPAP",
        "an active AIDA plus an approved deployment review",
        missing,
    )
    return Qualification(
        tier="CPAP",
        valid_from=now,
        valid_until=_default_until("CPAP", policy, now),
        evidence=[_evidence(latest, "Production deployment review")] if latest else [],
        assessment_ids=[latest[0].id] if latest else [],
        prerequisite_id=prerequisite.id if prerequisite else None,
    )


def _panel_missing(approved: list[Found[PanelInterviewDetails]], note: str, minimum: int) -> str:
    if approved:
        largest = max(d.panel_size for _, d in approved)
        return f"a panel of at least {minimum} members (the interview had {largest})"
    return f"an approved panel interview{note}"


def check_cpaa_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """CPAA: an active CPAP, an approved portfolio review and a passed interview before a large enough panel."""
    minimum = policy.cpaa_min_panel_size
    prerequisite = holds_active(facts, "CPAP", now)
    missing = [] if prerequisite else ["an active CPAP credential"]
    portfolios, portfolio_note = _usable(_found(facts, PortfolioReviewDetails, _APPROVED), policy, now)
    portfolio = _latest(portfolios)
    if portfolio is None:
        missing.append(f"an approved portfolio review{portfolio_note}")
    interviews, interview_note = _usable(_found(facts, PanelInterviewDetails, _APPROVED), policy, now)
    interview = _latest([i for i in interviews if i[1].panel_size >= minimum])
    if interview is None:
        missing.append(_panel_missing(interviews, interview_note, minimum))
    _refuse_unless_met(
        "CPAA",
        f"an active CPAP plus an approved portfolio review and an approved panel interview "
        f"(panel of at least {minimum})",
        missing,
    )
    return Qualification(
        tier="CPAA",
        valid_from=now,
        valid_until=_default_until("CPAA", policy, now),
        evidence=[_evidence(portfolio, "Portfolio review")] if portfolio else [],
        assessment_ids=[found[0].id for found in (portfolio, interview) if found],
        prerequisite_id=prerequisite.id if prerequisite else None,
    )


def check_cai_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """CAI: enough staff holding an active AIDA (counted by the one judgement) plus an approved deliverables review."""
    minimum, staff = policy.cai_min_aida_staff, facts.aida_staff_count
    missing = (
        [f"{minimum - staff} more staff member(s) holding an active AIDA ({staff} of {minimum})"]
        if staff < minimum
        else []
    )
    reviews, note = _usable(_found(facts, DeliverablesReviewDetails, _APPROVED), policy, now)
    review = _latest(reviews)
    if review is None:
        missing.append(f"an approved client-deliverables review{note}")
    _refuse_unless_met(
        "CAI",
        f"at least {minimum} staff holding an active AIDA plus an approved client-deliverables review",
        missing,
    )
    return Qualification(
        tier="CAI",
        valid_from=now,
        valid_until=_default_until("CAI", policy, now),
        evidence=[_evidence(review, "Client deliverables review")] if review else [],
        assessment_ids=[review[0].id] if review else [],
    )


def check_cae_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """CAE: a passed compliance audit whose latest governance review is not yet due.

    A CAE's freshness is its governance-review cadence (nextReviewDue), so audits are not aged here; it is valid
    through the grace period after the review falls due (the lifecycle rules suspend it then), capped.
    """
    rule = "a passed compliance audit, with the next governance review not yet due"
    audits, note = _usable(_found(facts, ComplianceAuditDetails, _APPROVED), policy, now, check_age=False)
    audit = _latest(audits)
    if audit is None:
        raise TierRuleError("CAE", rule, [f"a passed compliance audit{note}"])
    reviews = [r for r in _found(facts, GovernanceReviewDetails, _APPROVED) if r[0].invalidated_at is None]
    review = _latest(reviews)
    candidates: list[Found[ComplianceAuditDetails] | Found[GovernanceReviewDetails]] = [audit]
    if review is not None:
        candidates.append(review)
    latest, details = max(candidates, key=lambda f: f[0].assessed_at)
    due = datetime.combine(details.next_review_due, time(), tzinfo=UTC)
    missing = [f"a governance review: the one due {due.date().isoformat()} is overdue"] if due <= now else []
    # plus_days saturates: a review due 9999-12-31 overflowed here and made the whole registry 500.
    until = min(plus_days(due, policy.cae_governance_grace_days), plus_days(now, policy.cae_max_validity_days))
    _refuse_unless_met(
        "CAE",
        rule,
        missing,
    )
    return Qualification(
        tier="CAE",
        valid_from=now,
        valid_until=until,
        evidence=[_evidence(audit, "PSF compliance audit")],
        assessment_ids=[audit[0].id] + ([latest.id] if latest is not audit[0] else []),
    )


TIER_RULES: Final[dict[Tier, TierRule]] = {
    "AIDA": check_aida_rule,
    "CPAP": check_cpap_rule,
    "CPAA": check_cpaa_rule,
    "CAI": check_cai_rule,
    "CAE": check_cae_rule,
}


def check_tier_rule(tier: Tier, facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """Apply the tier's registered rule; raise TierRuleError naming the rule and everything missing."""
    return TIER_RULES[tier](facts, policy, now)
