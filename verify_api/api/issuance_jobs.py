"""Bulk issuance over HTTP: POST /v1/issuance-jobs (a CSV or JSON Lines file), the job's state, its results.

The file is the request body, up to BULK_MAX_BODY_BYTES (this router's own cap; 413 beyond). A file that cannot be
read is a 422 `malformed-bulk-file` problem with the `line` and `column` of the first error, and nothing is written.
The server's job worker (services.issuance_jobs) runs the job; the results are one line per row, in file order,
as JSON Lines or CSV (by Accept).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Stream
from litestar.status_codes import HTTP_202_ACCEPTED

from verify_api import errors
from verify_api.api.auth import require_scope
from verify_api.api.deps import Call, Conn, RuntimeDep
from verify_api.api.problems import problem_for_type
from verify_api.api.routes import binary_body, example, scoped
from verify_api.domain.credential import credential_url
from verify_api.issuance_job_schemas import IssuanceJobView, JobState, RowOutcome, RowProblem, RowResult
from verify_api.problem_types import pai_problem
from verify_api.services.bulk_file import MEDIA_TYPES
from verify_api.services.issuance_jobs import JobProgress, get_job, job_results, submit_job

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from verify_api.api.deps import Runtime
    from verify_api.db.issuance_jobs import ResultRecord
    from verify_api.settings import Settings

JSONL = "application/jsonl"
CSV = "text/csv"
CSV_COLUMNS = [
    "row",
    "line",
    "key",
    "outcome",
    "credentialId",
    "verificationCode",
    "url",
    "duplicateOf",
    "problemType",
    "problemStatus",
    "problemDetail",
]


def job_view(progress: JobProgress, base_url: str) -> IssuanceJobView:
    job = progress.job
    return IssuanceJobView(
        id=job.id,
        state=msgspec.convert(job.state, JobState),
        total=job.total,
        issued=job.issued,
        failed=job.failed,
        duplicates=job.duplicates,
        pending=progress.pending,
        progress=round(progress.settled / job.total, 4) if job.total else 1.0,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        results_url=f"{base_url}/v1/issuance-jobs/{job.id}/results",
    )


def row_problem(stored: dict[str, Any]) -> RowProblem:
    """The problem the single path answers for the stored domain error (api/problems.py's table)."""
    error_type = getattr(errors, str(stored.get("error")), errors.VerifyApiError)
    status, slug, title = problem_for_type(error_type)
    return RowProblem(
        type=pai_problem(slug),
        title=title,
        status=status,
        detail=str(stored.get("detail", "")),
        rule=stored.get("rule"),
        missing=stored.get("missing"),
    )


def row_result(record: ResultRecord, base_url: str) -> RowResult:
    outcome: RowOutcome = msgspec.convert(record.outcome or "pending", RowOutcome)
    return RowResult(
        row=record.row_number,
        line=record.line,
        key=record.row_key,
        outcome=outcome,
        credential_id=record.credential_id,
        verification_code=record.verification_code,
        url=credential_url(base_url, record.credential_id) if record.credential_id else None,
        duplicate_of=record.duplicate_of,
        problem=row_problem(record.problem) if record.problem is not None else None,
    )


def csv_line(result: RowResult) -> bytes:
    problem = result.problem
    values = [result.row, result.line, result.key, result.outcome, result.credential_id, result.verification_code,
              result.url, result.duplicate_of, problem.type if problem else None, problem.status if problem else None,
              problem.detail if problem else None]  # fmt: skip
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(["" if v is None else v for v in values])
    return out.getvalue().encode()


@scoped(
    post,
    "/issuance-jobs",
    scope="issue",
    operation_id="CreateIssuanceJob",
    status_code=HTTP_202_ACCEPTED,
    summary="Issue credentials in bulk from a CSV or JSON Lines file",
    description="The body is a file of rows (Content-Type text/csv with a header row, or application/jsonl / "
    "application/x-ndjson, one JSON object per line): new holders with their exam result (displayName, email, score, "
    "maxScore, assessedAt, examVersion; tier AIDA by default) or existing subjects (holderId or organizationId, any "
    "tier, evidence on record). Each row's `key` (or, without one, its content) makes it issue at most once, whatever "
    "file or job carries it again. A file that cannot be read is refused whole (422 `malformed-bulk-file` with "
    "`line` and `column`), and nothing is written. Answers 202 with the job (Location: its URL); the server issues "
    "the rows in the background, each judged by the single-issue rules, and a row that fails does not stop the "
    "others.",
    problems=[415],
    raw_body=binary_body(MEDIA_TYPES),
    body_examples=[
        example(
            "An exam session as CSV",
            "key,displayName,email,score,maxScore,assessedAt\n"
            "session-42-001,Ada Lovelace,ada@example.org,42,50,2026-11-30T10:00:00Z\n"
            "session-42-002,Grace Hopper,grace@example.org,47,50,2026-11-30T10:00:00Z\n",
            media_type="text/csv",
        )
    ]
    + [
        example(
            "An exam session as JSON Lines",
            '{"key": "session-42-001", "displayName": "Ada Lovelace", "email": "ada@example.org", "score": 42, '
            '"maxScore": 50, "assessedAt": "2026-11-30T10:00:00Z"}\n',
            media_type=media,
        )
        for media in MEDIA_TYPES
        if media != "text/csv"
    ],
)
async def create_issuance_job(request: Request[Any, Any, Any], conn: Conn, call: Call) -> Response[IssuanceJobView]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    file_format = MEDIA_TYPES.get(content_type)
    if file_format is None:
        raise errors.UnsupportedMediaTypeError(content_type, tuple(MEDIA_TYPES))
    body = await request.body()
    job = await submit_job(conn, body, file_format, ctx=call.ctx, now=call.now, submitted_by=call.actor)
    worker = getattr(request.app.state, "issuance_worker", None)
    if worker is not None:
        worker.wake()
    base_url = call.ctx.settings.base_url
    view = job_view(JobProgress(job), base_url)
    return Response(view, status_code=HTTP_202_ACCEPTED, headers={"Location": f"{base_url}/v1/issuance-jobs/{job.id}"})


@scoped(
    get,
    "/issuance-jobs/{job_id:uuid}",
    scope="issue",
    operation_id="GetIssuanceJob",
    summary="A bulk issuance job's state and progress",
    description="The job's state (queued, running, completed), how many rows it has, and how many were issued, "
    "failed, or skipped as duplicates of a row issued before (by this file or an earlier one).",
)
async def get_issuance_job(conn: Conn, runtime: RuntimeDep, job_id: FromPath[UUID]) -> IssuanceJobView:
    return job_view(await get_job(conn, job_id), runtime.settings.base_url)


@scoped(
    get,
    "/issuance-jobs/{job_id:uuid}/results",
    scope="issue",
    operation_id="GetIssuanceJobResults",
    summary="One result per row of a bulk issuance job",
    description="Every row in file order: `issued` (credentialId, verificationCode, url), `duplicate` (the "
    "credential the same key issued before, and which row did), `failed` (the problem the single-issue path would "
    "answer: its type, status and detail; a tier rule names the rule and what is missing) or `pending`. JSON Lines "
    "(application/jsonl, the default) or CSV (Accept: text/csv).",
)
async def get_issuance_job_results(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, job_id: FromPath[UUID]
) -> Stream:
    await get_job(conn, job_id)  # a 404 before anything is streamed
    wanted = request.accept.best_match([JSONL, CSV, "application/x-ndjson"], default=JSONL)
    as_csv = wanted == CSV
    media_type = "text/csv; charset=utf-8" if as_csv else JSONL
    return Stream(result_lines(runtime, job_id, as_csv=as_csv), media_type=media_type, headers={"Vary": "Accept"})


def csv_line_header() -> bytes:
    return (",".join(CSV_COLUMNS) + "\r\n").encode()


async def result_lines(runtime: Runtime, job_id: UUID, *, as_csv: bool) -> AsyncIterator[bytes]:
    """The job's results as CSV (with its header) or JSON Lines, read on a connection of its own: a streamed
    response outlives its handler, and so the request's connection."""
    base_url = runtime.settings.base_url
    pool = runtime.pool
    assert pool is not None
    if as_csv:
        yield csv_line_header()
    async with pool.acquire() as stream_conn:
        async for record in job_results(stream_conn, job_id):
            result = row_result(record, base_url)
            yield csv_line(result) if as_csv else msgspec.json.encode(result) + b"\n"


def issuance_jobs_router(settings: Settings) -> Router:
    """Its own router for its own body cap (BULK_MAX_BODY_BYTES): a file of 100,000 rows is tens of megabytes."""
    return Router(
        path="/v1",
        guards=[require_scope],
        route_handlers=[create_issuance_job, get_issuance_job, get_issuance_job_results],
        request_max_body_size=settings.bulk_max_body_bytes,
    )
