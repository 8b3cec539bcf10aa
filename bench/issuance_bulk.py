"""Part `bulk-issuance`: a bulk job end to end, beside the sign bound of the same run; single issuance at list fills.

- Sign bound: the same drafts signed on every core (one process per core, as the job's pool), sign only
  (`IssuerKey.sign_sync`), and sign + the stored-proof check the job also runs (`sign_draft_sync`).
- Bulk: a CSV of N new holders with passed AIDA exams, from the file to committed rows: `submit_job` (read and store
  the file) then `JobRunner.run_job` (what the server's worker and `verify-api issue-bulk` run). N = 10,000 by
  default; BENCH_BULK_ROWS=10000,100000 for the 100k figure (about 3 minutes on a quiet 2-core machine at target).
- Single issuance at status-list fills of 0, 25 % and just under 50 % (a list closes at half): the lists filled by
  direct inserts, then `issue_credential` (the use case of POST /v1/credentials) for prepared holders, and the slot
  draw alone (`draw_status_slots`, rolled back). Flat is the goal.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import TYPE_CHECKING

from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.timing import ms, summarize
from verify_api.assessment_schemas import ExamResult
from verify_api.db.pool import connect
from verify_api.domain.codes import new_credential_id
from verify_api.domain.credential import CredentialDraft, StatusSlot
from verify_api.errors import CanonicalizationLimitError
from verify_api.proofs.keys import WitnessedSigner
from verify_api.schemas import CreateHolderRequest, IssueCredentialRequest
from verify_api.services.context import IssuerKey, ServiceContext
from verify_api.services.issuance import issue_credential
from verify_api.services.issuance_jobs import JobRunner, submit_job
from verify_api.services.key_files import read_key_file
from verify_api.services.signing_pool import FULL_CHECK_ONE_IN, SignTask, sign_draft_sync, signing_processes
from verify_api.services.status_slots import draw_status_slots, new_status_list_id
from verify_api.services.subjects import create_holder, record_assessment

if TYPE_CHECKING:
    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

SUITE = "eddsa-rdfc-2022"
_BOUND: tuple[IssuerKey, str, str] | None = None


def _load_bound_key(key_path: str, settings: Settings) -> None:
    global _BOUND
    from pathlib import Path

    signer = read_key_file(Path(key_path), None)
    _BOUND = (IssuerKey.for_settings(WitnessedSigner(signer), settings), settings.base_url, settings.issuer_name)


def _draft_task(now: datetime) -> SignTask:
    slots = [StatusSlot("revocation", "benchrevocation", 17), StatusSlot("suspension", "benchsuspension", 23)]
    draft = CredentialDraft(
        credential_id=new_credential_id(),
        tier="AIDA",
        subject_name="Bench Holder",
        valid_from=now,
        valid_until=now.replace(year=now.year + 2),
        evidence=[],
        status_slots=slots,
    )
    return SignTask(draft, SUITE, now)


def _sign_only(count: int) -> int:
    from verify_api.domain.credential import build_unsigned_credential

    assert _BOUND is not None
    key, base_url, issuer_name = _BOUND
    now = datetime.now(UTC).replace(microsecond=0)
    for _ in range(count):
        unsigned = build_unsigned_credential(_draft_task(now).draft, base_url=base_url, issuer_name=issuer_name)
        for _attempt in range(3):  # as the job's pool: a starved core can hit canonicalisation's wall-clock limit
            try:
                key.sign_sync(unsigned, cryptosuite=SUITE, created=now)
            except CanonicalizationLimitError:
                continue
            break
    return count


def _sign_and_check(count: int) -> int:
    """As the job's workers: every document checked cheaply, the first and one in FULL_CHECK_ONE_IN fully."""
    assert _BOUND is not None
    key, base_url, issuer_name = _BOUND
    now = datetime.now(UTC).replace(microsecond=0)
    for number in range(count):
        full = number == 0 or random.random() < 1 / FULL_CHECK_ONE_IN
        sign_draft_sync(_draft_task(now), key, base_url, issuer_name, full_check=full)
    return count


def sign_bound(ctx: BenchContext, processes: int, per_process: int) -> dict[str, float]:
    """Documents per second on `processes` processes: sign only, and sign + check (what the job's pool does)."""
    settings = ctx.env.settings
    rates = {}
    with ProcessPoolExecutor(
        processes,
        mp_context=get_context("spawn"),
        initializer=_load_bound_key,
        initargs=(str(ctx.env.key_path), settings),
    ) as pool:
        list(pool.map(_sign_only, [3] * processes))  # warm: imports, contexts
        for name, work in (("sign only", _sign_only), ("sign + check", _sign_and_check)):
            began = time.perf_counter()
            done = sum(pool.map(work, [per_process] * processes))
            rates[name] = done / (time.perf_counter() - began)
    return rates


def exam_file(rows: int, tag: str, suite: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["displayName", "email", "score", "maxScore", "assessedAt", "cryptosuite"])
    for i in range(rows):
        writer.writerow([f"Candidate {tag}-{i}", f"{tag}-{i}@bench.example", 80, 100, "2026-11-20T09:00:00Z", suite])
    return out.getvalue().encode()


async def bulk_job(ctx: BenchContext, rows: int, suite: str) -> tuple[float, float, int]:
    """(seconds to read and store the file, seconds from the file to the last committed row, rows issued)."""
    services = ServiceContext.for_key(ctx.env.settings, ctx.env.issuer_key)
    body = exam_file(rows, f"b{rows}-{time.monotonic_ns()}", suite)
    conn = await connect(ctx.env.database_url)
    runner = JobRunner(services)
    try:
        # The pool's processes are started before the clock: a server keeps its pool from job to job.
        await runner.pool.sign(services.issuer_key, [_draft_task(datetime.now(UTC).replace(microsecond=0))] * 4)
        began = time.perf_counter()
        job = await submit_job(
            conn, body, "csv", ctx=services, now=services.clock(), submitted_by=None, leased_to=runner.owner
        )
        stored = time.perf_counter() - began
        done = await runner.run_job(conn, runner.lease_of(job), on_progress=lambda _: None)
        elapsed = time.perf_counter() - began
    finally:
        await asyncio.to_thread(runner.close)
        await conn.close()
    return stored, elapsed, done.issued


async def _open_filled_lists(conn: Connection, settings: Settings, fill: int, now: datetime) -> None:
    """New current lists of both purposes holding `fill` credentials each (direct inserts, random slots)."""
    revocation, suspension = new_status_list_id(), new_status_list_id()
    size = settings.status_list_size
    kid = await conn.fetchval("SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at LIMIT 1")
    for list_id, purpose in ((revocation, "revocation"), (suspension, "suspension")):
        await conn.execute(
            "INSERT INTO status_lists (id, purpose, size, created_at, updated_at, allocated) "
            "VALUES ($1, $2, $3, $4, $4, $5)",
            list_id,
            purpose,
            size,
            now,
            fill,
        )
    if fill == 0:
        return
    await conn.execute(
        """
        WITH h AS (
            INSERT INTO holders (id, display_name, created_at)
            SELECT gen_random_uuid(), 'Filler', $4 FROM generate_series(1, $3) RETURNING id
        ), numbered AS (SELECT id, row_number() OVER () AS n FROM h),
        rev AS (SELECT i, row_number() OVER (ORDER BY random()) AS n FROM generate_series(0, $6 - 1) i),
        sus AS (SELECT i, row_number() OVER (ORDER BY random()) AS n FROM generate_series(0, $6 - 1) i)
        INSERT INTO credentials (id, tier, holder_id, subject_name, verification_code, valid_from, valid_until,
                                 document, cryptosuite, signing_key_id, revocation_list, revocation_index,
                                 suspension_list, suspension_index, issued_at)
        SELECT substr(translate(md5(random()::text) || md5(random()::text), '0189', 'wxyz'), 1, 26),
               'AIDA', numbered.id, 'Filler', 'FILL-' || numbered.n || '-' || $1, $4, $4 + interval '730 days',
               '\\x7b7d'::bytea, 'eddsa-jcs-2022', $5, $1, rev.i, $2, sus.i, $4
        FROM numbered JOIN rev USING (n) JOIN sus USING (n)
        """,
        revocation,
        suspension,
        fill,
        now,
        kid,
        size,
    )


async def single_at_fills(ctx: BenchContext, calls: int) -> list[list[str]]:
    settings = ctx.env.settings
    services = ServiceContext.for_key(settings, ctx.env.issuer_key)
    conn = await connect(ctx.env.database_url)
    rows = []
    try:
        size = settings.status_list_size
        for label, fill in (("0 %", 0), ("25 %", size // 4), ("just under 50 %", size // 2 - 4 * calls - 8)):
            now = datetime.now(UTC)
            await _open_filled_lists(conn, settings, fill, now)
            # As a list filled over months would be: its rows' visibility settled and the planner's statistics
            # current (freshly bulk-inserted rows cost every first reader a heap visit and a hint-bit write).
            await conn.execute("VACUUM (ANALYZE) credentials, holders")
            draws = []
            for _ in range(calls):
                tr = conn.transaction()
                await tr.start()
                began = time.perf_counter()
                await draw_status_slots(conn, size, now)
                draws.append(time.perf_counter() - began)
                await tr.rollback()
            for suite in ("eddsa-jcs-2022", SUITE):
                holders = []
                for _ in range(calls):
                    holder = await create_holder(conn, CreateHolderRequest(display_name="Bench Fill"), now=now)
                    exam = ExamResult(holder_id=holder.id, score=90, max_score=100)
                    await record_assessment(conn, services, exam, now=now, recorded_by=None)
                    holders.append(holder.id)
                durations = []
                for holder_id in holders:
                    request = IssueCredentialRequest(tier="AIDA", holder_id=holder_id, cryptosuite=suite)  # type: ignore[arg-type]
                    began = time.perf_counter()
                    await issue_credential(conn, services, request, now=datetime.now(UTC))
                    durations.append(time.perf_counter() - began)
                timing, draw = summarize(durations), summarize(draws)
                rows.append(
                    [
                        label,
                        f"{fill:,}",
                        suite,
                        ms(timing.median_s),
                        ms(timing.p99_s),
                        f"{1000 * draw.median_s:.2f}",
                        str(calls),
                    ]
                )
    finally:
        await conn.close()
    return rows


def _bulk_runs(quick: bool) -> list[tuple[str, int]]:
    """(cryptosuite, rows) of each job: eddsa-rdfc-2022 (the default, the target) and eddsa-jcs-2022 (signing
    nearly free: what the rest of the pipeline costs, where a faster RDFC brings the default)."""
    sizes = [200] if quick else [int(n) for n in os.environ.get("BENCH_BULK_ROWS", "10000").split(",") if n.strip()]
    return [(suite, rows) for rows in sizes for suite in (SUITE, "eddsa-jcs-2022")]


def run(ctx: BenchContext) -> PartResult:
    processes = signing_processes(ctx.env.settings)
    bound = sign_bound(ctx, processes, 20 if ctx.quick else 150)
    ctx.log(f"sign bound on {processes} processes: {bound}")
    bulk_rows = []
    for suite, rows in _bulk_runs(ctx.quick):
        stored, elapsed, issued = asyncio.run(bulk_job(ctx, rows, suite))
        rate = issued / elapsed
        ctx.log(f"bulk {suite} {rows}: {elapsed:.1f} s, {rate:.0f}/s")
        bulk_rows.append(
            [
                suite,
                f"{rows:,}",
                f"{issued:,}",
                f"{stored:.1f}",
                f"{elapsed:.1f}",
                f"{rate:.0f}",
                *(
                    [f"{bound['sign only']:.0f}", f"{bound['sign + check']:.0f}", f"{rate / bound['sign + check']:.0%}"]
                    if suite == SUITE
                    else ["-", "-", "-"]  # the bounds are eddsa-rdfc-2022's
                ),
            ]
        )
    fills = asyncio.run(single_at_fills(ctx, 10 if ctx.quick else 40))
    return PartResult(
        tables=[
            (
                "Bulk job, new holders with passed AIDA exams, file to committed rows "
                f"({processes} signing processes, batches of {ctx.env.settings.bulk_batch_size})",
                Table(
                    [
                        "cryptosuite",
                        "rows",
                        "issued",
                        "file stored s",
                        "total s",
                        "cred/s",
                        "sign-only bound/s",
                        "sign+check bound/s",
                        "of sign+check",
                    ],
                    bulk_rows,
                ),
            ),
            (
                "Single issuance (issue_credential, 1 connection, sequential) at status-list fills",
                Table(
                    ["fill", "slots used per list", "cryptosuite", "p50 ms", "p99 ms", "slot draw p50 ms", "n"], fills
                ),
            ),
        ],
        notes=[
            "Bounds: the same AIDA drafts built and signed on the same number of processes in this run (sign only: "
            "`IssuerKey.sign_sync`; sign + check: also the check the job's workers run, `check_signed_bytes_sync` on "
            f"every document and the full stored-proof check on one in {FULL_CHECK_ONE_IN}).",
            "BENCH_BULK_ROWS=10000,100000 adds the 100k job (not in `make bench` by default: minutes).",
            "Lists filled by direct inserts (random slots) and marked allocated; a list closes at half full, so the "
            "last fill is just under 50 %.",
        ],
    )


register(Part(name="bulk-issuance", title="Bulk issuance and single issuance at list fills", run=run))
