"""A bulk job's batch that fails with an unexpected error: tried again a bounded number of times, then given up.

A row's own refusal (a tier rule not met, a taken e-mail: `bulk_issuance.ROW_ERRORS`) settles that row and never
fails its batch. Anything else raised while a batch is worked on (a constraint or trigger the code does not expect,
a bug) rolls the batch back whole; without this, the worker would meet the same error again at every poll, forever,
and the job would never end. Instead the runner (`issuance_jobs.JobRunner.run_job`) hands the error here:

- the batch is the job's first pending rows (the failed transaction left them pending), counted by the first one;
- below BULK_BATCH_ATTEMPTS tries, the worker waits BULK_BATCH_RETRY_SECONDS x 2^(tries - 1) (at most
  MAX_RETRY_SECONDS), its lease renewed to cover the wait, and the job goes on from the same rows;
- at BULK_BATCH_ATTEMPTS, those rows are marked failed, in one transaction under the job's lease, with
  `IssuanceBatchFailedError` (its detail says the batch failed that many times and that submitting the rows again
  retries them; the error itself goes to the server's log only), and the job goes on with its other rows.

What only waits (the database down, the signing key unavailable, the lease lost to another worker) is not a fault
of the batch: those propagate as before and the worker tries again later. The tries are counted by the runner, so
a server restart starts the count again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from verify_api.db.issuance_jobs import IssuanceJobs
from verify_api.errors import DatabaseUnavailableError, IssuanceBatchFailedError, SigningKeyError
from verify_api.services.bulk_issuance import BatchCounts, LeaseLostError
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from collections.abc import Callable

    from verify_api.db.issuance_jobs import PendingRow
    from verify_api.db.pool import Connection
    from verify_api.services.bulk_issuance import JobLease
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

log = logging.getLogger("verify_api")

# Errors that say "not now", not "this batch is broken": they leave the batch pending for a later try.
WAIT_ERRORS = (LeaseLostError, SigningKeyError, DatabaseUnavailableError, OSError)
MAX_RETRY_SECONDS = 300.0


def batch_retry_delay(settings: Settings, tries: int) -> float:
    """The wait after the `tries`-th failed try: BULK_BATCH_RETRY_SECONDS, doubled for each try after the first."""
    doubled: float = settings.bulk_batch_retry_seconds * 2.0 ** min(tries - 1, 64)  # no float overflow
    return min(doubled, MAX_RETRY_SECONDS)


class BatchFaults:
    """The tries of the batch that is failing now, for one run of one job."""

    def __init__(self, ctx: ServiceContext, lease: JobLease) -> None:
        self.ctx = ctx
        self.lease = lease
        self.first_row: int | None = None
        self.tries = 0

    async def settle(
        self, conn: Connection, exc: Exception, *, on_progress: Callable[[int], None] | None = None
    ) -> None:
        """After a batch failed with `exc`: wait before its next try, or mark its rows failed once it has had
        BULK_BATCH_ATTEMPTS tries. Re-raises `exc` when no row is pending (the failure was not a batch's)."""
        settings = self.ctx.settings
        jobs = IssuanceJobs(conn)
        pending = await jobs.pending_rows(self.lease.job_id, settings.bulk_batch_size)
        if not pending:
            raise exc
        if pending[0].row_number != self.first_row:
            self.first_row, self.tries = pending[0].row_number, 0
        self.tries += 1
        log.error(
            "issuance job %s: the batch from row %d failed with an unexpected error (try %d of %d)",
            self.lease.job_id,
            self.first_row,
            self.tries,
            settings.bulk_batch_attempts,
            exc_info=exc,
        )
        if self.tries < settings.bulk_batch_attempts:
            delay = batch_retry_delay(settings, self.tries)
            until = self.ctx.clock() + timedelta(seconds=delay + self.lease.lease_seconds)
            if not await jobs.renew_lease(self.lease.job_id, self.lease.owner, until):
                raise LeaseLostError(f"job {self.lease.job_id} was taken over by another worker") from exc
            await asyncio.sleep(delay)
            return
        await self.fail_rows(conn, pending)
        self.first_row, self.tries = None, 0
        if on_progress is not None:
            on_progress(len(pending))

    async def fail_rows(self, conn: Connection, rows: list[PendingRow]) -> None:
        """Mark the batch's rows failed (and counted), in one transaction under the job's lease."""
        tries = self.ctx.settings.bulk_batch_attempts
        problem = IssuanceBatchFailedError(
            f"not issued: the batch this row was in failed with an unexpected error on each of {tries} tries (the "
            "error is in the server's log); submit the row again to retry it (rows already issued are not issued "
            "twice)"
        )
        lease = self.lease

        async def command() -> None:
            jobs = IssuanceJobs(conn)
            now = self.ctx.clock()
            if not await jobs.renew_lease(lease.job_id, lease.owner, now + timedelta(seconds=lease.lease_seconds)):
                raise LeaseLostError(f"job {lease.job_id} was taken over by another worker")
            counts = BatchCounts()
            for row in rows:
                counts.fail(row, problem)
            await jobs.record_outcomes(lease.job_id, now, counts.outcomes)
            await jobs.count_outcomes(lease.job_id, issued=0, failed=counts.failed, duplicates=0)

        await run_in_transaction(conn, command)
        log.error("issuance job %s: rows %d to %d marked failed", lease.job_id, rows[0].row_number, rows[-1].row_number)
