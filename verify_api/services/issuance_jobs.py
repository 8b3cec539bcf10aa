"""Bulk issuance jobs: accepting a file, running jobs to the end (in the server or the CLI), and reading them back.

- `submit_job` reads the whole file (services.bulk_file: a malformed one is refused with its line and column and
  nothing is written), then writes the job and every row in one transaction: once it answers, nothing is lost.
- `JobRunner.run_job` works a job batch by batch (services.bulk_issuance), each batch one transaction holding the
  job's lease; `IssuanceJobWorker` is the server's loop (a lifespan task) claiming jobs nobody holds, the oldest
  first, with FOR UPDATE SKIP LOCKED, so a second instance shares the work and a job whose server died (its lease
  expired, BULK_JOB_LEASE_SECONDS) is picked up where its last committed batch left it.
- `job_view` and `job_results` are the reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import msgspec

from verify_api.db.issuance_jobs import IssuanceJobRecord, IssuanceJobs, NewJobRow, ResultRecord
from verify_api.errors import DatabaseUnavailableError, IssuanceJobNotFoundError, SigningKeyError, VerifyApiError
from verify_api.services.batch_faults import WAIT_ERRORS, BatchFaults
from verify_api.services.bulk_file import BulkFormat, read_bulk_file
from verify_api.services.bulk_issuance import JobLease, LeaseLostError, issue_existing_row, issue_new_holder_batch
from verify_api.services.signing_pool import SigningPool, signing_processes
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from datetime import datetime

    from verify_api.db.pool import Connection, Pool
    from verify_api.services.context import ServiceContext

log = logging.getLogger("verify_api")
_RESULT_PAGE = 2000


@dataclass(frozen=True)
class JobProgress:
    job: IssuanceJobRecord

    @property
    def settled(self) -> int:
        return self.job.issued + self.job.failed + self.job.duplicates

    @property
    def pending(self) -> int:
        return self.job.total - self.settled


async def submit_job(  # noqa: PLR0913 - the file, its format and who sent it
    conn: Connection,
    body: bytes,
    file_format: BulkFormat,
    *,
    ctx: ServiceContext,
    now: datetime,
    submitted_by: UUID | None,
    leased_to: str | None = None,
) -> IssuanceJobRecord:
    """Read the file and store the job with all its rows (state `queued`), or refuse the file whole. `leased_to`:
    the job is held by that worker from the start (the CLI runs the job it submits)."""
    rows = await asyncio.to_thread(read_bulk_file, body, file_format, max_rows=ctx.settings.bulk_max_rows)
    job_id = uuid4()
    new_rows = [NewJobRow(r.number, r.line, r.key, r.fingerprint, msgspec.json.encode(r.row).decode()) for r in rows]

    async def command() -> IssuanceJobRecord:
        jobs = IssuanceJobs(conn)
        lease = None
        if leased_to is not None:
            lease = (leased_to, now + timedelta(seconds=ctx.settings.bulk_job_lease_seconds))
        await jobs.insert_job(job_id, file_format, len(new_rows), submitted_by, now, lease)
        await jobs.insert_rows(job_id, new_rows)
        job = await jobs.get_job(job_id)
        assert job is not None
        return job

    return await run_in_transaction(conn, command)


async def get_job(conn: Connection, job_id: UUID) -> JobProgress:
    job = await IssuanceJobs(conn).get_job(job_id)
    if job is None:
        raise IssuanceJobNotFoundError(f"no issuance job has id {job_id}")
    return JobProgress(job)


async def job_results(conn: Connection, job_id: UUID) -> AsyncIterator[ResultRecord]:
    """Every row's result in file order, a page at a time (rows still pending included, as pending)."""
    await get_job(conn, job_id)
    after = 0
    while True:
        page = await IssuanceJobs(conn).result_page(job_id, after, _RESULT_PAGE)
        for record in page:
            yield record
        if len(page) < _RESULT_PAGE:
            return
        after = page[-1].row_number


def new_worker_id() -> str:
    return f"worker-{secrets.token_hex(6)}"


class JobRunner:
    """Runs jobs with one signing pool (started on first use, kept for the next job)."""

    def __init__(self, ctx: ServiceContext, *, owner: str | None = None) -> None:
        self.ctx = ctx
        self.owner = owner or new_worker_id()
        self.pool = SigningPool(ctx.settings, signing_processes(ctx.settings))

    def close(self) -> None:
        self.pool.close()

    async def claim(self, conn: Connection) -> JobLease | None:
        now = self.ctx.clock()
        lease_until = now + timedelta(seconds=self.ctx.settings.bulk_job_lease_seconds)
        claimed = await IssuanceJobs(conn).claim_job(self.owner, now, lease_until)
        if claimed is None:
            return None
        return JobLease(claimed.id, self.owner, claimed.submitted_by, self.ctx.settings.bulk_job_lease_seconds)

    def lease_of(self, job: IssuanceJobRecord) -> JobLease:
        """The lease of a job this runner submitted with `submit_job(..., leased_to=runner.owner)`."""
        return JobLease(job.id, self.owner, None, self.ctx.settings.bulk_job_lease_seconds)

    async def run_job(
        self, conn: Connection, lease: JobLease, *, on_progress: Callable[[int], None] | None = None
    ) -> IssuanceJobRecord:
        """`run_batches`, with a batch that fails with an unexpected error tried again a bounded number of times and
        then its rows marked failed, so the job still ends (services.batch_faults)."""
        faults = BatchFaults(self.ctx, lease)
        while True:
            try:
                return await self.run_batches(conn, lease, on_progress=on_progress)
            except WAIT_ERRORS:
                raise
            except Exception as exc:  # noqa: BLE001 - logged with its traceback by BatchFaults, the job goes on
                await faults.settle(conn, exc, on_progress=on_progress)

    async def run_batches(
        self, conn: Connection, lease: JobLease, *, on_progress: Callable[[int], None] | None = None
    ) -> IssuanceJobRecord:
        """Settle every pending row of the job, batch by batch, then mark it completed. `on_progress(rows)` is told
        how many rows each batch settled."""
        jobs = IssuanceJobs(conn)
        batch_size = self.ctx.settings.bulk_batch_size
        while True:
            pending = await jobs.pending_rows(lease.job_id, batch_size)
            if not pending:
                break
            now = self.ctx.clock()
            new_holders = [row for row in pending if "displayName" in row.input]
            settled = 0
            if new_holders:
                counts = await issue_new_holder_batch(conn, self.ctx, lease, new_holders, self.pool, now)
                settled += len(counts.outcomes)
            for row in pending:
                if "displayName" not in row.input:
                    counts = await issue_existing_row(conn, self.ctx, lease, row, self.ctx.clock())
                    settled += len(counts.outcomes)
            if on_progress is not None:
                on_progress(settled)
        await jobs.finish_job(lease.job_id, lease.owner, self.ctx.clock())
        job = await jobs.get_job(lease.job_id)
        assert job is not None
        return job


class IssuanceJobWorker:
    """The server's job worker: a task that claims and runs jobs until the app stops (BULK_WORKER)."""

    def __init__(self, ctx: ServiceContext, pool: Pool) -> None:
        self.ctx = ctx
        self.db_pool = pool
        self.runner = JobRunner(ctx)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="issuance-job-worker")

    def wake(self) -> None:
        """A job was just submitted here: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self.runner.close)

    async def _loop(self) -> None:
        while True:
            try:
                ran = await self._run_one()
            except (DatabaseUnavailableError, OSError) as exc:
                log.warning("issuance job worker: database unavailable (%s); trying again shortly", type(exc).__name__)
                ran = False
            except (LeaseLostError, SigningKeyError) as exc:
                log.warning("issuance job worker: %s", exc.detail)
                ran = False
            except VerifyApiError as exc:
                log.error("issuance job worker: %s", exc.detail)
                ran = False
            except Exception:
                log.exception("issuance job worker: unexpected error; the job stays pending")
                ran = False
            if not ran:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.ctx.settings.bulk_poll_seconds)

    async def _run_one(self) -> bool:
        async with self.db_pool.acquire() as conn:
            lease = await self.runner.claim(conn)
            if lease is None:
                return False
            log.info("issuance job %s: claimed by %s", lease.job_id, self.runner.owner)
            job = await self.runner.run_job(conn, lease)
            log.info(
                "issuance job %s: %s (%d issued, %d failed, %d duplicates)",
                job.id,
                job.state,
                job.issued,
                job.failed,
                job.duplicates,
            )
            return True


async def recent_jobs(conn: Connection, limit: int) -> list[JobProgress]:
    """The newest jobs first (the staff console's list)."""
    return [JobProgress(job) for job in await IssuanceJobs(conn).recent_jobs(limit)]


async def failed_results(conn: Connection, job_id: UUID, limit: int) -> list[ResultRecord]:
    """The first `limit` rows of the job that failed, in file order."""
    await get_job(conn, job_id)
    return await IssuanceJobs(conn).failed_result_page(job_id, limit)


async def first_results(conn: Connection, job_id: UUID, limit: int) -> list[ResultRecord]:
    """The results of the job's first `limit` rows, in file order (pending rows included, as pending)."""
    await get_job(conn, job_id)
    return await IssuanceJobs(conn).result_page(job_id, 0, limit)
