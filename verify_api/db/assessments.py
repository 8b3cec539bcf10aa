"""The `assessments` table (typed by domain.assessment_details) and `credential_assessments`, the evidence links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import AssessmentRecord
from verify_api.domain.assessment_details import AssessmentDetails, AssessmentFact
from verify_api.domain.dates import due_instant

SQL = NamedSql("sql/assessments.sql")


class GovernanceRecord(msgspec.Struct, frozen=True):
    assessed_at: datetime
    recorded_at: datetime
    next_review_due: datetime | None


class StoredAssessment(msgspec.Struct, frozen=True):
    """An assessment as staff read it: its stored details as recorded (camelCase keys), invalidation included."""

    id: UUID
    kind: str
    outcome: str
    assessed_at: datetime
    recorded_at: datetime
    details: dict[str, Any]
    invalidated_at: datetime | None
    invalidated_reason: str | None


def _with_typed_details(row: Any) -> dict[str, Any]:
    """A row whose `details` decodes into domain.assessment_details.AssessmentDetails: the row's `kind` column is the
    union's tag, since rows stored before the tag was written into `details` carry none (same shape otherwise)."""
    values = dict(row or {})
    values["details"] = msgspec.convert({**values["details"], "kind": values["kind"]}, AssessmentDetails)
    return values


def _facts(rows: list[Any]) -> list[AssessmentFact]:
    return [msgspec.convert({**_with_typed_details(r), "id": str(r["id"])}, AssessmentFact) for r in rows]


class Assessments(RepositoryBase):
    async def insert(self, rec: AssessmentRecord, recorded_by: UUID | None) -> AssessmentRecord:
        row = await self._fetchrow(
            SQL.insert,
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

    async def list_for_holder(self, holder_id: UUID) -> list[AssessmentFact]:
        return _facts(await self._fetch(SQL.list_for_holder, holder_id))

    async def list_for_organization(self, org_id: UUID | None) -> list[AssessmentFact]:
        return _facts(await self._fetch(SQL.list_for_organization, org_id))

    async def list_for_subject(self, *, holder_id: UUID | None, organization_id: UUID | None) -> list[AssessmentFact]:
        """The holder's assessments when `holder_id` is given, else the organisation's."""
        if holder_id is not None:
            return await self.list_for_holder(holder_id)
        return await self.list_for_organization(organization_id)

    async def holder_assessments(self, holder_id: UUID) -> list[StoredAssessment]:
        return await self._all(StoredAssessment, SQL.holder_assessments, holder_id)

    async def latest_governance_record(self, org_id: UUID) -> GovernanceRecord | None:
        row = await self._fetchrow(SQL.latest_governance_record, org_id)
        if row is None:
            return None
        due_text = row["next_review_due"]
        due = due_instant(date.fromisoformat(due_text)) if due_text else None
        return GovernanceRecord(assessed_at=row["assessed_at"], recorded_at=row["recorded_at"], next_review_due=due)

    async def link_to_credential(self, credential_id: str, assessment_ids: list[UUID]) -> None:
        if assessment_ids:
            await self._execute(SQL.link_to_credential, credential_id, assessment_ids)

    async def invalidate_for_credential(self, credential_id: str, reason: str, now: datetime) -> list[UUID]:
        rows = await self._fetch(SQL.invalidate_for_credential, credential_id, now, reason)
        return [r["id"] for r in rows]

    async def insert_many(
        self, records: list[AssessmentRecord], recorded_by: UUID | None, recorded_at: datetime
    ) -> None:
        """Holders' assessments in one statement (`insert` for one, with the same columns)."""
        if not records:
            return
        await self._execute(
            SQL.insert_many,
            [r.id for r in records],
            [r.kind for r in records],
            [r.holder_id for r in records],
            [r.outcome for r in records],
            [r.assessed_at for r in records],
            recorded_by,
            recorded_at,
            [msgspec.json.encode(r.details).decode() for r in records],
        )

    async def link_many(self, links: list[tuple[str, UUID]]) -> None:
        """(credential id, assessment id) evidence links in one statement."""
        if links:
            await self._execute(SQL.link_many, [c for c, _ in links], [a for _, a in links])
