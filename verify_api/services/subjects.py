"""Holders, organisations and their staff links, and the assessments recorded against them.

Linking or unlinking staff and recording an assessment are commands: each re-evaluates the organisation's rules
(the CAI staff rule, the CAE governance review) and writes the audit checkpoint that falls due in its own
transaction, so the write and what it triggers commit together or not at all."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import msgspec

from verify_api.assessment_schemas import AssessmentRequest, ComplianceAudit, ExamResult, GovernanceReview
from verify_api.db.assessments import Assessments
from verify_api.db.events import Events
from verify_api.db.holders import Holders
from verify_api.db.organizations import Organizations
from verify_api.db.records import AssessmentRecord, HolderRecord, OrganizationRecord, StaffLinkRecord
from verify_api.domain.assessment_details import AssessmentDetails, AssessmentOutcome
from verify_api.domain.instant import utc_instant
from verify_api.domain.tier_rules import meets_pass_mark
from verify_api.errors import InvalidInputError, NotFoundError, OrganizationNotFoundError
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.organization_rules import evaluate_organization
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.domain.tiers import TierPolicy
    from verify_api.schemas import CreateHolderRequest, CreateOrganizationRequest, LinkStaffRequest
    from verify_api.services.context import ServiceContext


def holder_record(request: CreateHolderRequest, *, now: datetime, holder_id: UUID | None = None) -> HolderRecord:
    """The holder a request creates, checked (also for bulk issuance's new holders)."""
    record = HolderRecord(
        id=holder_id or uuid4(),
        display_name=request.display_name.strip(),
        email=request.email,
        public_listing=request.public_listing,
        created_at=now,
    )
    if not record.display_name:
        raise InvalidInputError("displayName must not be blank")
    return record


async def create_holder(conn: Connection, request: CreateHolderRequest, *, now: datetime) -> HolderRecord:
    return await Holders(conn).insert(holder_record(request, now=now))


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
    conn: Connection, ctx: ServiceContext, org_id: UUID, request: LinkStaffRequest, *, now: datetime
) -> StaffLinkRecord:
    holder_id, role = request.holder_id, request.role

    async def command() -> StaffLinkRecord:
        if await Organizations(conn).get(org_id) is None:
            raise OrganizationNotFoundError(f"no organisation has id {org_id}")
        link = await Organizations(conn).link_staff(org_id, holder_id, role, now)
        await Events(conn).append(kind="staff_linked", occurred_at=now, organization_id=org_id, data={"role": role})
        await _after_organization_write(conn, ctx, org_id, now)
        return link

    return await run_in_transaction(conn, command)


async def unlink_staff(conn: Connection, ctx: ServiceContext, org_id: UUID, holder_id: UUID, *, now: datetime) -> None:
    async def command() -> None:
        if not await Organizations(conn).unlink_staff(org_id, holder_id, now):
            raise NotFoundError(f"holder {holder_id} is not on the staff of organisation {org_id}")
        await Events(conn).append(kind="staff_unlinked", occurred_at=now, organization_id=org_id, data={})
        await _after_organization_write(conn, ctx, org_id, now)

    await run_in_transaction(conn, command)


async def _after_organization_write(conn: Connection, ctx: ServiceContext, org_id: UUID | None, now: datetime) -> None:
    """The follow-ups of a write about an organisation, in the caller's transaction: its rules, then the checkpoint."""
    if org_id is not None:
        await evaluate_organization(conn, ctx, org_id, now=now)
    await checkpoint_after_write(conn, ctx, now=now)


def _outcome(request: AssessmentRequest, policy: TierPolicy) -> AssessmentOutcome:
    if isinstance(request, ExamResult):
        if request.score > request.max_score:
            raise InvalidInputError(f"score {request.score} exceeds maxScore {request.max_score}")
        return "passed" if meets_pass_mark(request.score, request.max_score, policy) else "failed"
    return request.outcome


def assessment_record(request: AssessmentRequest, policy: TierPolicy, *, now: datetime) -> AssessmentRecord:
    """The assessment a request records, checked (also for bulk issuance's exam results)."""
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
    return AssessmentRecord(
        id=uuid4(),
        kind=details.kind,
        holder_id=holder_id,
        organization_id=organization_id,
        outcome=outcome,
        assessed_at=assessed_at,
        details=details,
        recorded_at=now,
    )


async def record_assessment(
    conn: Connection, ctx: ServiceContext, request: AssessmentRequest, *, now: datetime, recorded_by: UUID | None
) -> AssessmentRecord:
    """Record an assessment; one about an organisation re-evaluates its rules in the same transaction (a
    governance review lifts an overdue suspension and renews the CAE at once)."""
    record = assessment_record(request, ctx.policy, now=now)
    organization_id, outcome = record.organization_id, record.outcome

    async def command() -> AssessmentRecord:
        saved = await Assessments(conn).insert(record, recorded_by)
        await Events(conn).append(
            kind="assessment_recorded",
            occurred_at=now,
            organization_id=organization_id,
            actor=recorded_by,
            data={"assessment": str(saved.id), "kind": saved.kind, "outcome": outcome},
        )
        await _after_organization_write(conn, ctx, organization_id, now)
        return saved

    return await run_in_transaction(conn, command)
