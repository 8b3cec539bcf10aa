"""Admin API: holders, organisations, assessments, issuance and API keys. Every route needs a scoped API key."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, TypeVar
from uuid import UUID

import msgspec
from litestar import Response, delete, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from verify_api.api.deps import Call, Conn, Now
from verify_api.api.openapi_examples import EXAMPLE_HOLDER_ID, EXAMPLE_ORGANIZATION_ID
from verify_api.api.routes import example, scoped
from verify_api.api_key_schemas import (
    ApiKeyList,
    ApiKeyScope,
    ApiKeyStatus,
    ApiKeyView,
    CreateApiKeyRequest,
    IssuedApiKeyView,
    RotateApiKeyRequest,
)
from verify_api.assessment_schemas import (
    AssessmentRequest,
    AssessmentView,
    ComplianceAudit,
    DeploymentReview,
    ExamResult,
)
from verify_api.db.records import ApiKeyRecord, CredentialRecord
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
from verify_api.services import api_clients, issuance, subjects
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
    "private (never in a credential or a public answer; staff reads show it). Assessments and credentials then refer "
    "to its id.",
    body_examples=[
        example("A person", CreateHolderRequest(display_name="Ada Lovelace", email="ada@example.com")),
        example("Listed in the public registry", CreateHolderRequest(display_name="Grace Hopper", public_listing=True)),
    ],
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
    body_examples=[
        example(
            "A consultancy",
            CreateOrganizationRequest(
                name="Acme AI Consulting", kind="consultancy", website="https://acme.example.com", country="GB"
            ),
        ),
        example("An enterprise", CreateOrganizationRequest(name="Globex Manufacturing", kind="enterprise")),
    ],
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
    body_examples=[example("A lead consultant", LinkStaffRequest(holder_id=EXAMPLE_HOLDER_ID, role="Lead consultant"))],
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
    body_examples=[
        example(
            "An exam passed", ExamResult(holder_id=EXAMPLE_HOLDER_ID, score=86, max_score=100, exam_version="2026.1")
        ),
        example(
            "A deployment review approved",
            DeploymentReview(
                holder_id=EXAMPLE_HOLDER_ID,
                assessor_ids=["assessor-17"],
                outcome="approved",
                evidence_digest="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            ),
        ),
        example(
            "An organisation's compliance audit passed",
            ComplianceAudit(
                organization_id=EXAMPLE_ORGANIZATION_ID,
                assessor_ids=["auditor-3", "auditor-8"],
                outcome="passed",
                evidence_digest="60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
                next_review_due=date(2027, 9, 30),
            ),
        ),
    ],
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
    body_examples=[
        example("An AIDA for a person", IssueCredentialRequest(tier="AIDA", holder_id=EXAMPLE_HOLDER_ID)),
        example(
            "A CAI for an organisation, JCS-signed",
            IssueCredentialRequest(tier="CAI", organization_id=EXAMPLE_ORGANIZATION_ID, cryptosuite="eddsa-jcs-2022"),
            description="The CAI needs three staff holding an AIDA (LinkStaff) and an approved deliverables review.",
        ),
    ],
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


def api_key_view(key: ApiKeyRecord, now: datetime) -> ApiKeyView:
    return ApiKeyView(
        id=key.id,
        name=key.name,
        prefix=key.key_prefix,
        scopes=msgspec.convert(key.scopes, list[ApiKeyScope]),
        status=msgspec.convert(api_clients.api_key_status(key, now), ApiKeyStatus),
        created_at=key.created_at,
        expires_at=key.expires_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
        rotated_at=key.rotated_at,
    )


def issued_key_view(issued: api_clients.IssuedApiKey, now: datetime) -> IssuedApiKeyView:
    return IssuedApiKeyView(api_key=api_key_view(issued.key, now), secret=issued.secret)


@scoped(
    get,
    "/api-keys",
    scope="manage",
    operation_id="ListApiKeys",
    summary="List the API keys",
    description="Every API key, revoked and expired ones included, with its last use (to within a minute); "
    "never a secret or its hash.",
)
async def list_api_keys(conn: Conn, now: Now) -> ApiKeyList:
    return ApiKeyList(api_keys=[api_key_view(k, now) for k in await api_clients.list_api_keys(conn)])


@scoped(
    post,
    "/api-keys",
    scope="manage",
    operation_id="CreateApiKey",
    summary="Create an API key",
    status_code=HTTP_201_CREATED,
    description="Create an API key with some of the scopes assess, issue, manage and an optional expiry. The "
    "answer holds the secret, shown this once and stored only as a hash.",
    body_examples=[
        example(
            "An issuing pipeline's key, for a year",
            CreateApiKeyRequest(
                name="CI issuing pipeline", scopes=["issue"], expires_at=datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC)
            ),
        ),
        example("An assessor's key", CreateApiKeyRequest(name="Assessment team", scopes=["assess"])),
    ],
)
async def create_api_key(conn: Conn, call: Call, data: JSONBody[CreateApiKeyRequest]) -> IssuedApiKeyView:
    issued = await api_clients.issue_api_key(
        conn, data.name, list(data.scopes), now=call.now, expires_at=data.expires_at, actor=call.actor
    )
    return issued_key_view(issued, call.now)


@scoped(
    post,
    "/api-keys/{key_id:uuid}/revoke",
    scope="manage",
    operation_id="RevokeApiKey",
    summary="Revoke an API key",
    problems=[409],
    status_code=200,
    description="Revoke an API key at once and for good: its next request gets 401. Revoking it again is 409.",
)
async def revoke_api_key(call: Call, conn: Conn, key_id: FromPath[UUID]) -> ApiKeyView:
    revoked = await api_clients.revoke_api_key(conn, key_id, now=call.now, actor=call.actor)
    return api_key_view(revoked, call.now)


@scoped(
    post,
    "/api-keys/{key_id:uuid}/rotate",
    scope="manage",
    operation_id="RotateApiKey",
    summary="Give an API key a new secret",
    problems=[409],
    status_code=200,
    description="Give an API key a new secret (shown this once); the old secret stops working at once. The key "
    "keeps its id, name and scopes, and its expiry unless the body gives a new `expiresAt` (an expired key needs "
    "one). A revoked key cannot be rotated (409).",
    body_examples=[
        example("Keep the expiry", RotateApiKeyRequest()),
        example("A new expiry", RotateApiKeyRequest(expires_at=datetime(2028, 6, 30, 0, 0, tzinfo=UTC))),
    ],
)
async def rotate_api_key(
    conn: Conn, call: Call, key_id: FromPath[UUID], data: JSONBody[RotateApiKeyRequest]
) -> IssuedApiKeyView:
    issued = await api_clients.rotate_api_key(conn, key_id, now=call.now, expires_at=data.expires_at, actor=call.actor)
    return issued_key_view(issued, call.now)


ADMIN_HANDLERS = [
    create_holder,
    create_organization,
    link_staff,
    unlink_staff,
    record_assessment,
    issue_credential,
    list_api_keys,
    create_api_key,
    revoke_api_key,
    rotate_api_key,
]
