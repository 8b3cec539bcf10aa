"""The register (`credentials`): PAI certifications and VC API entries, their status, codes and successors.

Every path that asks whether a stored credential is valid reads its rows here (`get`, `holder_records`, ...) and
lets the one judgement (`domain.verdict.judge_credential`) decide; no SQL here decides validity. Records in lists
carry an empty `document` (the judgement never reads it; lists of them stay small).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase, row_as
from verify_api.db.records import CredentialRecord, NewCredential, VcApiCredentialRecord
from verify_api.domain.lifecycle import StoredStatus
from verify_api.domain.tiers import Tier
from verify_api.settings import Cryptosuite

SQL = NamedSql("sql/credentials.sql")


class TransitionedSlots(msgspec.Struct, frozen=True):
    id: str
    revocation_list: str
    suspension_list: str


class PrerequisiteState(msgspec.Struct, frozen=True):
    tier: Tier
    status: StoredStatus
    status_reason: str | None
    status_changed_at: datetime | None
    valid_until: datetime


class ReissueCandidate(msgspec.Struct, frozen=True):
    id: str
    tier: Tier
    holder_id: UUID | None
    organization_id: UUID | None
    cryptosuite: Cryptosuite
    issued_at: datetime


class SignedCredential(msgspec.Struct, frozen=True):
    id: str
    tier: Tier
    subject_name: str
    status: StoredStatus
    issued_at: datetime


class Credentials(RepositoryBase):
    # entries by id, document id, status slot or verification code
    async def insert(self, rec: NewCredential) -> None:
        await self._execute(SQL.insert, *msgspec.structs.astuple(rec))

    async def get(self, credential_id: str) -> CredentialRecord | None:
        """A certification with its document and key (None for VC API entries)."""
        return await self._one(CredentialRecord, SQL.get, credential_id)

    async def get_vc_api(self, credential_id: str) -> VcApiCredentialRecord | None:
        return await self._one(VcApiCredentialRecord, SQL.get_vc_api, credential_id)

    async def find_vc_api_ids(self, document_id: str) -> list[str]:
        """Register ids of the VC API credentials issued under `document_id` (their `id` or options.credentialId),
        oldest first: a client may issue the same id more than once."""
        return [str(r["id"]) for r in await self._fetch(SQL.find_vc_api_ids, document_id)]

    async def find_by_status_entry(self, list_id: str, purpose: str, index: int) -> tuple[str, str] | None:
        """(register id, kind) of the credential holding this status-list slot, of either kind."""
        row = await self._fetchrow(SQL.find_by_status_entry, list_id, purpose, index)
        return None if row is None else (str(row["id"]), str(row["kind"]))

    async def id_by_code(self, code: str) -> str | None:
        return await self._text(SQL.id_by_code, code)

    # a subject's credentials
    async def summaries_for_holder(self, holder_id: UUID) -> list[dict[str, Any]]:
        return [dict(r) for r in await self._fetch(SQL.summaries_for_holder, holder_id)]

    async def summaries_for_organization(self, org_id: UUID | None) -> list[dict[str, Any]]:
        return [dict(r) for r in await self._fetch(SQL.summaries_for_organization, org_id)]

    async def summaries_for_subject(
        self, *, holder_id: UUID | None, organization_id: UUID | None
    ) -> list[dict[str, Any]]:
        """The holder's credentials when `holder_id` is given, else the organisation's (id, tier, status, dates)."""
        if holder_id is not None:
            return await self.summaries_for_holder(holder_id)
        return await self.summaries_for_organization(organization_id)

    async def holder_records(self, holder_id: UUID) -> list[CredentialRecord]:
        return await self._all(CredentialRecord, SQL.holder_records, holder_id)

    async def organization_records(self, org_ids: list[UUID]) -> list[CredentialRecord]:
        return await self._all(CredentialRecord, SQL.organization_records, org_ids)

    async def organization_records_in_suspension_list(self, list_id: str) -> list[tuple[CredentialRecord, int]]:
        rows = await self._fetch(SQL.organization_records_in_suspension_list, list_id)
        return [(row_as(r, CredentialRecord), int(r["suspension_index"])) for r in rows]

    async def prerequisite_states(self, holder_id: object, tier: str) -> list[PrerequisiteState]:
        return await self._all(PrerequisiteState, SQL.prerequisite_states, holder_id, tier)

    # status
    async def status(self, credential_id: str) -> str | None:
        return await self._text(SQL.status, credential_id)

    # PLR0913: one argument per column the statement writes
    async def transition(  # noqa: PLR0913
        self, credential_id: str, *, to: str, reason: str, note: str | None, now: datetime, sources: tuple[str, ...]
    ) -> TransitionedSlots | None:
        """Move the credential to `to` if its status is one of `sources`; None when it was not."""
        return await self._one(TransitionedSlots, SQL.transition, credential_id, to, reason, note, now, list(sources))

    async def supersede_lapsed(self, credential_id: str, now: datetime) -> bool:
        return await self._fetchval(SQL.supersede_lapsed, credential_id, now, now) is not None

    # successors
    async def successor_of(self, credential_id: str) -> str | None:
        return await self._text(SQL.successor_of, credential_id)

    async def newest_in_chain(self, credential_id: str) -> str:
        return str(await self._fetchval(SQL.newest_in_chain, credential_id))

    async def link_reissued(self, new_id: str, old_id: str) -> bool:
        return await self._fetchval(SQL.link_reissued, new_id, old_id) is not None

    # what a signing key signed
    async def signed_by(self, kid: str) -> list[SignedCredential]:
        return await self._all(SignedCredential, SQL.signed_by, kid)

    async def in_compromised_window(self, kid: str, since: datetime) -> list[str]:
        return [str(r["id"]) for r in await self._fetch(SQL.in_compromised_window, kid, since)]

    async def compromised_without_successor(self) -> list[ReissueCandidate]:
        return await self._all(ReissueCandidate, SQL.compromised_without_successor)

    async def insert_many(self, records: list[NewCredential]) -> set[str]:
        """Insert register rows in one statement; the ids written (a row whose verification code is taken is not)."""
        if not records:
            return set()
        columns = [list(column) for column in zip(*(msgspec.structs.astuple(r) for r in records), strict=True)]
        return {str(r["id"]) for r in await self._fetch(SQL.insert_many, *columns)}
