"""Holders, organisations and their staff links, and the assessments recorded against them."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import msgspec

from verify_api.db.assessments import Assessments
from verify_api.db.events import Events
from verify_api.db.holders import Holders
from verify_api.db.organizations import Organizations
from verify_api.db.records import AssessmentRecord, HolderRecord, OrganizationRecord, StaffLinkRecord
from verify_api.domain.assessment_details import AssessmentDetails, AssessmentOutcome
from verify_api.domain.instant import utc_instant
from verify_api.domain.tier_rules import meets_pass_mark
from verify_api.errors import InvalidInputError, NotFoundError, OrganizationNotFoundError
from verify_api.schemas import (
    AssessmentRequest,
    ComplianceAudit,
    CreateHolderRequest,
    CreateOrganizationRequest,
    ExamResult,
    GovernanceReview,
)

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.domain.tiers import TierPolicy


async def create_holder(conn: Connection, request: CreateHolderRequest, *, now: datetime) -> HolderRecord:
    record = HolderRecord(
        id=uuid4(),
        display_name=request.display_name.strip(),
        email=request.email,
        public_listing=request.public_listing,
        created_at=now,
    )
    if not record.display_name:
        raise InvalidInputError("displayName must not be blank")
    return await Holders(conn).insert(record)


async def create_organization(
    conn: Connection, request: CreateOrganizationRequest, *, now: datetime
) -> OrganizationRecord:
    if not request.name.strip():
        raise InvalidInputError("name must not be blank")
    record = OrganizationRecord(
        id=uuid4(),
        name=request.name.strip(),
        kind=request.kind,
        website=request.website,
        country=request.country,
        created_at=now,
    )
    return await Organizations(conn).insert(record)


async def link_staff(
    conn: Connection, org_id: UUID, holder_id: UUID, role: str | None, *, now: datetime
) -> StaffLinkRecord:
    async with conn.transaction():
        if await Organizations(conn).get(org_id) is None:
            raise OrganizationNotFoundError(f"no organisation has id {org_id}")
        link = await Organizations(conn).link_staff(org_id, holder_id, role, now)
        await Events(conn).append(kind="staff_linked", occurred_at=now, organization_id=org_id, data={"role": role})
        return link


async def unlink_staff(conn: Connection, org_id: UUID, holder_id: UUID, *, now: datetime) -> None:
    async with conn.transaction():
        if not await Organizations(conn).unlink_staff(org_id, holder_id, now):
            raise NotFoundError(f"holder {holder_id} is not on the staff of organisation {org_id}")
        await Events(conn).append(kind="staff_unlinked", occurred_at=now, organization_id=org_id, data={})


def _outcome(request: AssessmentRequest, policy: TierPolicy) -> AssessmentOutcome:
    if isinstance(request, ExamResult):
        if request.score > request.max_score:
            raise InvalidInputError(f"score {request.score} exceeds maxScore {request.max_score}")
        return "passed" if meets_pass_mark(request.score, request.max_score, policy) else "failed"
    return request.outcome


async def record_assessment(
    conn: Connection,
    request: AssessmentRequest,
    *,
    policy: TierPolicy,
    now: datetime,
    recorded_by: UUID | None,
) -> AssessmentRecord:
    outcome = _outcome(request, policy)
    assessed_at = request.assessed_at or now
    if assessed_at.tzinfo is None:
        raise InvalidInputError("assessedAt must carry a timezone offset, e.g. 2026-11-27T10:00:00Z")
    assessed_at = utc_instant(assessed_at, what="assessedAt")
    if assessed_at > now:
        raise InvalidInputError("assessedAt is in the future")
    if isinstance(request, ComplianceAudit | GovernanceReview) and request.next_review_due <= now.date():
        raise InvalidInputError("nextReviewDue must be in the future")
    # The same typed union the tier rules read back (domain.assessment_details): the wire fields minus the
    # columns of their own (subject, outcome, dates), which the union does not declare.
    details = msgspec.convert(msgspec.to_builtins(request), AssessmentDetails)
    holder_id: UUID | None = getattr(request, "holder_id", None)
    organization_id: UUID | None = getattr(request, "organization_id", None)
    record = AssessmentRecord(
        id=uuid4(),
        kind=details.kind,
        holder_id=holder_id,
        organization_id=organization_id,
        outcome=outcome,
        assessed_at=assessed_at,
        details=details,
        recorded_at=now,
    )
    async with conn.transaction():
        saved = await Assessments(conn).insert(record, recorded_by)
        await Events(conn).append(
            kind="assessment_recorded",
            occurred_at=now,
            organization_id=organization_id,
            actor=recorded_by,
            data={"assessment": str(saved.id), "kind": saved.kind, "outcome": outcome},
        )
    return saved
