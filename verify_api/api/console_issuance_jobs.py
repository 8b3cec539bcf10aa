"""The console's Bulk issuance pages (scope `issue`): upload a CSV or JSON Lines file, watch its job, read its rows.

The upload is the same job service as POST /v1/issuance-jobs (services.issuance_jobs.submit_job): a file that
cannot be read is shown on the page with the line and column of its first error and nothing is written; an accepted
file leads to its job's page (POST-redirect-GET). The job page shows the state, the counts and a progress bar (with
a Refresh link while the job runs: a `<meta http-equiv="refresh">` would move the page on by itself, which WCAG 2.2.1
and axe-core's `meta-refresh` rule refuse), the first rows and the failed ones with the rule and what is missing,
and links to download every row's result as CSV or JSON Lines (the API's results stream).

The upload has its own body cap (BULK_MAX_BODY_BYTES, as the API's route), so it is served by a router of its own
(`issuance_job_upload_router`); a bigger file is a 413 page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from verify_api.api.console import CONSOLE_HEADERS, CONSOLE_PATH, console_form, console_page, console_route, form_text
from verify_api.api.deps import Call, Conn, RuntimeDep
from verify_api.api.issuance_jobs import JSONL, job_view, result_lines, row_result
from verify_api.api.problems import handle_http_exception
from verify_api.errors import InvalidInputError, IssuanceJobNotFoundError, MalformedBulkFileError
from verify_api.services.bulk_file import MEDIA_TYPES, BulkFormat
from verify_api.services.issuance_jobs import failed_results, first_results, get_job, recent_jobs, submit_job

if TYPE_CHECKING:
    from verify_api.api.deps import Runtime
    from verify_api.settings import Settings

JOBS_PATH = f"{CONSOLE_PATH}/issuance-jobs"
RECENT_JOBS = 20
FIRST_ROWS = 100
FAILED_ROWS = 100
FORMATS: dict[str, BulkFormat] = {"csv": "csv", "jsonl": "jsonl"}
EXTENSIONS: dict[str, BulkFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl"}


async def jobs_page(
    request: Request[Any, Any, Any], conn: Conn, runtime: Runtime, *, status_code: int = 200, **context: Any
) -> Template:
    base_url = runtime.settings.base_url
    jobs = [job_view(progress, base_url) for progress in await recent_jobs(conn, RECENT_JOBS)]
    defaults: dict[str, Any] = {"malformed": None, "filename": None, "max_bytes": runtime.settings.bulk_max_body_bytes}
    return console_page(
        request,
        "console/issuance_jobs.html",
        status_code=status_code,
        section="issuance-jobs",
        jobs=jobs,
        **(defaults | context),
    )


@console_route(get, "/issuance-jobs", scope="issue")
async def console_issuance_jobs(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Template:
    return await jobs_page(request, conn, runtime)


def file_format_of(chosen: str, upload: UploadFile) -> BulkFormat:
    """The format the form names, or else the one the file's name (or the type the browser gave it) says."""
    if chosen in FORMATS:
        return FORMATS[chosen]
    name = upload.filename.lower()
    for extension, file_format in EXTENSIONS.items():
        if name.endswith(extension):
            return file_format
    by_type = MEDIA_TYPES.get(upload.content_type.split(";")[0].strip().lower())
    if by_type is None:
        raise InvalidInputError(
            "the file's name ends neither in .csv nor in .jsonl: choose its format (CSV or JSON Lines) and upload "
            "it again"
        )
    return by_type


@console_route(post, "/issuance-jobs", scope="issue", status_code=200)
async def console_submit_issuance_job(request: Request[Any, Any, Any], conn: Conn, call: Call) -> Response[Any]:
    """The file as a new job (the staff member its submitter), then its page; or this page saying what is wrong."""
    form = await console_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await jobs_page(request, conn, call.ctx, status_code=422, error="Choose a CSV or JSON Lines file.")
    filename = upload.filename[:200]
    try:
        file_format = file_format_of(form_text(form, "format"), upload)
        body = await upload.read()
        job = await submit_job(conn, body, file_format, ctx=call.ctx, now=call.now, submitted_by=call.actor)
    except MalformedBulkFileError as exc:
        return await jobs_page(
            request, conn, call.ctx, status_code=422, malformed=exc, filename=filename,
            error=f"{filename} was not accepted, and nothing was written: {exc.detail}",
        )  # fmt: skip
    except InvalidInputError as exc:
        return await jobs_page(request, conn, call.ctx, status_code=422, error=f"{filename}: {exc.detail}")
    finally:
        await upload.close()
    worker = getattr(request.app.state, "issuance_worker", None)
    if worker is not None:
        worker.wake()
    return Redirect(f"{JOBS_PATH}/{job.id}", status_code=303)


def job_id_of(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise IssuanceJobNotFoundError(f"no issuance job has the id {text[:40]!r}") from None


@console_route(get, "/issuance-jobs/{job_id:str}", scope="issue")
async def console_issuance_job(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, job_id: FromPath[str]
) -> Template:
    wanted = job_id_of(job_id)
    base_url = runtime.settings.base_url
    job = job_view(await get_job(conn, wanted), base_url)
    rows = [row_result(record, base_url) for record in await first_results(conn, wanted, FIRST_ROWS)]
    failed = [row_result(record, base_url) for record in await failed_results(conn, wanted, FAILED_ROWS)]
    return console_page(
        request,
        "console/issuance_job.html",
        section="issuance-jobs",
        job=job,
        settled=job.issued + job.failed + job.duplicates,
        rows=rows,
        failed_rows=failed,
        first_rows=FIRST_ROWS,
        failed_limit=FAILED_ROWS,
    )


def results_download(runtime: Runtime, job_id: UUID, *, as_csv: bool) -> Stream:
    """Every row's result as a file to keep: the API's results stream, as an attachment."""
    media_type = "text/csv; charset=utf-8" if as_csv else JSONL
    filename = f"issuance-job-{job_id}-results.{'csv' if as_csv else 'jsonl'}"
    headers = {**CONSOLE_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Stream(result_lines(runtime, job_id, as_csv=as_csv), media_type=media_type, headers=headers)


@console_route(get, "/issuance-jobs/{job_id:str}/results.csv", scope="issue")
async def console_issuance_job_results_csv(conn: Conn, runtime: RuntimeDep, job_id: FromPath[str]) -> Stream:
    wanted = job_id_of(job_id)
    await get_job(conn, wanted)  # a 404 page before anything is streamed
    return results_download(runtime, wanted, as_csv=True)


@console_route(get, "/issuance-jobs/{job_id:str}/results.jsonl", scope="issue")
async def console_issuance_job_results_jsonl(conn: Conn, runtime: RuntimeDep, job_id: FromPath[str]) -> Stream:
    wanted = job_id_of(job_id)
    await get_job(conn, wanted)
    return results_download(runtime, wanted, as_csv=False)


def upload_too_large(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """A file over BULK_MAX_BODY_BYTES: the upload page saying so (nothing was written); problem+json for a client
    that does not ask for HTML."""
    if "html" not in request.headers.get("accept", ""):
        return handle_http_exception(request, exc)
    runtime: Runtime = request.app.state.runtime
    limit = runtime.settings.bulk_max_body_bytes
    return console_page(
        request, "console/issuance_jobs.html", status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        section="issuance-jobs", jobs=None, malformed=None, filename=None, max_bytes=limit,
        error=f"The file is larger than {limit:,} bytes (BULK_MAX_BODY_BYTES); split it and upload the parts.",
    )  # fmt: skip


ISSUANCE_JOB_HANDLERS = [
    console_issuance_jobs,
    console_issuance_job,
    console_issuance_job_results_csv,
    console_issuance_job_results_jsonl,
]


def issuance_job_upload_router(settings: Settings) -> Router:
    """The upload form's target, with the bulk file's own body cap (as api.issuance_jobs' router)."""
    return Router(
        path="/",
        route_handlers=[console_submit_issuance_job],
        request_max_body_size=settings.bulk_max_body_bytes,
        exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: upload_too_large},
    )
