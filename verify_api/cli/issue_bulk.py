"""`verify-api issue-bulk FILE`: a bulk issuance job run from the command line, with a live progress bar.

The same service as POST /v1/issuance-jobs (services.issuance_jobs): the file is read whole (a malformed one is
refused with its line and column, nothing written), stored as a job leased to this command, and run batch by batch
on every core; then every row's result is written to the results file (JSON Lines, or CSV when its name ends in
.csv). Interrupted, the job stays in the database: a server's worker (or this command's next run of the same file,
whose rows are then duplicates) carries on once the lease lapses.
"""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from verify_api.cli.runtime import run_with_connection, service_context
from verify_api.domain.credential import credential_url
from verify_api.services.issuance_jobs import JobRunner, job_results, submit_job
from verify_api.services.signing_keys import register_origin, register_signing_key

if TYPE_CHECKING:
    import argparse

    from rich.progress import Task

    from verify_api.db.issuance_jobs import ResultRecord
    from verify_api.db.pool import Connection
    from verify_api.services.bulk_file import BulkFormat

RESULT_COLUMNS = [
    "row",
    "line",
    "key",
    "outcome",
    "credentialId",
    "verificationCode",
    "url",
    "duplicateOf",
    "problemError",
    "problemDetail",
]


class RowsPerSecondColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:,.0f} rows/s", style="progress.data.speed")


def file_format_of(path: Path, given: str | None) -> BulkFormat:
    if given is not None:
        return "csv" if given == "csv" else "jsonl"
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def result_line(record: ResultRecord, base_url: str) -> dict[str, Any]:
    """One row's result as the results file has it: the API's fields, the failure as the domain error it was."""
    line: dict[str, Any] = {
        "row": record.row_number,
        "line": record.line,
        "key": record.row_key,
        "outcome": record.outcome or "pending",
    }
    if record.credential_id is not None:
        line |= {
            "credentialId": record.credential_id,
            "verificationCode": record.verification_code,
            "url": credential_url(base_url, record.credential_id),
        }
    if record.duplicate_of is not None:
        line["duplicateOf"] = record.duplicate_of
    if record.problem is not None:
        line["problem"] = record.problem
    return line


async def write_results(conn: Connection, job_id: Any, base_url: str, path: Path) -> int:
    as_csv = path.suffix.lower() == ".csv"
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n") if as_csv else None
        if writer is not None:
            writer.writerow(RESULT_COLUMNS)
        async for record in job_results(conn, job_id):
            line = result_line(record, base_url)
            count += 1
            if writer is None:
                out.write(msgspec.json.encode(line).decode() + "\n")
                continue
            problem = line.get("problem") or {}
            values = [line.get(c) for c in RESULT_COLUMNS[:8]] + [problem.get("error"), problem.get("detail")]
            writer.writerow(["" if v is None else v for v in values])
    return count


def cmd_issue_bulk(args: argparse.Namespace) -> int:
    path = Path(args.file)
    body = path.read_bytes()
    file_format = file_format_of(path, args.format)
    results_path = Path(args.results) if args.results else path.with_name(path.name + ".results.jsonl")
    ctx = service_context()
    console = Console(stderr=True)

    async def work(conn: Connection) -> int:
        # As a server's start-up does: the key signs only once the register lists it, under this origin.
        await register_signing_key(conn, ctx.issuer_key, now=ctx.clock())
        await register_origin(conn, ctx.settings.base_url, now=ctx.clock())
        runner = JobRunner(ctx)
        try:
            job = await submit_job(
                conn, body, file_format, ctx=ctx, now=ctx.clock(), submitted_by=None, leased_to=runner.owner
            )
            console.print(f"job {job.id}: {job.total:,} rows from {path.name}")
            columns = (
                TextColumn("issuing"),
                BarColumn(),
                MofNCompleteColumn(),
                RowsPerSecondColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console, transient=False) as progress:
                task = progress.add_task("rows", total=job.total)
                done = await runner.run_job(conn, runner.lease_of(job), on_progress=lambda n: progress.advance(task, n))
        finally:
            await asyncio.to_thread(runner.close)
        written = await write_results(conn, done.id, ctx.settings.base_url, results_path)
        console.print(
            f"{done.issued:,} issued, {done.failed:,} failed, {done.duplicates:,} duplicates; "
            f"{written:,} results written to {results_path}"
        )
        return 0 if done.failed == 0 else 1

    return run_with_connection(ctx.settings, work, migrate=True)


def add_issue_bulk_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("issue-bulk", help="issue credentials from a CSV or JSON Lines file, with progress")
    parser.add_argument("file", help="the rows (CSV with a header row, or JSON Lines), as POST /v1/issuance-jobs takes")
    parser.add_argument("--format", choices=["csv", "jsonl"], help="the file's format (default: by its extension)")
    parser.add_argument("--results", help="where to write one result per row (default: FILE.results.jsonl; .csv: CSV)")
    parser.set_defaults(func=cmd_issue_bulk)
