"""The PAI credential catalogue and the rule each tier must meet before it is issued.

Pure: the facts about a subject are gathered by the services and passed in, together with `now`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import msgspec

from verify_api.domain.instant import plus_days
from verify_api.errors import TierRuleError

Tier = Literal["AIDA", "CPAP", "CPAA", "CAI", "CAE"]
SubjectKind = Literal["person", "organization"]
AssessmentKind = Literal[
    "exam",
    "deployment_review",
    "portfolio_review",
    "panel_interview",
    "deliverables_review",
    "compliance_audit",
    "governance_review",
]

PSF_NAME = "Production Safety Framework"
PSF_VERSION = "1.0"


class TierInfo(msgspec.Struct, frozen=True):
    code: Tier
    title: str
    subject_kind: SubjectKind
    achievement_type: str
    description: str
    criteria: str
    builds_on: Tier | None = None


TIERS: dict[str, TierInfo] = {
    "AIDA": TierInfo(
        code="AIDA",
        title="AIDA: PSF Foundations",
        subject_kind="person",
        achievement_type="Certification",
        description=(
            "Demonstrates foundational knowledge of the Production Safety Framework across all eight domains. "
            "The baseline credential for any practitioner working with AI in production."
        ),
        criteria="Passed the AIDA examination (15-20 minutes) covering all eight PSF domains.",
    ),
    "CPAP": TierInfo(
        code="CPAP",
        title="CPAP: Production Practitioner",
        subject_kind="person",
        achievement_type="Certification",
        description=(
            "Requires evidence of a real production deployment meeting PSF criteria, reviewed by a PAI assessor. "
            "The credential employers specify when they want assurance, not just knowledge."
        ),
        criteria="Holds an active AIDA; a PAI assessor approved evidence of a real production deployment "
        "meeting PSF criteria.",
        builds_on="AIDA",
    ),
    "CPAA": TierInfo(
        code="CPAA",
        title="CPAA: Production Architect",
        subject_kind="person",
        achievement_type="Certification",
        description=(
            "The most rigorous individual PAI credential: a portfolio review followed by a structured interview "
            "with a panel of practitioners."
        ),
        criteria="Holds an active CPAP; portfolio review approved; structured interview passed before a "
        "practitioner panel.",
        builds_on="CPAP",
    ),
    "CAI": TierInfo(
        code="CAI",
        title="CAI: Certified AI Integrator",
        subject_kind="organization",
        achievement_type="QualityAssuranceCredential",
        description=(
            "Recognises consultancies and MSPs whose teams hold PAI credentials and whose delivery methodology "
            "meets the PSF standard."
        ),
        criteria="A minimum number of AIDA holders on staff, and client deliverables reviewed and approved by PAI.",
    ),
    "CAE": TierInfo(
        code="CAE",
        title="CAE: Certified AI Enterprise",
        subject_kind="organization",
        achievement_type="QualityAssuranceCredential",
        description="For large organisations deploying AI internally at scale.",
        criteria="Passed a PSF compliance audit, with ongoing governance review.",
    ),
}


class TierPolicy(msgspec.Struct, frozen=True):
    """The unpublished numbers, taken from Settings."""

    aida_pass_mark_percent: int
    cpaa_min_panel_size: int
    cai_min_aida_staff: int
    validity_days: dict[str, int]
    cae_max_validity_days: int
    cae_governance_grace_days: int = 30
    # How long an assessment can back an issuance, from when it was assessed (ASSESSMENT_MAX_AGE_DAYS).
    assessment_max_age_days: int = 1095


class AssessmentFact(msgspec.Struct, frozen=True):
    id: str
    kind: AssessmentKind
    outcome: str
    assessed_at: datetime
    details: dict[str, object]
    # Set when a credential issued on it was revoked for assessment_invalidated or misconduct.
    invalidated_at: datetime | None = None
    invalidated_reason: str | None = None


class HeldCredential(msgspec.Struct, frozen=True):
    """A credential the subject holds; `status` is the one judgement's (services.judgement.held_credentials), so
    a key-compromised or rule-suspended credential is never "active" here."""

    id: str
    tier: Tier
    status: str
    valid_from: datetime
    valid_until: datetime

    def is_active(self, now: datetime) -> bool:
        return self.status == "active" and self.valid_from <= now < self.valid_until


class SubjectFacts(msgspec.Struct, frozen=True):
    assessments: list[AssessmentFact]
    credentials: list[HeldCredential]
    # CAI only: linked staff who hold an active AIDA right now.
    aida_staff_count: int = 0


class EvidenceRef(msgspec.Struct, frozen=True):
    name: str
    digest: str  # lowercase hex SHA-256 of the reviewed package; the content never reaches us
    assessed_at: datetime


class Qualification(msgspec.Struct, frozen=True):
    """What a passed rule yields: the dates and the evidence the credential will cite."""

    tier: Tier
    valid_from: datetime
    valid_until: datetime
    evidence: list[EvidenceRef]
    assessment_ids: list[str]
    prerequisite_id: str | None = None


def _latest(facts: SubjectFacts, kind: AssessmentKind, outcomes: tuple[str, ...]) -> AssessmentFact | None:
    matching = [a for a in facts.assessments if a.kind == kind and a.outcome in outcomes and a.invalidated_at is None]
    return max(matching, key=lambda a: a.assessed_at, default=None)


def _why_unusable(
    assessment: AssessmentFact, policy: TierPolicy, now: datetime, *, check_age: bool = True
) -> str | None:
    """Why an assessment may not back an issuance now (evidence has a life), or None when it may."""
    label = f"the {assessment.kind.replace('_', ' ')} of {assessment.assessed_at.date().isoformat()}"
    if assessment.invalidated_at is not None:
        return f"{label} was invalidated ({assessment.invalidated_reason})"
    if check_age and assessment.assessed_at < now - timedelta(days=policy.assessment_max_age_days):
        return f"{label} is older than {policy.assessment_max_age_days} days"
    return None


def _usable(
    candidates: list[AssessmentFact], policy: TierPolicy, now: datetime, *, check_age: bool = True
) -> tuple[list[AssessmentFact], str]:
    """The candidates that may back an issuance now, and a note naming why the others may not ('' when none)."""
    reasons = {a.id: _why_unusable(a, policy, now, check_age=check_age) for a in candidates}
    refused = [r for r in reasons.values() if r is not None]
    note = f" ({'; '.join(refused)})" if refused else ""
    return [a for a in candidates if reasons[a.id] is None], note


def _panel_size(interview: AssessmentFact) -> int:
    panel = interview.details.get("panelMemberIds")
    return len(set(panel)) if isinstance(panel, list) else 0


def _active(facts: SubjectFacts, tier: Tier, now: datetime) -> HeldCredential | None:
    return next((c for c in facts.credentials if c.tier == tier and c.is_active(now)), None)


def _evidence(assessment: AssessmentFact, name: str) -> list[EvidenceRef]:
    digest = assessment.details.get("evidenceDigest")
    return (
        [EvidenceRef(name=name, digest=digest, assessed_at=assessment.assessed_at)] if isinstance(digest, str) else []
    )


def meets_pass_mark(score: int, max_score: int, policy: TierPolicy) -> bool:
    """Integer arithmetic, so 70% of 10 is exactly 7 with no float rounding at the boundary."""
    return max_score > 0 and score * 100 >= policy.aida_pass_mark_percent * max_score


def exam_passed(exam: AssessmentFact, policy: TierPolicy) -> bool:
    score, max_score = exam.details.get("score"), exam.details.get("maxScore")
    return isinstance(score, int) and isinstance(max_score, int) and meets_pass_mark(score, max_score, policy)


# C901: one branch per tier; issue 9 replaces it with a registry of one small rule function per tier
def check_tier_rule(tier: Tier, facts: SubjectFacts, policy: TierPolicy, now: datetime) -> Qualification:  # noqa: C901
    """Apply the tier's rule; raise TierRuleError naming the rule and everything missing."""
    missing: list[str] = []
    evidence: list[EvidenceRef] = []
    used: list[str] = []
    prerequisite: HeldCredential | None = None
    valid_until = now + timedelta(days=policy.validity_days.get(tier, 365))

    if tier == "AIDA":
        rule = f"a passed AIDA exam (pass mark {policy.aida_pass_mark_percent}%)"
        exams = [a for a in facts.assessments if a.kind == "exam"]
        passed, note = _usable([a for a in exams if exam_passed(a, policy)], policy, now)
        if not passed:
            missing.append(("an exam result at or above the pass mark" if exams else "an exam result") + note)
        else:
            used.append(max(passed, key=lambda a: a.assessed_at).id)
    elif tier in ("CPAP", "CPAA"):
        builds_on: Tier = "AIDA" if tier == "CPAP" else "CPAP"
        reviews: list[tuple[AssessmentKind, str]] = (
            [("deployment_review", "Production deployment review")]
            if tier == "CPAP"
            else [
                ("portfolio_review", "Portfolio review"),
                ("panel_interview", "Practitioner panel interview"),
            ]
        )
        rule = f"an active {builds_on} plus " + " and ".join(f"an approved {k.replace('_', ' ')}" for k, _ in reviews)
        if tier == "CPAA":
            rule += f" (panel of at least {policy.cpaa_min_panel_size})"
        prerequisite = _active(facts, builds_on, now)
        if prerequisite is None:
            missing.append(f"an active {builds_on} credential")
        for kind, name in reviews:
            approved, note = _usable(
                [a for a in facts.assessments if a.kind == kind and a.outcome in ("approved", "passed")], policy, now
            )
            if kind == "panel_interview":
                sized = [a for a in approved if _panel_size(a) >= policy.cpaa_min_panel_size]
                if approved and not sized:
                    largest = max(_panel_size(a) for a in approved)
                    missing.append(
                        f"a panel of at least {policy.cpaa_min_panel_size} members (the interview had {largest})"
                    )
                    continue
                approved = sized
            if not approved:
                missing.append(f"an approved {kind.replace('_', ' ')}{note}")
                continue
            found = max(approved, key=lambda a: a.assessed_at)
            used.append(found.id)
            evidence += _evidence(found, name)
    elif tier == "CAI":
        rule = (
            f"at least {policy.cai_min_aida_staff} staff holding an active AIDA "
            "plus an approved client-deliverables review"
        )
        if facts.aida_staff_count < policy.cai_min_aida_staff:
            missing.append(
                f"{policy.cai_min_aida_staff - facts.aida_staff_count} more staff member(s) holding an active AIDA "
                f"({facts.aida_staff_count} of {policy.cai_min_aida_staff})"
            )
        reviews_found, note = _usable(
            [a for a in facts.assessments if a.kind == "deliverables_review" and a.outcome in ("approved", "passed")],
            policy,
            now,
        )
        review = max(reviews_found, key=lambda a: a.assessed_at, default=None)
        if review is None:
            missing.append(f"an approved client-deliverables review{note}")
        else:
            used.append(review.id)
            evidence += _evidence(review, "Client deliverables review")
    else:
        rule = "a passed compliance audit, with the next governance review not yet due"
        # A CAE's freshness is its governance-review cadence (nextReviewDue), so audits are not aged here.
        audits, note = _usable(
            [a for a in facts.assessments if a.kind == "compliance_audit" and a.outcome in ("passed", "approved")],
            policy,
            now,
            check_age=False,
        )
        audit = max(audits, key=lambda a: a.assessed_at, default=None)
        if audit is None:
            missing.append(f"a passed compliance audit{note}")
        else:
            used.append(audit.id)
            evidence += _evidence(audit, "PSF compliance audit")
            governance = [a for a in (audit, _latest(facts, "governance_review", ("approved", "passed"))) if a]
            latest = max(governance, key=lambda a: a.assessed_at)
            due = _parse_due(latest.details.get("nextReviewDue"))
            if due is None:
                missing.append("a next governance review due date")
            elif due <= now:
                missing.append(f"a governance review: the one due {due.date().isoformat()} is overdue")
            else:
                # Valid through the grace period after the review falls due; the lifecycle rules suspend it then.
                # plus_days saturates: a review due 9999-12-31 overflowed here and made the whole registry 500.
                grace_ends = plus_days(due, policy.cae_governance_grace_days)
                valid_until = min(grace_ends, plus_days(now, policy.cae_max_validity_days))
            if latest is not audit:
                used.append(latest.id)

    if missing:
        raise TierRuleError(tier, rule, missing)
    return Qualification(
        tier=tier,
        valid_from=now,
        valid_until=valid_until,
        evidence=evidence,
        assessment_ids=used,
        prerequisite_id=prerequisite.id if prerequisite else None,
    )


def _parse_due(value: object) -> datetime | None:
    """Due dates arrive as RFC 3339 timestamps or plain dates (taken as midnight UTC)."""
    if not isinstance(value, str):
        return None
    for kind in (datetime, date):
        try:
            parsed = msgspec.convert(value, kind)
        except msgspec.ValidationError:
            continue
        if isinstance(parsed, datetime):
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return datetime.combine(parsed, time(), tzinfo=UTC)
    return None
