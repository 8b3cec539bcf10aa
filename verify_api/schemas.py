"""Wire structs (camelCase JSON). Request structs forbid unknown fields so a typo is an error, not a silent drop."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args
from uuid import UUID

import msgspec

from verify_api.domain.lifecycle import PUBLIC_EVENTS, REASONS, Action
from verify_api.domain.tiers import OrganizationKind, SubjectKind, Tier
from verify_api.domain.verdict import PUBLIC_REASONS, RULE_SUSPENSIONS, PublicStatus, State
from verify_api.problem_types import VERIFICATION_PROBLEM_TYPES
from verify_api.settings import Cryptosuite

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]


def code_of(codes: tuple[str, ...], description: str) -> msgspec.Meta:
    """A closed set of codes that stays a `str` in Python (its one list is a tuple of domain/), declared in the OpenAPI
    document as an enum of exactly that tuple (tests/unit/test_openapi_contract.py compares the two; for a field that
    may be null, api.openapi_schema adds null to the enum)."""
    return msgspec.Meta(max_length=50, extra_json_schema={"description": description, "extra": {"enum": list(codes)}})


# A public reason code of a credential's status (domain.verdict.PUBLIC_REASONS), on a field that may be null.
PublicReason = Annotated[str, code_of(PUBLIC_REASONS, "a public reason code of the status")]

# For a struct whose field is a plain str in Python (verification.report, verification.register_facts) but a closed
# set on the wire: a tier, a register state (domain.verdict.State), a subject kind.
TierCode = Annotated[str, code_of(get_args(Tier), "a PAI tier")]
StateCode = Annotated[str, code_of(get_args(State), "the register's state of the credential now")]
SubjectKindCode = Annotated[str, code_of(get_args(SubjectKind), "a person or an organisation")]

VerificationProblemType = Annotated[
    str,
    msgspec.Meta(
        extra_json_schema={
            "description": "a W3C or PAI problem type URL",
            "extra": {"enum": list(VERIFICATION_PROBLEM_TYPES)},
        }
    ),
]


def reason_of(action: Action) -> msgspec.Meta:
    """The `reason` of a status change: a str on the wire, so a code outside domain.lifecycle.REASONS[action] is the
    domain's 422 problem listing the action's own codes (not msgspec's bare 400); an enum of those in the document."""
    codes = REASONS[action]
    return msgspec.Meta(
        min_length=1,
        max_length=50,
        extra_json_schema={"description": f"why: one of {', '.join(codes)}", "extra": {"enum": list(codes)}},
    )


class Request(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    pass


class Response(msgspec.Struct, rename="camel", omit_defaults=False):
    pass


# ---- subjects
class CreateHolderRequest(Request):
    display_name: Name
    email: Email | None = None
    public_listing: bool = False


class HolderView(Response):
    id: UUID
    display_name: str
    public_listing: bool
    created_at: datetime


class CreateOrganizationRequest(Request):
    name: Name
    kind: OrganizationKind
    website: Annotated[str, msgspec.Meta(pattern=r"^https?://\S+$", max_length=500)] | None = None
    country: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")] | None = None


class OrganizationView(Response):
    id: UUID
    name: str
    kind: OrganizationKind
    website: str | None
    country: str | None
    created_at: datetime


class LinkStaffRequest(Request):
    holder_id: UUID
    role: Annotated[str, msgspec.Meta(max_length=100)] | None = None


class StaffLinkView(Response):
    organization_id: UUID
    holder_id: UUID
    role: str | None
    linked_at: datetime


# ---- issuance
class IssueCredentialRequest(Request):
    tier: Tier
    holder_id: UUID | None = None
    organization_id: UUID | None = None
    cryptosuite: Cryptosuite | None = None


class CredentialSummaryView(Response):
    """A credential of the register as a list shows it (services.registry.credential_summary builds it)."""

    id: str
    tier: Tier
    status: PublicStatus
    valid_from: datetime
    valid_until: datetime
    url: str


class IssuedCredentialView(CredentialSummaryView):
    verification_code: str
    vc_url: str
    verifiable_credential: msgspec.Raw


# ---- public lookup
class Check(msgspec.Struct, rename="camel", omit_defaults=True):
    name: str
    result: Literal["passed", "failed", "could not check"]
    detail: str
    # The W3C problem type a failure maps to where a check's name alone does not say it (e.g. VC Data Integrity
    # DATA_LOSS_DETECTION_ERROR for a format failure, PARSING_ERROR); the VC API reports it as the problem's type.
    problem_type: VerificationProblemType | None = None


class IssuerView(Response):
    id: str
    name: str


class SubjectView(Response):
    name: str
    kind: SubjectKind


class CredentialView(Response):
    id: str
    url: str
    tier: Tier
    title: str
    status: PublicStatus
    status_reason: PublicReason | None
    subject: SubjectView
    issuer: IssuerView
    valid_from: datetime
    valid_until: datetime
    verification_code: str
    verified: bool
    checks: list[Check]
    superseded_by: str | None = None
    current: str | None = None
    notices: list[str] = []
    at: datetime | None = None


class HistoryEntry(Response):
    at: datetime
    event: Annotated[str, code_of(PUBLIC_EVENTS, "what happened")]
    reason: PublicReason | None = None


class CredentialHistoryView(Response):
    id: str
    events: list[HistoryEntry]


Note = Annotated[str, msgspec.Meta(max_length=2000, description="private; never shown publicly")]


class StatusChangeRequest(Request):
    """A status change's body; each action declares its own subclass, whose `reason` lists that action's codes."""

    reason: str
    note: Note | None = None


class SuspendCredentialRequest(StatusChangeRequest):
    reason: Annotated[str, reason_of("suspend")]


class ReinstateCredentialRequest(StatusChangeRequest):
    reason: Annotated[str, reason_of("reinstate")]


class RevokeCredentialRequest(StatusChangeRequest):
    reason: Annotated[str, reason_of("revoke")]


class RenewCredentialRequest(StatusChangeRequest):
    reason: Annotated[str, reason_of("renew")]


STATUS_CHANGE_REQUESTS: dict[Action, type[StatusChangeRequest]] = {
    "suspend": SuspendCredentialRequest,
    "reinstate": ReinstateCredentialRequest,
    "revoke": RevokeCredentialRequest,
    "renew": RenewCredentialRequest,
}


class RegistryCredentialView(CredentialSummaryView):
    pass


class StandingView(Response):
    at_risk: bool
    reason: Annotated[str, code_of(tuple(RULE_SUSPENSIONS), "the rule at risk")] | None = None
    since: datetime | None = None
    suspends_at: datetime | None = None
    detail: str | None = None


class RegistryEntryView(Response):
    id: UUID
    name: str
    kind: OrganizationKind
    country: str | None
    website: str | None
    certification_status: Literal["certified", "not certified"]
    credentials: list[RegistryCredentialView]
    standing: StandingView | None = None


RegistryStatusFilter = Literal["certified", "at-risk", "not-certified"]


class RegistrySearchView(Response):
    query: str
    results: list[RegistryEntryView]
    # issue 14: the filters applied and the page; `next_offset` is where the next page starts (None: last page)
    designation: Literal["CAI", "CAE"] | None = None
    country: str | None = None
    status: RegistryStatusFilter | None = None
    offset: int = 0
    limit: int = 50
    next_offset: int | None = None


# ---- registry bulk check (POST /v1/organizations/check; issue 14)
class RegistryCheckRequest(Request):
    """Names or ids to check against the registry, one per entry (a supplier list)."""

    entries: Annotated[list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(min_length=1, max_length=50)]


class RegistryCheckRow(Response):
    """The best registry match for one entry, with its status as the registry shows it (None: no match)."""

    entry: str
    match: RegistryEntryView | None
    status: Literal["certified", "at-risk", "not-certified", "no match"]


class RegistryCheckView(Response):
    rows: list[RegistryCheckRow]


class HealthView(Response):
    status: Literal["ok", "unavailable"]
    database: Literal["reachable", "unreachable"]


# ---- audit log (GET /v1/audit/checkpoints; README "Tamper-evident history")
HexBytes = Annotated[str, msgspec.Meta(pattern="^(?:[0-9a-f]{2})+$", max_length=256)]


class AuditCheckpointView(Response, forbid_unknown_fields=True):
    seq: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1, description="the event-log entry this checkpoint signs")]
    entry_hash: Annotated[HexBytes, msgspec.Meta(description="that entry's hash, lowercase hex (32 bytes)")]
    signed_at: Annotated[datetime, msgspec.Meta(tz=True, description="when it was signed (signed too, version 2)")]
    kid: Annotated[str, msgspec.Meta(max_length=1000, description="the signing key, as in /.well-known/did.json")]
    signature: Annotated[HexBytes, msgspec.Meta(description="Ed25519 signature, lowercase hex (64 bytes)")]
    version: Annotated[int, msgspec.Meta(ge=1, le=2, description="1: signs seq and hash only; 2: and signedAt")]


class AuditCheckpointPage(Response, forbid_unknown_fields=True):
    checkpoints: list[AuditCheckpointView]
    next: Annotated[str | None, msgspec.Meta(description="the next page; null on the last one")] = None
