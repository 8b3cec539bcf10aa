"""One batch of a bulk issuance job, in one transaction: rows of new holders with their exam result.

Each row is judged on its own by the functions the single path uses: `subjects.holder_record` and
`subjects.assessment_record` check the holder and the exam result as POST /v1/holders and POST /v1/assessments do,
and `domain.tier_rules.check_tier_rule` judges the tier on the facts the single path would read back (the new
holder's one assessment, no credentials). A row that fails writes nothing and gets the problem the single path
would answer; the others carry on. What passes is then written in bulk: status slots drawn for the whole batch
before anything is signed (services.status_slots), rows judged a chunk at a time and each chunk signed on the next
free core (services.signing_pool) as soon as it is judged, while the holders and assessments and then each signed
chunk's register rows, evidence links, row keys and outcomes are stored; last the batch's events chained in one
statement, the counts, and the audit checkpoints that fall due. A crash loses at most the open batch, whose rows are
still pending.

Rows naming an existing holder or organisation (any tier, evidence on record) go through the single path itself,
`issuance.issue_in_transaction`, one transaction each (`issue_existing_row`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import msgspec

from verify_api import errors
from verify_api.assessment_schemas import ExamResult
from verify_api.db.assessments import Assessments
from verify_api.db.credentials import Credentials
from verify_api.db.event_chain import EventColumns
from verify_api.db.events import Events, PreparedEvent, prepare_event
from verify_api.db.holders import Holders
from verify_api.db.issuance_jobs import IssuanceJobs, IssuedKey, PendingRow, RowOutcomeRecord
from verify_api.db.queries import transaction
from verify_api.db.records import AssessmentRecord, HolderRecord, NewCredential
from verify_api.domain.assessment_details import AssessmentFact
from verify_api.domain.codes import new_credential_id, new_verification_code
from verify_api.domain.credential import CredentialDraft, StatusSlot
from verify_api.domain.tier_rules import check_tier_rule
from verify_api.domain.tiers import Qualification, SubjectFacts
from verify_api.issuance_job_schemas import BulkRow
from verify_api.observability.metrics import count_issuance
from verify_api.schemas import CreateHolderRequest, IssueCredentialRequest
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.context import usable_signing_key
from verify_api.services.issuance import IssueOrigin, issue_in_transaction
from verify_api.services.signing_pool import SignTask
from verify_api.services.status_slots import (
    draw_status_slot_batch,
    record_status_slot_batch,
    slot_columns,
    status_slot_room,
)
from verify_api.services.subjects import assessment_record, holder_record
from verify_api.services.transaction import after_commit, run_in_transaction

if TYPE_CHECKING:
    import asyncio
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext
    from verify_api.services.signing_pool import SigningPool
    from verify_api.settings import Cryptosuite

# What a row can fail with and still let the job carry on: the answers a single issuance gives a bad request.
ROW_ERRORS = (errors.InvalidInputError, errors.TierRuleError, errors.ConflictError, errors.NotFoundError)
_CODE_DRAWS = 8


class LeaseLostError(errors.VerifyApiError):
    """Another worker took this job over (this worker's lease expired); this one stops."""


@dataclass(frozen=True)
class JobLease:
    job_id: UUID
    owner: str
    submitted_by: UUID | None
    lease_seconds: float


@dataclass
class BatchCounts:
    issued: int = 0
    failed: int = 0
    duplicates: int = 0
    outcomes: list[RowOutcomeRecord] = field(default_factory=list)
    issued_keys: list[tuple[str, bytes, str, int]] = field(default_factory=list)
    recorded_outcomes: int = 0  # how many of `outcomes` (and of `issued_keys`) are already written
    recorded_keys: int = 0

    def unrecorded(self) -> tuple[list[RowOutcomeRecord], list[tuple[str, bytes, str, int]]]:
        """The outcomes and row keys settled since the last call, marked as recorded."""
        outcomes, keys = self.outcomes[self.recorded_outcomes :], self.issued_keys[self.recorded_keys :]
        self.recorded_outcomes, self.recorded_keys = len(self.outcomes), len(self.issued_keys)
        return outcomes, keys

    def fail(self, row: PendingRow, exc: errors.VerifyApiError) -> None:
        self.failed += 1
        self.outcomes.append(RowOutcomeRecord(row.row_number, "failed", problem=stored_problem(exc)))

    def issue(self, row: PendingRow, credential_id: str) -> None:
        self.issued += 1
        self.outcomes.append(RowOutcomeRecord(row.row_number, "issued", credential_id=credential_id))
        self.issued_keys.append((row.row_key, row.fingerprint, credential_id, row.row_number))

    def duplicate(self, row: PendingRow, original: IssuedKey) -> None:
        if original.fingerprint != row.fingerprint:
            self.fail(
                row,
                errors.IdempotencyConflictError(
                    f"the row key {row.row_key!r} already issued a credential "
                    "for a different row; use a new key for a new row"
                ),
            )
            return
        self.duplicates += 1
        of = f"{original.job_id}/{original.row_number}"
        self.outcomes.append(
            RowOutcomeRecord(row.row_number, "duplicate", credential_id=original.credential_id, duplicate_of=of)
        )


def stored_problem(exc: errors.VerifyApiError) -> dict[str, Any]:
    """A row's failure as stored: the domain error's name (the nearest in verify_api.errors, which api/problems.py
    maps to a status and type) and what it says; the HTTP shape is the API's to give."""
    name = next(c.__name__ for c in type(exc).__mro__ if getattr(errors, c.__name__, None) is c)
    problem: dict[str, Any] = {"error": name, "detail": exc.detail}
    if isinstance(exc, errors.TierRuleError):
        problem |= {"rule": exc.rule, "missing": exc.missing}
    return problem


def bulk_row(row: PendingRow) -> BulkRow:
    return msgspec.convert(row.input, BulkRow)


@dataclass
class _Ready:
    """A new holder's row that passed every check, on its way to being written."""

    row: PendingRow
    holder: HolderRecord
    exam: AssessmentRecord
    qualification: Qualification
    cryptosuite: Cryptosuite
    slots: list[StatusSlot]
    credential_id: str = field(default_factory=new_credential_id)


def judge_new_holder_row(
    ctx: ServiceContext, row: BulkRow, now: datetime
) -> tuple[HolderRecord, AssessmentRecord, Qualification]:
    """The single path's checks for one row: the holder (POST /v1/holders), the exam (POST /v1/assessments) and the
    tier rule on the facts issuance would read back: this one assessment, no credentials."""
    assert row.display_name is not None
    assert row.score is not None
    assert row.max_score is not None
    holder_id = uuid4()
    holder = holder_record(
        CreateHolderRequest(display_name=row.display_name, email=row.email, public_listing=row.public_listing),
        now=now,
        holder_id=holder_id,
    )
    exam = ExamResult(
        holder_id=holder_id,
        score=row.score,
        max_score=row.max_score,
        assessed_at=row.assessed_at,
        exam_version=row.exam_version,
    )
    assessment = assessment_record(exam, ctx.policy, now=now)
    fact = AssessmentFact(
        id=str(assessment.id),
        outcome=assessment.outcome,
        assessed_at=assessment.assessed_at,
        details=assessment.details,
    )
    facts = SubjectFacts(assessments=[fact], credentials=[])
    # As issue_in_transaction: the document states dates to the second.
    return holder, assessment, check_tier_rule(row.tier, facts, ctx.policy, now.replace(microsecond=0))


def dedupe(rows: list[PendingRow], issued: dict[str, IssuedKey], counts: BatchCounts) -> list[PendingRow]:
    """The rows to work on: a row whose key already issued is a duplicate (or, with other content, a conflict);
    a key repeated within the batch is worked on once, its repeats settled once the first is (`settle_repeats`)."""
    todo: list[PendingRow] = []
    seen: set[str] = set()
    for row in rows:
        if (original := issued.get(row.row_key)) is not None:
            counts.duplicate(row, original)
        elif row.row_key not in seen:
            seen.add(row.row_key)
            todo.append(row)
    return todo


def settle_repeats(job_id: UUID, rows: list[PendingRow], counts: BatchCounts) -> None:
    """Rows whose key an earlier row of the same batch carried: a duplicate of it when it issued, else its fate."""
    settled = {o.row_number for o in counts.outcomes}
    first: dict[str, RowOutcomeRecord] = {}
    by_number = {o.row_number: o for o in counts.outcomes}
    for row in rows:
        if row.row_number in settled:
            if row.row_key not in first:
                first[row.row_key] = by_number[row.row_number]
            continue
        original = first.get(row.row_key)
        if original is None:  # its first row waits for room in the next batch; so does it
            continue
        if original.outcome == "issued" and original.credential_id is not None:
            counts.duplicate(
                row, IssuedKey(row.row_key, row.fingerprint, original.credential_id, job_id, original.row_number)
            )
        else:
            counts.failed += 1
            counts.outcomes.append(RowOutcomeRecord(row.row_number, "failed", problem=original.problem))


async def issue_new_holder_batch(  # noqa: PLR0913 - the batch, its job and the pool it signs on
    conn: Connection, ctx: ServiceContext, lease: JobLease, rows: list[PendingRow], pool: SigningPool, now: datetime
) -> BatchCounts:
    """Settle `rows` (new holders' rows) in one transaction; rows the open status lists have no room for stay
    pending for the next batch."""

    async def command() -> BatchCounts:
        jobs = IssuanceJobs(conn)
        if not await jobs.renew_lease(lease.job_id, lease.owner, _lease_until(now, lease)):
            raise LeaseLostError(f"job {lease.job_id} was taken over by another worker")
        counts = BatchCounts()
        issued = {k.row_key: k for k in await jobs.issued_keys([r.row_key for r in rows])}
        todo = dedupe(rows, issued, counts)
        room = await status_slot_room(conn, ctx.settings.status_list_size, now)
        todo, deferred = todo[:room], todo[room:]
        await _issue_rows(conn, ctx, lease, todo, pool, now, counts)
        deferred_numbers = {row.row_number for row in deferred}
        settle_repeats(lease.job_id, [r for r in rows if r.row_number not in deferred_numbers], counts)
        await _record(conn, lease, counts, now)
        await checkpoint_after_write(conn, ctx, now=now)
        return counts

    return await run_in_transaction(conn, command)


async def _write_holders(conn: Connection, ready: list[_Ready], counts: BatchCounts, now: datetime) -> list[_Ready]:
    """Insert the holders and their exams; a row whose e-mail another holder has fails as POST /v1/holders would."""
    written = await Holders(conn).insert_many([r.holder for r in ready])
    kept = []
    for item in ready:
        if item.holder.id in written:
            kept.append(item)
        else:
            counts.fail(item.row, errors.ConflictError("a holder with that email already exists"))
    await Assessments(conn).insert_many([r.exam for r in kept], None, now)
    return kept


def _judged(ctx: ServiceContext, row: PendingRow, slots: list[StatusSlot], now: datetime) -> _Ready:
    """`row` judged as the single path would (raising what it would answer), with the slots it will carry."""
    request = bulk_row(row)
    holder, exam, qualification = judge_new_holder_row(ctx, request, now)
    cryptosuite = request.cryptosuite or ctx.settings.default_cryptosuite
    return _Ready(row, holder, exam, qualification, cryptosuite, slots)


async def _issue_rows(  # noqa: PLR0913 - the batch, its job, the pool it signs on and its counts
    conn: Connection,
    ctx: ServiceContext,
    lease: JobLease,
    rows: list[PendingRow],
    pool: SigningPool,
    now: datetime,
    counts: BatchCounts,
) -> None:
    """Judge, sign and store `rows` (new holders' rows, as many as the open lists have room for), settling each.

    Signing overlaps everything else: the status slots of every row are claimed first, then rows are judged a chunk
    at a time and each chunk handed to the workers as soon as it is judged; the holders and exams are inserted while
    the first chunks are signed, and each signed chunk's register rows, evidence links, row keys and outcomes while
    the workers sign the next ones. The events are chained last, in row order, so the chain head is held only from
    then to the commit."""
    if not rows:
        return
    key = await usable_signing_key(conn, ctx.issuer_key, lock=True)
    # Slots for every row are claimed before anything is signed: no document is ever signed twice (the slots of a
    # row that fails its checks, or whose holder is refused, stay free).
    slots = await draw_status_slot_batch(conn, ctx.settings.status_list_size, now, len(rows))
    size = _chunk_size(len(rows), pool.processes)
    chunks: list[tuple[list[_Ready], asyncio.Future[list[bytes]]]] = []
    ready: list[_Ready] = []
    try:
        for start in range(0, len(rows), size):
            judged = []
            for offset, row in enumerate(rows[start : start + size], start=start):
                try:
                    judged.append(_judged(ctx, row, slots[offset], now))
                except ROW_ERRORS as exc:
                    counts.fail(row, exc)
            if judged:
                tasks = [SignTask(_draft(item), item.cryptosuite, now) for item in judged]
                chunks.append((judged, pool.sign_chunk(key, tasks)))
                ready.extend(judged)
        kept = {id(item) for item in await _write_holders(conn, ready, counts, now)}
        issued: list[_Ready] = []
        events: list[PreparedEvent] = []
        for items, signing in chunks:
            documents = await signing
            stored = [(item, document) for item, document in zip(items, documents, strict=True) if id(item) in kept]
            # A row whose holder was refused: its document is dropped, its slots stay free.
            await _insert_with_fresh_codes(
                conn,
                [_new_credential(item, doc, key.verification_method, lease.submitted_by, now) for item, doc in stored],
            )
            await Assessments(conn).link_many(
                [(item.credential_id, UUID(a)) for item, _ in stored for a in item.qualification.assessment_ids]
            )
            for item, _ in stored:
                counts.issue(item.row, item.credential_id)
                events.extend(_issue_events(item, lease, now))
                after_commit(partial(count_issuance, item.qualification.tier))
            issued.extend(item for item, _ in stored)
            await _record_settled(conn, lease, counts, now)
    finally:
        for _, signing in chunks:
            signing.cancel()  # after a failure: the rest are not waited for (a no-op on those already done)
    await Events(conn).append_prepared(events)
    await record_status_slot_batch(conn, [item.slots for item in issued])


def _chunk_size(tasks: int, processes: int) -> int:
    """Eight chunks per worker process, of 16 to 250 drafts: small enough that storing one overlaps signing the
    next, large enough that handing one over costs little."""
    return max(16, min(250, -(-tasks // (processes * 8))))


def _issue_events(item: _Ready, lease: JobLease, now: datetime) -> list[PreparedEvent]:
    """The row's two events, as the single path writes them: its exam recorded, its credential issued."""
    exam, qualification = item.exam, item.qualification
    recorded = {"assessment": str(exam.id), "kind": exam.kind, "outcome": exam.outcome}
    issued = {
        "tier": qualification.tier,
        "cryptosuite": item.cryptosuite,
        "assessments": qualification.assessment_ids,
        "predecessor": None,
    }
    return [
        prepare_event(_event("assessment_recorded", now, None, None, recorded)),
        prepare_event(_event("credential_issued", now, item.credential_id, lease.submitted_by, issued)),
    ]


def _event(
    kind: str, now: datetime, credential_id: str | None, actor: UUID | None, data: dict[str, Any]
) -> EventColumns:
    return EventColumns(
        seq=0, occurred_at=now, kind=kind, credential_id=credential_id, organization_id=None, actor=actor, data=data
    )


def _draft(item: _Ready) -> CredentialDraft:
    q = item.qualification
    return CredentialDraft(
        credential_id=item.credential_id,
        tier=q.tier,
        subject_name=item.holder.display_name,
        valid_from=q.valid_from,
        valid_until=q.valid_until,
        evidence=q.evidence,
        status_slots=item.slots,
    )


def _new_credential(item: _Ready, document: bytes, kid: str, actor: UUID | None, now: datetime) -> NewCredential:
    q = item.qualification
    return NewCredential(
        id=item.credential_id,
        tier=q.tier,
        holder_id=item.holder.id,
        organization_id=None,
        subject_name=item.holder.display_name,
        verification_code=new_verification_code(),
        valid_from=q.valid_from,
        valid_until=q.valid_until,
        document=document,
        cryptosuite=item.cryptosuite,
        signing_key_id=kid,
        **slot_columns(item.slots),
        predecessor_id=None,
        issued_at=now,
        issued_by=actor,
    )


async def _insert_with_fresh_codes(conn: Connection, records: list[NewCredential]) -> None:
    """`insertion.insert_with_fresh_code` for a batch: rows whose code was taken get a new one (not in the document)."""
    store = Credentials(conn)
    for _ in range(_CODE_DRAWS):
        written = await store.insert_many(records)
        records = [
            msgspec.structs.replace(r, verification_code=new_verification_code())
            for r in records
            if r.id not in written
        ]
        if not records:
            return
    raise errors.ConflictError("could not draw free verification codes")


async def _record(conn: Connection, lease: JobLease, counts: BatchCounts, now: datetime) -> None:
    """The batch's row keys, outcomes and counts, then the audit checkpoint that falls due, in its transaction."""
    await _record_settled(conn, lease, counts, now)
    await IssuanceJobs(conn).count_outcomes(
        lease.job_id, issued=counts.issued, failed=counts.failed, duplicates=counts.duplicates
    )


async def _record_settled(conn: Connection, lease: JobLease, counts: BatchCounts, now: datetime) -> None:
    """The row keys and outcomes settled since the last call (a row key only with its credential's row written)."""
    outcomes, keys = counts.unrecorded()
    jobs = IssuanceJobs(conn)
    if keys:
        await jobs.insert_row_keys(lease.job_id, now, keys)
    if outcomes:
        await jobs.record_outcomes(lease.job_id, now, outcomes)


def _lease_until(now: datetime, lease: JobLease) -> datetime:
    return now + timedelta(seconds=lease.lease_seconds)


async def issue_existing_row(
    conn: Connection, ctx: ServiceContext, lease: JobLease, row: PendingRow, now: datetime
) -> BatchCounts:
    """A row naming an existing holder or organisation: the single path (`issue_in_transaction`), its own
    transaction, with the row's key, outcome and count."""

    async def command() -> BatchCounts:
        jobs = IssuanceJobs(conn)
        if not await jobs.renew_lease(lease.job_id, lease.owner, _lease_until(now, lease)):
            raise LeaseLostError(f"job {lease.job_id} was taken over by another worker")
        counts = BatchCounts()
        found = await jobs.issued_keys([row.row_key])
        if found:
            counts.duplicate(row, found[0])
        else:
            request = bulk_row(row)
            issue = IssueCredentialRequest(
                tier=request.tier,
                holder_id=request.holder_id,
                organization_id=request.organization_id,
                cryptosuite=request.cryptosuite,
            )
            try:
                async with transaction(conn):  # a savepoint: a refused row leaves nothing
                    record = await issue_in_transaction(
                        conn, ctx, issue, now=now, origin=IssueOrigin(client_id=lease.submitted_by)
                    )
            except ROW_ERRORS as exc:
                counts.fail(row, exc)
            else:
                counts.issue(row, record.id)
        await _record(conn, lease, counts, now)
        await checkpoint_after_write(conn, ctx, now=now)
        return counts

    return await run_in_transaction(conn, command)
