"""Bulk issuance jobs over HTTP (issue 11 §1): per-row results for good, bad and duplicate rows, a re-submitted file
that issues nothing new, rows of existing holders through the single path, malformed files refused whole with the
line and column of the first error, and the results as JSON Lines and CSV.

One app (and so one signing pool of spawned processes) serves the whole module's jobs where it can."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from verify_api.app import create_app
from verify_api.db.pool import connect
from verify_api.services.audit import verify_audit_log
from verify_api.services.key_history import PinnedKey, PinnedKeys
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from litestar import Litestar

    from tests.conftest import FakeClock
    from verify_api.services.context import IssuerKey

CSV_TYPE = {"Content-Type": "text/csv"}
JSONL_TYPE = {"Content-Type": "application/jsonl"}


async def wait_for_job(client: AsyncTestClient[Litestar], headers: dict[str, str], url: str) -> dict[str, Any]:
    job: dict[str, Any] = {}
    for _ in range(1200):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        job = response.json()
        if job["state"] == "completed":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job did not complete: {job}")


async def submit(client: AsyncTestClient[Litestar], headers: dict[str, str], body: bytes,
                 content_type: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    response = await client.post("/v1/issuance-jobs", content=body, headers={**headers, **content_type})
    assert response.status_code == 202, response.text
    assert response.headers["location"].endswith(f"/v1/issuance-jobs/{response.json()['id']}")
    return await wait_for_job(client, headers, response.headers["location"])


async def results(
    client: AsyncTestClient[Litestar], headers: dict[str, str], job: dict[str, Any]
) -> list[dict[str, Any]]:
    response = await client.get(job["resultsUrl"], headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    return [msgspec.json.decode(line) for line in response.content.splitlines()]


def exam_csv(rows: list[tuple[str, str, int]], *, key: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["displayName", "email", "score", "maxScore", "assessedAt", *(["key"] if key else [])])
    for i, (name, email, score) in enumerate(rows):
        writer.writerow([name, email, score, 100, "2026-11-20T10:00:00Z", *([f"k-{i}"] if key else [])])
    return out.getvalue().encode()


async def test_bulk_job_gives_each_row_its_result_and_a_resubmission_issues_nothing_new(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str], database_url: str, issuer_key: IssuerKey
) -> None:
    rows = [(f"Candidate {i}", f"c{i}@example.org", 90) for i in range(60)]
    rows[5] = ("Failed Exam", "failed@example.org", 40)  # below the pass mark: the AIDA rule refuses it
    rows[9] = ("Taken Email", "c3@example.org", 88)  # the e-mail of row 4: POST /v1/holders would refuse it
    rows[12] = rows[11]  # the same row twice in one file: one credential
    job = await submit(client, admin_headers, exam_csv(rows), CSV_TYPE)
    assert (job["total"], job["issued"], job["failed"], job["duplicates"], job["pending"]) == (60, 57, 2, 1, 0)
    assert job["progress"] == 1.0
    found = await results(client, admin_headers, job)
    assert [r["row"] for r in found] == list(range(1, 61))
    assert [r["line"] for r in found] == list(range(2, 62))
    failed = found[5]
    assert failed["outcome"] == "failed"
    assert failed["problem"]["status"] == 422
    assert failed["problem"]["type"].endswith("/tier-rule-not-met")
    assert failed["problem"]["rule"].startswith("a passed AIDA exam")
    assert failed["problem"]["missing"] == ["an exam result at or above the pass mark"]
    assert found[9]["outcome"] == "failed"
    assert found[9]["problem"]["status"] == 409
    assert "email already exists" in found[9]["problem"]["detail"]
    assert found[12]["outcome"] == "duplicate"
    assert found[12]["credentialId"] == found[11]["credentialId"]
    assert found[12]["duplicateOf"] == f"{job['id']}/12"
    issued = [r for r in found if r["outcome"] == "issued"]
    assert len({r["credentialId"] for r in issued}) == 57
    # Each issued credential is a real one: its public lookup says so, under its code.
    lookup = await client.get(f"/v1/credentials/{issued[0]['credentialId']}")
    assert lookup.status_code == 200
    assert lookup.json()["status"] == "active"
    by_code = await client.get("/v1/lookup", params={"code": issued[0]["verificationCode"]})
    assert by_code.json()["id"] == issued[0]["credentialId"]

    again = await submit(client, admin_headers, exam_csv(rows), CSV_TYPE)
    assert (again["issued"], again["duplicates"]) == (0, 58)
    assert again["failed"] == 2  # the failed rows wrote nothing, so they fail again the same way
    second = await results(client, admin_headers, again)
    assert [r.get("credentialId") for r in second] == [r.get("credentialId") for r in found]
    assert second[0]["duplicateOf"] == f"{job['id']}/1"

    pinned = PinnedKeys([PinnedKey(kid=issuer_key.verification_method,
                                   public_key_multibase=issuer_key.signer.public_key_multibase)])  # fmt: skip
    conn = await connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM credentials") == 57
        assert await conn.fetchval("SELECT count(*) FROM holders") == 57  # a failed row writes nothing
        # The row refused for its e-mail was signed with the others (storing overlaps signing) but counts no slot.
        allocated = await conn.fetch("SELECT purpose, sum(allocated) AS n FROM status_lists GROUP BY purpose")
        assert {r["purpose"]: r["n"] for r in allocated} == {"revocation": 57, "suspension": 57}
        kinds = await conn.fetch("SELECT kind, count(*) AS n FROM events WHERE kind <> 'api_key_created' GROUP BY kind")
        assert {r["kind"]: r["n"] for r in kinds} == {"assessment_recorded": 57, "credential_issued": 57}
        # The batch's events were chained in one statement: the chain and its checkpoints still verify.
        report = await verify_audit_log(conn, pinned, every=100)
        assert report.intact, report.problems
        assert report.checkpoints == 1
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("body", "content_type", "line", "column"),
    [
        (b"displayName,score,maxScore\nAda,90,100\nBob,ninety,100\n", CSV_TYPE, 3, 2),
        (b"displayName,score,maxScore,colour\nAda,90,100,red\n", CSV_TYPE, 1, 4),
        (b'displayName,score,maxScore\nAda,90,100\n"Bob,1,100\n', CSV_TYPE, 3, 1),
        (b'{"displayName":"Ada","score":90,"maxScore":100}\n{"displayName":"Bob","score":9,\n', JSONL_TYPE, 2, 32),
        (b'{"displayName":"Ada","score":90}\n', JSONL_TYPE, 1, 1),
    ],
)
async def test_malformed_file_is_refused_whole_with_line_and_column(
    client: AsyncTestClient[Litestar],
    admin_headers: dict[str, str],
    database_url: str,
    body: bytes,
    content_type: dict[str, str],
    line: int,
    column: int,
) -> None:
    response = await client.post("/v1/issuance-jobs", content=body, headers={**admin_headers, **content_type})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("/malformed-bulk-file")
    assert (problem["line"], problem["column"]) == (line, column)
    assert problem["detail"].startswith(f"line {line}, column {column}: ")
    conn = await connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM issuance_jobs") == 0
        assert await conn.fetchval("SELECT count(*) FROM holders") == 0
    finally:
        await conn.close()


async def test_cli_issue_bulk_runs_the_same_job_and_writes_the_results_file(database_url: str, tmp_path: Path) -> None:
    key_path = tmp_path / "key.pem"
    generate = [sys.executable, "-m", "verify_api", "keys", "generate", "--path", str(key_path)]
    await asyncio.to_thread(subprocess.run, generate, check=True, capture_output=True)
    rows = [(f"Cli {i}", f"cli{i}@example.org", 95) for i in range(12)]
    rows[3] = ("Cli Failed", "cli-failed@example.org", 10)
    source = tmp_path / "session.csv"
    source.write_bytes(exam_csv(rows))
    results_path = tmp_path / "session-results.csv"
    env = {**os.environ, "DATABASE_URL": database_url, "SIGNING_KEY_PATH": str(key_path),
           "PUBLIC_BASE_URL": "https://verify.example.org", "BULK_SIGNING_PROCESSES": "1"}  # fmt: skip
    command = [sys.executable, "-m", "verify_api", "issue-bulk", str(source), "--results", str(results_path)]
    done = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # one row failed
    assert "11 issued, 1 failed, 0 duplicates" in done.stderr
    assert "rows/s" in done.stderr  # the progress bar's rate column
    written = list(csv.DictReader(io.StringIO(results_path.read_text(encoding="utf-8"))))
    assert [r["outcome"] for r in written] == ["issued"] * 3 + ["failed"] + ["issued"] * 8
    assert written[3]["problemError"] == "TierRuleError"
    assert written[0]["url"] == f"https://verify.example.org/v1/credentials/{written[0]['credentialId']}"
    conn = await connect(database_url)
    try:
        stored = await conn.fetchval("SELECT count(*) FROM credentials WHERE id = ANY($1::text[])",
                                     [r["credentialId"] for r in written if r["credentialId"]])  # fmt: skip
        assert stored == 11
    finally:
        await conn.close()
    again = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=300)
    assert "0 issued, 1 failed, 11 duplicates" in again.stderr


async def test_bulk_file_is_bounded_in_size_and_typed_by_content_type(
    database_url: str, admin_headers: dict[str, str], issuer_key: IssuerKey, clock: FakeClock
) -> None:
    settings = load_settings({}, database_url=database_url, public_base_url=BASE_URL, bulk_max_body_bytes=2000,
                             bulk_worker=False)  # fmt: skip
    async with AsyncTestClient(app=create_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        big = exam_csv([(f"Big {i}", f"big{i}@example.org", 90) for i in range(60)])
        assert len(big) > 2000
        too_big = await c.post("/v1/issuance-jobs", content=big, headers={**admin_headers, **CSV_TYPE})
        assert too_big.status_code == 413
        assert too_big.headers["content-type"].startswith("application/problem+json")
        small = exam_csv([("Small", "small@example.org", 90)])
        untyped = await c.post(
            "/v1/issuance-jobs", content=small, headers={**admin_headers, "Content-Type": "text/plain"}
        )
        assert untyped.status_code == 415
        assert "text/csv" in untyped.json()["detail"]
        unscoped = await c.post("/v1/issuance-jobs", content=small, headers=CSV_TYPE)
        assert unscoped.status_code == 401
        accepted = await c.post("/v1/issuance-jobs", content=small, headers={**admin_headers, **CSV_TYPE})
        assert accepted.status_code == 202  # the size of a bulk file is its own setting, not MAX_BODY_BYTES
        job = (await c.get(accepted.headers["location"], headers=admin_headers)).json()
        assert (job["state"], job["total"], job["pending"]) == ("queued", 1, 1)  # BULK_WORKER=false: nobody runs it
        missing = await c.get(accepted.headers["location"][:-4] + "0000", headers=admin_headers)
        assert missing.status_code == 404
