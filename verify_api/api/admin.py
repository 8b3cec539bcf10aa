"""Admin API: holders, organisations, assessments and issuance. Every route needs a scoped API key."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, delete, post
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from verify_api.api.auth import principal_of
from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.db.records import CredentialRecord
from verify_api.domain.credential import credential_url
from verify_api.schemas import (
    AssessmentRequest,
    AssessmentView,
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

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=200,
        description="Retrying with the same key and body returns the original credential instead of issuing again.",
    ),
]


@post(
    "/holders",
    opt={"scope": "assess"},
    security=[{"apiKey": []}],
    operation_id="CreateHolder",
    tags=["admin"],
)
async def create_holder(conn: Conn, data: JSONBody[CreateHolderRequest], now: Now) -> HolderView:
    holder = await subjects.create_holder(conn, data, now=now)
    return HolderView(
        id=holder.id,
        display_name=holder.display_name,
        public_listing=holder.public_listing,
        created_at=holder.created_at,
    )


@post(
    "/organizations",
    opt={"scope": "assess"},
    security=[{"apiKey": []}],
    operation_id="CreateOrganization",
    tags=["admin"],
)
async def create_organization(conn: Conn, data: JSONBody[CreateOrganizationRequest], now: Now) -> OrganizationView:
    org = await subjects.create_organization(conn, data, now=now)
    return OrganizationView(
        id=org.id,
        name=org.name,
        kind=org.kind,
        website=org.website,
        country=org.country,
        created_at=org.created_at,
    )


@post(
    "/organizations/{org_id:uuid}/staff",
    opt={"scope": "assess"},
    security=[{"apiKey": []}],
    operation_id="LinkStaff",
    tags=["admin"],
)
async def link_staff(
    conn: Conn, org_id: FromPath[UUID], data: JSONBody[LinkStaffRequest], runtime: RuntimeDep, now: Now
) -> StaffLinkView:
    link = await subjects.link_staff(conn, runtime, org_id, data, now=now)
    return StaffLinkView(
        organization_id=link.organization_id,
        holder_id=link.holder_id,
        role=link.role,
        linked_at=link.linked_at,
    )


@delete(
    "/organizations/{org_id:uuid}/staff/{holder_id:uuid}",
    opt={"scope": "assess"},
    security=[{"apiKey": []}],
    operation_id="UnlinkStaff",
    tags=["admin"],
    status_code=204,
    description="End a staff link (kept for history); the CAI staff rule is re-evaluated at once.",
)
async def unlink_staff(
    conn: Conn, org_id: FromPath[UUID], holder_id: FromPath[UUID], runtime: RuntimeDep, now: Now
) -> None:
    await subjects.unlink_staff(conn, runtime, org_id, holder_id, now=now)


@post(
    "/assessments",
    opt={"scope": "assess"},
    security=[{"apiKey": []}],
    operation_id="RecordAssessment",
    tags=["admin"],
)
async def record_assessment(
    request: Request[Any, Any, Any],
    conn: Conn,
    data: JSONBody[AssessmentRequest],
    runtime: RuntimeDep,
    now: Now,
) -> AssessmentView:
    saved = await subjects.record_assessment(conn, runtime, data, now=now, recorded_by=principal_of(request).client_id)
    return AssessmentView(
        id=saved.id,
        kind=saved.kind,
        holder_id=saved.holder_id,
        organization_id=saved.organization_id,
        outcome=saved.outcome,
        assessed_at=saved.assessed_at,
        recorded_at=saved.recorded_at,
    )


def issued_view(record: CredentialRecord, base_url: str) -> IssuedCredentialView:
    url = credential_url(base_url, record.id)
    return IssuedCredentialView(
        id=record.id,
        tier=record.tier,
        status=record.status,
        verification_code=record.verification_code,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        url=url,
        vc_url=f"{url}/vc",
        verifiable_credential=msgspec.Raw(record.document),
    )


@post(
    "/credentials",
    opt={"scope": "issue"},
    security=[{"apiKey": []}],
    operation_id="IssueCredential",
    tags=["admin"],
    status_code=HTTP_201_CREATED,
    description="Issue a credential of a tier once the subject meets its rule. Honours Idempotency-Key.",
)
async def issue_credential(
    request: Request[Any, Any, Any],
    conn: Conn,
    data: JSONBody[IssueCredentialRequest],
    runtime: RuntimeDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> Response[IssuedCredentialView]:
    origin = issuance.IssueOrigin(client_id=principal_of(request).client_id, idempotency_key=idempotency_key)
    outcome = await issuance.issue_credential(conn, runtime, data, now=now, origin=origin)
    view = issued_view(outcome.credential, runtime.settings.base_url)
    headers = {"Location": view.url}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    # A replay answers exactly as the original did (201), flagged so clients can tell.
    return Response(view, status_code=HTTP_201_CREATED, headers=headers)


ADMIN_HANDLERS = [create_holder, create_organization, link_staff, unlink_staff, record_assessment, issue_credential]
