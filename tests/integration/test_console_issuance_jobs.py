"""The console's Bulk issuance pages against the real app and PostgreSQL: only a role with the `issue` scope may see
or upload (an assessor gets 403 and nothing is written), a malformed file is a 422 page naming its line and column
with nothing written, a file over BULK_MAX_BODY_BYTES is a 413 page (though bigger than MAX_BODY_BYTES is fine), and
an accepted file is the same job as the API's, leading to its page (POST-redirect-GET) and its downloadable results.

The app runs no job worker (BULK_WORKER=false): what these check ends at the stored job; the Chromium test
(tests/e2e/test_console_bulk_browser.py) watches jobs run."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.integration.test_console_auth import csrf_of, make_staff, sign_in
from tests.integration.test_issuance_jobs import exam_csv
from tests.staff_settings import console_test_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import asyncpg
    import httpx
    from litestar import Litestar

    from verify_api.settings import Settings

    Client = AsyncTestClient[Litestar]

MAX_BODY = 4096  # MAX_BODY_BYTES: a bulk file may be bigger, up to BULK_MAX_BODY_BYTES
BULK_MAX_BODY = 16384


@pytest.fixture
def settings(database_url: str) -> Settings:
    return console_test_settings(
        database_url,
        max_body_bytes=MAX_BODY,
        bulk_max_body_bytes=BULK_MAX_BODY,
        bulk_worker=False,
    )


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


async def upload(
    client: Client, content: bytes, filename: str = "session.csv", file_format: str = ""
) -> httpx.Response:
    page = await client.get("/console/issuance-jobs")
    assert page.status_code == 200, page.text
    return await client.post(
        "/console/issuance-jobs",
        data={"csrf_token": csrf_of(page.text), "format": file_format},
        files={"file": (filename, content, "application/octet-stream")},
        headers={"accept": "text/html"},
    )


async def test_console_bulk_upload_is_refused_to_an_assessor(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    email = await make_staff(conn, settings, "assessor@pai.example", role="assessor")
    await sign_in(client, email)
    home = await client.get("/console")
    assert "/console/issuance-jobs" not in home.text  # no navigation entry for a role without `issue`
    token = csrf_of(home.text)
    page = await client.get("/console/issuance-jobs", headers={"accept": "text/html"})
    assert page.status_code == 403
    assert "&#39;issue&#39; scope" in page.text
    refused = await client.post(
        "/console/issuance-jobs",
        data={"csrf_token": token},
        files={"file": ("session.csv", exam_csv([("Ada Lovelace", "ada@example.org", 90)]), "text/csv")},
        headers={"accept": "text/html"},
    )
    assert refused.status_code == 403
    assert "assessor role" in refused.text
    assert await conn.fetchval("SELECT count(*) FROM issuance_jobs") == 0


async def test_console_bulk_upload_shows_a_malformed_file_with_its_line_and_column_and_writes_nothing(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    await sign_in(client, await make_staff(conn, settings, "issuer@pai.example", role="issuer"))
    bad_score = b"displayName,score,maxScore\nAda Lovelace,90,100\nBob,ninety,100\n"
    answer = await upload(client, bad_score)
    assert answer.status_code == 422
    assert 'id="problem-line">3<' in answer.text
    assert 'id="problem-column">2<' in answer.text
    assert "session.csv was not accepted, and nothing was written: line 3, column 2:" in answer.text
    jsonl = b'{"displayName": "Ada", "score": 90, "maxScore": 100}\n{"displayName": "Bob", "score": 9O}\n'
    answer = await upload(client, jsonl, "session.jsonl")
    assert answer.status_code == 422
    assert 'id="problem-line">2<' in answer.text
    unnamed = await upload(client, b"displayName,score,maxScore\nAda,90,100\n", "session.txt")
    assert unnamed.status_code == 422
    assert "choose its format" in unnamed.text
    nothing = await upload(client, b"", "")
    assert nothing.status_code == 422
    assert "Choose a CSV or JSON Lines file." in nothing.text
    assert await conn.fetchval("SELECT count(*) FROM issuance_jobs") == 0
    assert await conn.fetchval("SELECT count(*) FROM issuance_job_rows") == 0


async def test_console_bulk_upload_is_bounded_by_the_bulk_setting(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    await sign_in(client, await make_staff(conn, settings, "issuer@pai.example", role="issuer"))
    too_big = exam_csv([(f"Candidate {i}", f"c{i}@example.org", 90) for i in range(400)])
    assert len(too_big) > BULK_MAX_BODY
    answer = await upload(client, too_big)
    assert answer.status_code == 413
    assert "larger than 16,384 bytes (BULK_MAX_BODY_BYTES)" in answer.text
    assert await conn.fetchval("SELECT count(*) FROM issuance_jobs") == 0

    bigger_than_a_form = exam_csv([(f"Candidate {i}", f"c{i}@example.org", 90) for i in range(100)])
    assert MAX_BODY < len(bigger_than_a_form) < BULK_MAX_BODY
    accepted = await upload(client, bigger_than_a_form)
    assert accepted.status_code == 303, accepted.text
    assert await conn.fetchval("SELECT total FROM issuance_jobs") == 100


async def test_console_bulk_upload_is_the_api_job_and_leads_to_its_page_and_results(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    email = await make_staff(conn, settings, "issuer@pai.example", role="issuer")
    await sign_in(client, email)
    rows = [("Ada Lovelace", "ada@example.org", 90), ("Grace Hopper", "grace@example.org", 95)]
    answer = await upload(client, exam_csv(rows), "exam.data", file_format="csv")
    assert answer.status_code == 303
    job_path = answer.headers["location"]
    assert job_path.startswith("/console/issuance-jobs/")
    job_id = job_path.rsplit("/", 1)[1]
    stored = await conn.fetchrow("SELECT state, total, submitted_by, source_format FROM issuance_jobs")
    assert stored is not None
    staff_id = await conn.fetchval("SELECT id FROM staff_accounts WHERE email = $1", email)
    assert (stored["state"], stored["total"], stored["source_format"]) == ("queued", 2, "csv")
    assert stored["submitted_by"] == staff_id  # the staff member is the job's submitter (and so the actor)

    page = await client.get(job_path)
    assert page.status_code == 200
    assert 'id="job-state">queued<' in page.text
    assert 'id="refresh"' in page.text  # no worker here: the job waits, and the page offers a refresh
    assert '<progress id="job-progress" max="2" value="0">' in page.text
    listing = await client.get("/console/issuance-jobs")
    assert f'href="/console/issuance-jobs/{job_id}"' in listing.text

    download = await client.get(f"{job_path}/results.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == f'attachment; filename="issuance-job-{job_id}-results.csv"'
    found = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["row"], r["line"], r["outcome"]) for r in found] == [("1", "2", "pending"), ("2", "3", "pending")]
    jsonl = await client.get(f"{job_path}/results.jsonl")
    assert jsonl.headers["content-type"].startswith("application/jsonl")
    assert len(jsonl.content.splitlines()) == 2
    html = {"accept": "text/html"}
    missing = await client.get("/console/issuance-jobs/00000000-0000-4000-8000-000000000000", headers=html)
    assert missing.status_code == 404
    assert (await client.get("/console/issuance-jobs/not-a-job", headers=html)).status_code == 404
