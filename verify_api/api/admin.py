"""Admin API: holders, organisations, assessments and issuance. Every route needs a scoped API key."""

from __future__ import annotations

from typing import Annotated, TypeVar
from uuid import UUID

import msgspec
from litestar import Response, delete, post
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from verify_api.api.deps import Call, Conn, Now
from verify_api.api.routes import scoped
from verify_api.assessment_schemas import AssessmentRequest, AssessmentView
from verify_api.db.records import CredentialRecord
from verify_api.domain.credential import credential_url
from verify_api.schemas import (
    CreateHolderRequest,
    CreateOrganizationRequest,
    HolderView,
    IssueCredentialRequest,
    IssuedCredentialView,
    LinkStaffRequest,
    OrganizationView,
    StaffLinkView,
)
from verify_api.services import issuance, subjects
from verify_api.services.registry import credential_summary

V = TypeVar("V", bound=msgspec.Struct)

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=200,
        description="Retrying with the same key and body returns the original credential instead of issuing again.",
    ),
]


@scoped(
    post,
    "/holders",
    scope="assess",
    operation_id="CreateHolder",
    summary="Register a person who can earn credentials",
    description="Create a holder (a person): the name shown on their credentials and, optionally, an email kept "
    "private (never in a credential or an answer). Assessments and credentials then refer to its id.",
)
async def create_holder(conn: Conn, data: JSONBody[CreateHolderRequest], now: Now) -> HolderView:
    holder = await subjects.create_holder(conn, data, now=now)
    return view_of(holder, HolderView)


@scoped(
    post,
    "/organizations",
    scope="assess",
    operation_id="CreateOrganization",
    summary="Register an organisation",
    description="Create an organisation (a consultancy or an enterprise) that can hold the CAI or CAE designation and "
    "appear in the public registry.",
)
async def create_organization(conn: Conn, data: JSONBody[CreateOrganizationRequest], now: Now) -> OrganizationView:
    org = await subjects.create_organization(conn, data, now=now)
    return view_of(org, OrganizationView)


@scoped(
    post,
    "/organizations/{org_id:uuid}/staff",
    scope="assess",
    operation_id="LinkStaff",
    summary="Link a credentialed person to an organisation as staff",
    description="Record that a holder works for the organisation (the CAI tier needs certified staff). The staff "
    "rule of the organisation's designation is re-evaluated at once.",
    problems=[409],
)
async def link_staff(conn: Conn, call: Call, org_id: FromPath[UUID], data: JSONBody[LinkStaffRequest]) -> StaffLinkView:
    link = await subjects.link_staff(conn, call.ctx, org_id, data, now=call.now)
    return view_of(link, StaffLinkView)


@scoped(
    delete,
    "/organizations/{org_id:uuid}/staff/{holder_id:uuid}",
    scope="assess",
    operation_id="UnlinkStaff",
    status_code=204,
    summary="End a staff link",
    description="End a staff link (kept for history); the CAI staff rule is re-evaluated at once.",
    problems=[409],
)
async def unlink_staff(conn: Conn, call: Call, org_id: FromPath[UUID], holder_id: FromPath[UUID]) -> None:
    await subjects.unlink_staff(conn, call.ctx, org_id, holder_id, now=call.now)


@scoped(
    post,
    "/assessments",
    scope="assess",
    operation_id="RecordAssessment",
    summary="Record an assessment (exam, review, audit)",
    description="Record the outcome of an assessment of a holder or an organisation: an exam score, a portfolio "
    "or deployment review, a panel interview, a compliance audit. Issuance checks a tier's rule against these.",
    problems=[404, 409],
)
async def record_assessment(conn: Conn, call: Call, data: JSONBody[AssessmentRequest]) -> AssessmentView:
    saved = await subjects.record_assessment(conn, call.ctx, data, now=call.now, recorded_by=call.actor)
    return view_of(saved, AssessmentView)


def view_of(record: object, view: type[V]) -> V:
    """The response struct of a stored record: the record's attributes the view declares, nothing more (a holder's
    email never leaves)."""
    return msgspec.convert(record, view, from_attributes=True)


def issued_view(record: CredentialRecord, base_url: str) -> IssuedCredentialView:
    return credential_summary(
        record,
        record.status,
        base_url,
        IssuedCredentialView,
        verification_code=record.verification_code,
        vc_url=f"{credential_url(base_url, record.id)}/vc",
        verifiable_credential=msgspec.Raw(record.document),
    )


@scoped(
    post,
    "/credentials",
    scope="issue",
    operation_id="IssueCredential",
    status_code=HTTP_201_CREATED,
    summary="Issue a PAI certification",
    description="Issue a signed credential of a tier (AIDA, CPAP, CPAA, CAI, CAE) once the subject meets its rule "
    "(422 `tier-rule-not-met` names the rule and what is missing). Honours Idempotency-Key: a retry with the same "
    "key and body answers the original credential (201, `Idempotent-Replayed: true`); the same key with another "
    "body is a 409.",
    problems=[404, 409],
)
async def issue_credential(
    conn: Conn, call: Call, data: JSONBody[IssueCredentialRequest], idempotency_key: IdempotencyKey = None
) -> Response[IssuedCredentialView]:
    origin = issuance.IssueOrigin(client_id=call.actor, idempotency_key=idempotency_key)
    outcome = await issuance.issue_credential(conn, call.ctx, data, now=call.now, origin=origin)
    view = issued_view(outcome.credential, call.ctx.settings.base_url)
    headers = {"Location": view.url}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    # A replay answers exactly as the original did (201), flagged so clients can tell.
    return Response(view, status_code=HTTP_201_CREATED, headers=headers)


ADMIN_HANDLERS = [create_holder, create_organization, link_staff, unlink_staff, record_assessment, issue_credential]
