"""Bulk issuance jobs (`issuance_jobs`), their rows (`issuance_job_rows`) and the row keys that issued
(`issuance_row_keys`); migrations/0012. Rows go in and come out in chunks: one statement per chunk, not per row."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/issuance_jobs.sql")


class IssuanceJobRecord(msgspec.Struct, frozen=True):
    id: UUID
    state: str
    total: int
    issued: int
    failed: int
    duplicates: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ClaimedJob(msgspec.Struct, frozen=True):
    id: UUID
    submitted_by: UUID | None


class PendingRow(msgspec.Struct, frozen=True):
    row_number: int
    line: int
    row_key: str
    fingerprint: bytes
    input: dict[str, Any]


class IssuedKey(msgspec.Struct, frozen=True):
    row_key: str
    fingerprint: bytes
    credential_id: str
    job_id: UUID
    row_number: int


class RowOutcomeRecord(msgspec.Struct, frozen=True):
    """What became of one row: `problem` (a failure) is stored as JSON text."""

    row_number: int
    outcome: str
    credential_id: str | None = None
    problem: dict[str, Any] | None = None
    duplicate_of: str | None = None


class ResultRecord(msgspec.Struct, frozen=True):
    row_number: int
    line: int
    row_key: str
    outcome: str | None
    credential_id: str | None
    verification_code: str | None
    problem: dict[str, Any] | None
    duplicate_of: str | None


class NewJobRow(msgspec.Struct, frozen=True):
    row_number: int
    line: int
    row_key: str
    fingerprint: bytes
    input_json: str


_CHUNK = 5000


class IssuanceJobs(RepositoryBase):
    async def insert_job(  # noqa: PLR0913 - one argument per column the statement writes
        self,
        job_id: UUID,
        source_format: str,
        total: int,
        submitted_by: UUID | None,
        now: datetime,
        lease: tuple[str, datetime] | None = None,
    ) -> None:
        owner, until = lease or (None, None)
        await self._execute(SQL.insert_job, job_id, source_format, total, submitted_by, now, owner, until)

    async def insert_rows(self, job_id: UUID, rows: list[NewJobRow]) -> None:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            await self._execute(
                SQL.insert_rows,
                job_id,
                [r.row_number for r in chunk],
                [r.line for r in chunk],
                [r.row_key for r in chunk],
                [r.fingerprint for r in chunk],
                [r.input_json for r in chunk],
            )

    async def claim_job(self, owner: str, now: datetime, lease_until: datetime) -> ClaimedJob | None:
        return await self._one(ClaimedJob, SQL.claim_job, owner, now, lease_until)

    async def renew_lease(self, job_id: UUID, owner: str, lease_until: datetime) -> bool:
        return await self._fetchval(SQL.renew_lease, job_id, owner, lease_until) is not None

    async def release_lease(self, job_id: UUID, owner: str) -> None:
        await self._execute(SQL.release_lease, job_id, owner)

    async def pending_rows(self, job_id: UUID, limit: int) -> list[PendingRow]:
        return await self._all(PendingRow, SQL.pending_rows, job_id, limit)

    async def issued_keys(self, keys: list[str]) -> list[IssuedKey]:
        return await self._all(IssuedKey, SQL.issued_keys, keys)

    async def insert_row_keys(self, job_id: UUID, now: datetime, issued: list[tuple[str, bytes, str, int]]) -> None:
        if issued:
            keys, fingerprints, credentials, numbers = (list(column) for column in zip(*issued, strict=True))
            await self._execute(SQL.insert_row_keys, job_id, now, keys, fingerprints, credentials, numbers)

    async def record_outcomes(self, job_id: UUID, now: datetime, outcomes: list[RowOutcomeRecord]) -> None:
        if not outcomes:
            return
        await self._execute(
            SQL.record_outcomes,
            job_id,
            now,
            [o.row_number for o in outcomes],
            [o.outcome for o in outcomes],
            [o.credential_id for o in outcomes],
            [None if o.problem is None else msgspec.json.encode(o.problem).decode() for o in outcomes],
            [o.duplicate_of for o in outcomes],
        )

    async def count_outcomes(self, job_id: UUID, *, issued: int, failed: int, duplicates: int) -> None:
        await self._execute(SQL.count_outcomes, job_id, issued, failed, duplicates)

    async def finish_job(self, job_id: UUID, owner: str, now: datetime) -> bool:
        return await self._fetchval(SQL.finish_job, job_id, owner, now) is not None

    async def get_job(self, job_id: UUID) -> IssuanceJobRecord | None:
        return await self._one(IssuanceJobRecord, SQL.get_job, job_id)

    async def result_page(self, job_id: UUID, after: int, limit: int) -> list[ResultRecord]:
        return await self._all(ResultRecord, SQL.result_page, job_id, after, limit)

    async def recent_jobs(self, limit: int) -> list[IssuanceJobRecord]:
        return await self._all(IssuanceJobRecord, SQL.recent_jobs, limit)

    async def failed_result_page(self, job_id: UUID, limit: int) -> list[ResultRecord]:
        return await self._all(ResultRecord, SQL.failed_result_page, job_id, limit)
