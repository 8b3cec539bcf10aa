"""Rows as frozen structs. Only the storage package builds them from asyncpg records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from verify_api.domain.assessment_details import AssessmentDetails, AssessmentKind, AssessmentOutcome
from verify_api.domain.lifecycle import StoredStatus
from verify_api.domain.status_list import StatusPurpose
from verify_api.domain.tiers import OrganizationKind, Tier
from verify_api.settings import Cryptosuite, JoseSecuring

# A register row is a PAI certification or a credential POST /credentials/issue signed.
CredentialKind = Literal["certification", "vc_api"]


class HolderRecord(msgspec.Struct, frozen=True):
    id: UUID
    display_name: str
    email: str | None
    public_listing: bool
    created_at: datetime


class OrganizationRecord(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    kind: OrganizationKind
    website: str | None
    country: str | None
    created_at: datetime


class StaffLinkRecord(msgspec.Struct, frozen=True):
    organization_id: UUID
    holder_id: UUID
    role: str | None
    linked_at: datetime


class AssessmentRecord(msgspec.Struct, frozen=True):
    id: UUID
    kind: AssessmentKind
    holder_id: UUID | None
    organization_id: UUID | None
    outcome: AssessmentOutcome
    assessed_at: datetime
    details: AssessmentDetails
    recorded_at: datetime


class SigningKeyRecord(msgspec.Struct, frozen=True):
    kid: str
    public_key_multibase: str
    created_at: datetime
    retired_at: datetime | None
    compromised_since: datetime | None


class StatusListRecord(msgspec.Struct, frozen=True):
    id: str
    purpose: StatusPurpose
    size: int
    created_at: datetime
    allocated: int = 0  # slots handed out so far; the list closes at half its size


class CredentialRecord(msgspec.Struct, frozen=True):
    """A PAI certification in the register (`kind` 'certification'): `tier` is always one of domain.tiers.TIERS.

    Credentials signed through POST /credentials/issue live in the same table with kind 'vc_api' and no tier;
    they are read as `VcApiCredentialRecord`, never as this struct (Credentials.get skips them).
    """

    id: str
    tier: Tier
    holder_id: UUID | None
    organization_id: UUID | None
    subject_name: str
    verification_code: str
    valid_from: datetime
    valid_until: datetime
    status: StoredStatus
    status_reason: str | None
    status_changed_at: datetime | None
    document: bytes
    cryptosuite: Cryptosuite
    signing_key_id: str
    predecessor_id: str | None
    issued_at: datetime
    # The signing key it names, joined in so a lookup is one round trip.
    key_multibase: str
    key_compromised_since: datetime | None
    key_created_at: datetime
    key_retired_at: datetime | None


class SignedInStatusLists(msgspec.Struct, frozen=True):
    """The columns every register row has once signed: the signed bytes, how and by which key, and its revocation
    and suspension slots (the fields come first in each struct that has them)."""

    document: bytes
    cryptosuite: Cryptosuite | JoseSecuring
    signing_key_id: str
    revocation_list: str
    revocation_index: int
    suspension_list: str
    suspension_index: int


class NewCredential(SignedInStatusLists, frozen=True):
    """A register row to insert. Certifications have a tier, a subject, a code and validUntil; VC API entries
    (`kind` 'vc_api') have none of these but a `document_id` when the credential names itself."""

    id: str
    tier: Tier | None
    holder_id: UUID | None
    organization_id: UUID | None
    subject_name: str
    verification_code: str | None
    valid_from: datetime
    valid_until: datetime | None
    predecessor_id: str | None
    issued_at: datetime
    issued_by: UUID | None
    kind: CredentialKind = "certification"
    document_id: str | None = None


class VcApiCredentialRecord(SignedInStatusLists, frozen=True):
    """A credential POST /credentials/issue signed (kind 'vc_api'): not a PAI certification, but in the register
    with revocation and suspension slots, the signing key joined in like `CredentialRecord`."""

    id: str
    document_id: str | None
    valid_from: datetime
    valid_until: datetime | None
    status: StoredStatus
    status_reason: str | None
    status_changed_at: datetime | None
    issued_at: datetime
    key_multibase: str
    key_compromised_since: datetime | None
    key_created_at: datetime
    key_retired_at: datetime | None


class ApiClientRecord(msgspec.Struct, frozen=True):
    """What authenticating a key needs (the secret's hash included); never leaves services/api_clients.py."""

    id: UUID
    name: str
    secret_hash: bytes
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyRecord(msgspec.Struct, frozen=True):
    """An API key as it is listed: everything but its secret's hash."""

    id: UUID
    name: str
    key_prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    rotated_at: datetime | None


class RegistryOrganizationRecord(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    kind: OrganizationKind
    country: str | None
    website: str | None
