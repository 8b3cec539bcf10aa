"""The PAI credential catalogue, the policy numbers, and the facts the tier rules (domain.tier_rules) read.

Pure: the facts about a subject are gathered by the services and passed in, together with `now`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

import msgspec

from verify_api.domain.assessment_details import AssessmentFact
from verify_api.domain.lifecycle import StoredStatus

Tier = Literal["AIDA", "CPAP", "CPAA", "CAI", "CAE"]
SubjectKind = Literal["person", "organization"]
OrganizationKind = Literal["consultancy", "enterprise"]

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


_CATALOGUE = (
    TierInfo(
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
    TierInfo(
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
    TierInfo(
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
    TierInfo(
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
    TierInfo(
        code="CAE",
        title="CAE: Certified AI Enterprise",
        subject_kind="organization",
        achievement_type="QualityAssuranceCredential",
        description="For large organisations deploying AI internally at scale.",
        criteria="Passed a PSF compliance audit, with ongoing governance review.",
    ),
)
# Keyed by each tier's code, written once in its entry; `builds_on` is the prerequisite the tier rule requires.
TIERS: Final[dict[str, TierInfo]] = {info.code: info for info in _CATALOGUE}


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


class HeldCredential(msgspec.Struct, frozen=True):
    """A credential the subject holds; `status` is the one judgement's (services.judgement.held_credentials), so
    a key-compromised or rule-suspended credential is never "active" here."""

    id: str
    tier: Tier
    status: StoredStatus
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
