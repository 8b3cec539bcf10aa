"""The rule each tier must meet before it is issued: one pure function per tier, registered in `TIER_RULES`.

Each rule reads typed facts (domain.assessment_details, HeldCredential judged by domain.verdict.judge_credential)
and either returns the Qualification or raises TierRuleError naming the rule and everything missing. What every
rule shares is written once, in `_Requirements`: the prerequisite (the catalogue's `builds_on`), the latest usable
assessment of a kind, citing evidence, refusing with everything missing, and the default validity.
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
from verify_api.domain.tiers import TIERS, EvidenceRef, HeldCredential, Qualification, SubjectFacts, Tier, TierPolicy
from verify_api.errors import TierRuleError

TierRule = Callable[[SubjectFacts, TierPolicy, datetime], Qualification]
D = TypeVar("D")
Found = tuple[AssessmentFact, D]
_APPROVED: Final[tuple[AssessmentOutcome, ...]] = ("approved", "passed")
# Every evidenced assessment a rule relies on is cited in the credential, under its kind's name.
_EVIDENCE_NAMES: Final[dict[type[EvidencedDetails], str]] = {
    DeploymentReviewDetails: "Production deployment review",
    PortfolioReviewDetails: "Portfolio review",
    DeliverablesReviewDetails: "Client deliverables review",
    ComplianceAuditDetails: "PSF compliance audit",
}


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


class _Requirements:
    """What one tier's rule found and what it misses, gathered requirement by requirement; `qualify` refuses
    with everything missing at once, or yields the Qualification citing what was used."""

    def __init__(self, tier: Tier, facts: SubjectFacts, policy: TierPolicy, now: datetime) -> None:
        self.tier, self.facts, self.policy, self.now = tier, facts, policy, now
        self.missing: list[str] = []
        self.evidence: list[EvidenceRef] = []
        self.assessment_ids: list[str] = []
        self.prerequisite_id: str | None = None
        if (builds_on := TIERS[tier].builds_on) is not None:
            self._require_active(builds_on)

    def _require_active(self, prerequisite: Tier) -> None:
        """The catalogue's `builds_on`: the tier this one builds on, held and active now."""
        held = holds_active(self.facts, prerequisite, self.now)
        if held is None:
            self.missing.append(f"an active {prerequisite} credential")
        else:
            self.prerequisite_id = held.id

    def use(self, found: Found[D] | None, *, missing: str) -> Found[D] | None:
        """Cite `found` (and its evidence, when it is an evidenced kind), or record `missing` when there is none."""
        if found is None:
            self.missing.append(missing)
            return None
        assessment, details = found
        self.assessment_ids.append(assessment.id)
        if isinstance(details, EvidencedDetails):
            self._cite(assessment, details)
        return found

    def _cite(self, assessment: AssessmentFact, details: EvidencedDetails) -> None:
        name = _EVIDENCE_NAMES[type(details)]
        self.evidence.append(EvidenceRef(name=name, digest=details.evidence_digest, assessed_at=assessment.assessed_at))

    def require_approved(self, details_type: type[D], wanted: str, *, check_age: bool = True) -> Found[D] | None:
        """The latest approved (or passed) assessment of one kind that may back an issuance now."""
        usable, note = _usable(_found(self.facts, details_type, _APPROVED), self.policy, self.now, check_age=check_age)
        return self.use(_latest(usable), missing=f"{wanted}{note}")

    def qualify(self, rule: str, *, valid_until: datetime | None = None) -> Qualification:
        if self.missing:
            raise TierRuleError(self.tier, rule, self.missing)
        if valid_until is None:
            valid_until = self.now + timedelta(days=self.policy.validity_days.get(self.tier, 365))
        return Qualification(
            tier=self.tier,
            valid_from=self.now,
            valid_until=valid_until,
            evidence=self.evidence,
            assessment_ids=self.assessment_ids,
            prerequisite_id=self.prerequisite_id,
        )


def check_aida_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """AIDA: a passed exam, judged against today's pass mark (not the outcome stored when it was recorded)."""
    reqs = _Requirements("AIDA", facts, policy, now)
    exams = _found(facts, ExamDetails)
    passed, note = _usable([e for e in exams if meets_pass_mark(e[1].score, e[1].max_score, policy)], policy, now)
    wanted = "an exam result at or above the pass mark" if exams else "an exam result"
    reqs.use(_latest(passed), missing=wanted + note)
    return reqs.qualify(f"a passed AIDA exam (pass mark {policy.aida_pass_mark_percent}%)")


def check_cpap_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """CPAP: an active AIDA plus an approved production deployment review."""
    reqs = _Requirements("CPAP", facts, policy, now)
    reqs.require_approved(DeploymentReviewDetails, "an approved deployment review")
    return reqs.qualify("an active AIDA plus an approved deployment review")


def _panel_missing(approved: list[Found[PanelInterviewDetails]], note: str, minimum: int) -> str:
    if approved:
        largest = max(d.panel_size for _, d in approved)
        return f"a panel of at least {minimum} members (the interview had {largest})"
    return f"an approved panel interview{note}"


def check_cpaa_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """CPAA: an active CPAP, an approved portfolio review and a passed interview before a large enough panel."""
    minimum = policy.cpaa_min_panel_size
    reqs = _Requirements("CPAA", facts, policy, now)
    reqs.require_approved(PortfolioReviewDetails, "an approved portfolio review")
    interviews, note = _usable(_found(facts, PanelInterviewDetails, _APPROVED), policy, now)
    large_enough = _latest([i for i in interviews if i[1].panel_size >= minimum])
    reqs.use(large_enough, missing=_panel_missing(interviews, note, minimum))
    return reqs.qualify(
        "an active CPAP plus an approved portfolio review and an approved panel interview "
        f"(panel of at least {minimum})",
    )


def check_cai_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """CAI: enough staff holding an active AIDA (counted by the one judgement) plus an approved deliverables review."""
    minimum, staff = policy.cai_min_aida_staff, facts.aida_staff_count
    reqs = _Requirements("CAI", facts, policy, now)
    if staff < minimum:
        reqs.missing.append(f"{minimum - staff} more staff member(s) holding an active AIDA ({staff} of {minimum})")
    reqs.require_approved(DeliverablesReviewDetails, "an approved client-deliverables review")
    return reqs.qualify(f"at least {minimum} staff holding an active AIDA plus an approved client-deliverables review")


def check_cae_rule(facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:
    """CAE: a passed compliance audit whose latest governance review is not yet due.

    A CAE's freshness is its governance-review cadence (nextReviewDue), so audits are not aged here; it is valid
    through the grace period after the review falls due (the lifecycle rules suspend it then), capped.
    """
    rule = "a passed compliance audit, with the next governance review not yet due"
    reqs = _Requirements("CAE", facts, policy, now)
    audit = reqs.require_approved(ComplianceAuditDetails, "a passed compliance audit", check_age=False)
    if audit is None:
        raise TierRuleError("CAE", rule, reqs.missing)
    reviews = [r for r in _found(facts, GovernanceReviewDetails, _APPROVED) if r[0].invalidated_at is None]
    review = _latest(reviews)
    candidates: list[Found[ComplianceAuditDetails] | Found[GovernanceReviewDetails]] = [audit]
    if review is not None:
        candidates.append(review)
    latest, details = max(candidates, key=lambda f: f[0].assessed_at)
    if latest is not audit[0]:
        reqs.assessment_ids.append(latest.id)
    due = datetime.combine(details.next_review_due, time(), tzinfo=UTC)
    if due <= now:
        reqs.missing.append(f"a governance review: the one due {due.date().isoformat()} is overdue")
    # plus_days saturates: a review due 9999-12-31 overflowed here and made the whole registry 500.
    until = min(plus_days(due, policy.cae_governance_grace_days), plus_days(now, policy.cae_max_validity_days))
    return reqs.qualify(rule, valid_until=until)


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
