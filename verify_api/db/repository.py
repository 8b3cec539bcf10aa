"""Typed access to the tables. Takes a connection (the service owns the transaction), runs named SQL, converts
rows to structs, and turns constraint violations into domain errors by constraint name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import msgspec

from verify_api.db.audit_repository import AuditRepository
from verify_api.db.queries import SQL, RepositoryBase
from verify_api.db.records import (
    ApiClientRecord,
    AssessmentRecord,
    CredentialRecord,
    HolderRecord,
    NewCredential,
    OrganizationRecord,
    RegistryOrganizationRecord,
    SigningKeyRecord,
    StaffLinkRecord,
    StatusListRecord,
    VcApiCredentialRecord,
)
from verify_api.domain.assessment_details import AssessmentDetails, AssessmentFact
from verify_api.errors import (
    ConflictError,
    CredentialConflictError,
    HolderNotFoundError,
    InvalidInputError,
    OrganizationNotFoundError,
    VerifyApiError,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from uuid import UUID


T = TypeVar("T")


class SlotTakenError(ConflictError):
    """The randomly drawn status-list index is already in use; draw again."""


class VerificationCodeTakenError(ConflictError):
    """The randomly drawn verification code is already in use; draw again."""


class IdempotencyKeyTakenError(ConflictError):
    """Another request already used this Idempotency-Key."""


_CONSTRAINT_ERRORS: dict[str, type[VerifyApiError]] = {
    "credentials_revocation_slot_key": SlotTakenError,
    "credentials_suspension_slot_key": SlotTakenError,
    "credentials_verification_code_key": VerificationCodeTakenError,
    "credentials_one_current_per_holder_tier": CredentialConflictError,
    "credentials_one_current_per_organization_tier": CredentialConflictError,
    "idempotency_keys_pkey": IdempotencyKeyTakenError,
    "holders_email_key": ConflictError,
}
_FOREIGN_KEY_ERRORS: dict[str, type[VerifyApiError]] = {
    "organization_staff_holder_id_fkey": HolderNotFoundError,
    "organization_staff_organization_id_fkey": OrganizationNotFoundError,
    "assessments_holder_id_fkey": HolderNotFoundError,
    "assessments_organization_id_fkey": OrganizationNotFoundError,
}
_CONSTRAINT_MESSAGES = {
    "credentials_one_current_per_holder_tier": "the holder already has a current credential of this tier",
    "credentials_one_current_per_organization_tier": "the organisation already has a current credential of this tier",
    "holders_email_key": "a holder with that email already exists",
}


def _row(row: asyncpg.Record | None, kind: type[T]) -> T | None:
    return None if row is None else msgspec.convert(dict(row), kind)


def _rows(rows: Sequence[asyncpg.Record], kind: type[T]) -> list[T]:
    return [msgspec.convert(dict(r), kind) for r in rows]


def _translate(exc: asyncpg.PostgresError) -> Exception:
    name = getattr(exc, "constraint_name", None) or ""
    if isinstance(exc, asyncpg.UniqueViolationError) and name in _CONSTRAINT_ERRORS:
        return _CONSTRAINT_ERRORS[name](_CONSTRAINT_MESSAGES.get(name), constraint=name)
    if isinstance(exc, asyncpg.ForeignKeyViolationError) and name in _FOREIGN_KEY_ERRORS:
        return _FOREIGN_KEY_ERRORS[name]()
    if isinstance(exc, asyncpg.CheckViolationError):
        return InvalidInputError(f"the value breaks the rule {name or 'of the schema'}", constraint=name)
    return exc


class Repository(RepositoryBase):
    async def _execute(self, query: str, *args: Any) -> str:
        try:
            return await self.conn.execute(query, *args)
        except asyncpg.PostgresError as exc:
            raise _translate(exc) from exc

    async def _fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        try:
            return await self.conn.fetchrow(query, *args)
        except asyncpg.PostgresError as exc:
            raise _translate(exc) from exc

    async def ping(self) -> None:
        await self.conn.fetchval(SQL.ping)

    # holders and organisations
    async def insert_holder(self, holder: HolderRecord) -> HolderRecord:
        row = await self._fetchrow(
            SQL.insert_holder,
            holder.id,
            holder.display_name,
            holder.email,
            holder.public_listing,
            holder.created_at,
        )
        return msgspec.convert(dict(row or {}), HolderRecord)

    async def get_holder(self, holder_id: UUID) -> HolderRecord | None:
        return _row(await self.conn.fetchrow(SQL.get_holder, holder_id), HolderRecord)

    async def insert_organization(self, org: OrganizationRecord) -> OrganizationRecord:
        row = await self._fetchrow(
            SQL.insert_organization, org.id, org.name, org.kind, org.website, org.country, org.created_at
        )
        return msgspec.convert(dict(row or {}), OrganizationRecord)

    async def get_organization(self, org_id: UUID) -> OrganizationRecord | None:
        return _row(await self.conn.fetchrow(SQL.get_organization, org_id), OrganizationRecord)

    async def link_staff(self, org_id: UUID, holder_id: UUID, role: str | None, now: datetime) -> StaffLinkRecord:
        row = await self._fetchrow(SQL.insert_staff_link, org_id, holder_id, role, now)
        return msgspec.convert(dict(row or {}), StaffLinkRecord)

    # assessments
    async def insert_assessment(self, rec: AssessmentRecord, recorded_by: UUID | None) -> AssessmentRecord:
        row = await self._fetchrow(
            SQL.insert_assessment,
            rec.id,
            rec.kind,
            rec.holder_id,
            rec.organization_id,
            rec.outcome,
            rec.assessed_at,
            rec.details,
            recorded_by,
            rec.recorded_at,
        )
        return msgspec.convert(_with_typed_details(row), AssessmentRecord)

    async def list_assessments(self, *, holder_id: UUID | None, organization_id: UUID | None) -> list[AssessmentFact]:
        if holder_id is not None:
            rows = await self.conn.fetch(SQL.list_holder_assessments, holder_id)
        else:
            rows = await self.conn.fetch(SQL.list_organization_assessments, organization_id)
        return [msgspec.convert({**_with_typed_details(r), "id": str(r["id"])}, AssessmentFact) for r in rows]

    async def list_subject_credentials(
        self, *, holder_id: UUID | None, organization_id: UUID | None
    ) -> list[dict[str, Any]]:
        if holder_id is not None:
            rows = await self.conn.fetch(SQL.list_holder_credentials, holder_id)
        else:
            rows = await self.conn.fetch(SQL.list_organization_credentials, organization_id)
        return [dict(r) for r in rows]

    # signing keys
    async def upsert_signing_key(self, kid: str, public_key_multibase: str, now: datetime) -> None:
        await self._execute(SQL.upsert_signing_key, kid, public_key_multibase, now)

    async def list_signing_keys(self) -> list[SigningKeyRecord]:
        return _rows(await self.conn.fetch(SQL.list_signing_keys), SigningKeyRecord)

    async def get_signing_key(self, kid: str) -> SigningKeyRecord | None:
        return _row(await self.conn.fetchrow(SQL.get_signing_key, kid), SigningKeyRecord)

    async def lock_signing_key(self, kid: str) -> SigningKeyRecord | None:
        """The key's row, share-locked to the end of the transaction (rotation and compromise wait for it)."""
        return _row(await self.conn.fetchrow(SQL.lock_signing_key, kid), SigningKeyRecord)

    # status lists
    async def current_status_list(self, purpose: str) -> StatusListRecord | None:
        return _row(await self.conn.fetchrow(SQL.current_status_list, purpose), StatusListRecord)

    async def lock_status_list_opening(self, purpose: str) -> None:
        await self.conn.execute(SQL.lock_status_list_opening, purpose)

    async def free_status_indexes(self, list_id: str, purpose: str, candidates: list[int]) -> list[int]:
        rows = await self.conn.fetch(SQL.free_status_indexes, list_id, purpose, candidates)
        return [int(r["idx"]) for r in rows]

    async def claim_status_slot(self, list_id: str, purpose: str, index: int) -> bool:
        """Lock (list, index) for this transaction, then check it is still free (a fresh statement sees any
        issuance that committed it meanwhile). False: someone else holds or took it."""
        if not await self.conn.fetchval(SQL.lock_status_slot, list_id, index):
            return False
        return not await self.conn.fetchval(SQL.status_slot_taken, list_id, purpose, index)

    async def bump_status_list_allocation(self, list_id: str) -> None:
        await self.conn.execute(SQL.bump_status_list_allocation, list_id)

    async def insert_status_list(self, rec: StatusListRecord) -> StatusListRecord:
        row = await self._fetchrow(SQL.insert_status_list, rec.id, rec.purpose, rec.size, rec.created_at)
        return msgspec.convert(dict(row or {}), StatusListRecord)

    # credentials
    async def supersede_lapsed_credential(self, credential_id: str, now: datetime) -> bool:
        return await self.conn.fetchval(SQL.supersede_lapsed_credential, credential_id, now, now) is not None

    async def insert_credential(self, rec: NewCredential) -> None:
        await self._execute(SQL.insert_credential, *msgspec.structs.astuple(rec))

    async def get_credential(self, credential_id: str) -> CredentialRecord | None:
        return _row(await self.conn.fetchrow(SQL.get_credential, credential_id), CredentialRecord)

    async def get_vc_api_credential(self, credential_id: str) -> VcApiCredentialRecord | None:
        return _row(await self.conn.fetchrow(SQL.get_vc_api_credential, credential_id), VcApiCredentialRecord)

    async def find_vc_api_credential_ids(self, document_id: str) -> list[str]:
        """Register ids of the VC API credentials issued under `document_id` (their `id` or options.credentialId),
        oldest first: a client may issue the same id more than once."""
        return [str(r["id"]) for r in await self.conn.fetch(SQL.find_vc_api_credential_id, document_id)]

    async def find_credential_by_status_entry(self, list_id: str, purpose: str, index: int) -> tuple[str, str] | None:
        """(register id, kind) of the credential holding this status-list slot, of either kind."""
        row = await self.conn.fetchrow(SQL.find_credential_id_by_status_entry, list_id, purpose, index)
        return None if row is None else (str(row["id"]), str(row["kind"]))

    async def get_credential_id_by_code(self, code: str) -> str | None:
        value = await self.conn.fetchval(SQL.get_credential_id_by_code, code)
        return None if value is None else str(value)

    async def link_credential_assessments(self, credential_id: str, assessment_ids: list[UUID]) -> None:
        if assessment_ids:
            await self._execute(SQL.link_credential_assessments, credential_id, assessment_ids)

    async def invalidate_credential_assessments(self, credential_id: str, reason: str, now: datetime) -> list[UUID]:
        rows = await self.conn.fetch(SQL.invalidate_credential_assessments, credential_id, now, reason)
        return [r["id"] for r in rows]

    # idempotency
    async def insert_idempotency_key(
        self, client_id: UUID, key: str, request_hash: bytes, credential_id: str, now: datetime
    ) -> None:
        await self._execute(SQL.insert_idempotency_key, client_id, key, request_hash, credential_id, now)

    async def get_idempotency_key(self, client_id: UUID, key: str) -> tuple[bytes, str] | None:
        row = await self.conn.fetchrow(SQL.get_idempotency_key, client_id, key)
        return None if row is None else (bytes(row["request_hash"]), str(row["credential_id"]))

    # events
    # PLR0913: one argument per column the statement writes
    async def insert_event(  # noqa: PLR0913
        self,
        *,
        kind: str,
        occurred_at: datetime,
        credential_id: str | None = None,
        organization_id: UUID | None = None,
        actor: UUID | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        # The chain's one writer (db/audit_repository.py) numbers and hashes it inside the chain-head lock.
        try:
            await AuditRepository(self.conn).append_event(
                kind=kind,
                occurred_at=occurred_at,
                credential_id=credential_id,
                organization_id=organization_id,
                actor=actor,
                data=data or {},
            )
        except asyncpg.PostgresError as exc:
            raise _translate(exc) from exc

    # API clients
    # PLR0913: one argument per column the statement writes
    async def insert_api_client(  # noqa: PLR0913
        self,
        client_id: UUID,
        name: str,
        key_prefix: str,
        secret_hash: bytes,
        scopes: list[str],
        now: datetime,
    ) -> None:
        await self._execute(SQL.insert_api_client, client_id, name, key_prefix, secret_hash, scopes, now)

    async def get_api_client_by_prefix(self, prefix: str) -> ApiClientRecord | None:
        return _row(await self.conn.fetchrow(SQL.get_api_client_by_prefix, prefix), ApiClientRecord)

    # registry
    async def search_organizations(self, query: str, limit: int) -> list[RegistryOrganizationRecord]:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return _rows(await self.conn.fetch(SQL.search_organizations, escaped, limit), RegistryOrganizationRecord)


def _with_typed_details(row: asyncpg.Record | None) -> dict[str, Any]:
    """A row whose `details` decodes into domain.assessment_details.AssessmentDetails: the row's `kind` column is the
    union's tag, since rows stored before the tag was written into `details` carry none (same shape otherwise)."""
    values = dict(row or {})
    values["details"] = msgspec.convert({**values["details"], "kind": values["kind"]}, AssessmentDetails)
    return values
