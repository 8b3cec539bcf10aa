"""Wire structs of the staff reads and corrections (issue 11): holders, the register, the pending queue and the
organisations' standing, in cursor pages; a holder's correction and re-issue. The services return them as they are
(services/staff_reads.py, services/work_queues.py, services/corrections.py), so the console renders the same
structs the admin API answers with."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from verify_api.domain.tiers import OrganizationKind, Tier
from verify_api.domain.verdict import PublicStatus
from verify_api.holder_privacy_schemas import HolderPrivacyView
from verify_api.schemas import Email, Name, Request, Response

Cursor = Annotated[str | None, msgspec.Meta(description="pass as `cursor` to read the next page; null on the last")]
NextLink = Annotated[str | None, msgspec.Meta(description="the URL of the next page; null on the last")]
Standing = Literal["good", "at_risk", "suspended"]


class StaffHolderView(Response):
    """A holder as staff see it: the e-mail included (it never appears in a credential or a public answer)."""

    id: UUID
    display_name: str
    email: str | None
    public_listing: bool
    created_at: datetime


class HolderPage(Response):
    holders: list[StaffHolderView]
    next_cursor: Cursor = None
    next: NextLink = None


class StaffCredentialView(Response):
    """A register entry with the status the one judgement gives it now."""

    id: str
    tier: Tier
    status: PublicStatus
    status_reason: str | None
    subject_name: str
    holder_id: UUID | None
    organization_id: UUID | None
    verification_code: str
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    predecessor_id: str | None
    url: str


class CredentialPage(Response):
    credentials: list[StaffCredentialView]
    next_cursor: Cursor = None
    next: NextLink = None


class StaffAssessmentView(Response):
    id: UUID
    kind: str
    outcome: str
    assessed_at: datetime
    recorded_at: datetime
    details: dict[str, Any]
    invalidated_at: datetime | None = None
    invalidated_reason: str | None = None


class HolderOverview(Response):
    """A holder with every credential (each judged now, oldest first) and every assessment (newest first);
    `outdated_names` lists the valid credentials whose name is not the holder's current one (what a re-issue
    would replace)."""

    holder: StaffHolderView
    credentials: list[StaffCredentialView]
    assessments: list[StaffAssessmentView]
    outdated_names: list[str]
    privacy: HolderPrivacyView | None = None  # the holder's own choices (issue 13; always set by GET /v1/holders/{id})


class PendingCredentialView(Response):
    """A subject whose evidence on record meets a tier's rule now, without a current credential of that tier."""

    tier: Tier
    subject_name: str
    holder_id: UUID | None
    organization_id: UUID | None
    assessment_ids: list[str]
    valid_until: datetime


class PendingPage(Response):
    pending: list[PendingCredentialView]
    next_cursor: Cursor = None
    next: NextLink = None


class OrganizationStandingView(Response):
    """A certified organisation, its current certification (judged now) and its standing under the organisation
    rules: `suspended` when the certification is judged suspended, `at_risk` when the rules find a shortfall that
    has not yet suspended it, else `good`."""

    id: UUID
    name: str
    kind: OrganizationKind
    country: str | None
    standing: Standing
    credential: StaffCredentialView
    reason: str | None = None
    since: datetime | None = None
    suspends_at: datetime | None = None
    detail: str | None = None


class OrganizationStandingPage(Response):
    organizations: list[OrganizationStandingView]
    next_cursor: Cursor = None
    next: NextLink = None


class HolderChangeRequest(Request):
    """PATCH /v1/holders/{id}: the fields to change (JSON merge patch, RFC 7396: a member left out stays as it is;
    `"email": null` removes the e-mail)."""

    display_name: Name | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType | None = msgspec.UNSET


class ReissueRequest(Request):
    note: Annotated[str, msgspec.Meta(max_length=2000, description="private; never shown publicly")] | None = None


class ReissueResult(Response):
    """One credential a re-issue looked at: `reissued` (its successor `newCredentialId` carries the current name),
    or `not_reissued` with the `problem` (a suspended credential, or a tier rule no longer met)."""

    credential_id: str
    tier: Tier
    outcome: Literal["reissued", "not_reissued"]
    new_credential_id: str | None = None
    problem: str | None = None


class HolderReissueView(Response):
    holder_id: UUID
    display_name: str
    results: list[ReissueResult]
