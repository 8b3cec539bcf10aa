"""The console's Bulk issuance pages in a real headless Chromium against the served app (granian, its job worker and
signing pool, as deployed): an issuer uploads a CSV with good, bad and duplicate rows, follows the job to its end
with the page's Refresh link, reads each row's result (issued, failed naming the rule, duplicate) and downloads
them; the same file again issues nothing; a malformed file is shown with its line and column. No sideways scrolling
at phone width, and axe-core's WCAG 2.2 AA check over every state of the pages. Screenshots under
test-artifacts/e2e/console-bulk/.

One server for the module (the issuer account made once, with `verify-api staff create`); each test has its own
browser, so its own cookies.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import with_database
from tests.e2e.axe import axe_available, axe_violations, describe
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_console_browser import CONSOLE_SETTINGS, PASSWORD, sign_in, text_of
from tests.e2e.test_faces_browser import WIDTHS
from tests.served_app import ROOT, ServedApp, serve_app

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import DatabasePool
    from tests.e2e.cdp import Page

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "console-bulk"
ISSUER = "issuer@pai.example"
HEADER = ["displayName", "email", "score", "maxScore", "assessedAt"]
# Row 4 failed the exam (the AIDA rule refuses it); row 5 is row 1 again (one credential, the second a duplicate).
SESSION = [
    ["Ada Lovelace", "ada@example.org", "90", "100", "2026-11-20T10:00:00Z"],
    ["Grace Hopper", "grace@example.org", "95", "100", "2026-11-20T10:00:00Z"],
    ["Katherine Johnson", "katherine@example.org", "88", "100", "2026-11-20T10:00:00Z"],
    ["Failed Exam", "failed@example.org", "40", "100", "2026-11-20T10:00:00Z"],
    ["Ada Lovelace", "ada@example.org", "90", "100", "2026-11-20T10:00:00Z"],
]


@pytest.fixture(scope="module")
def bulk_app(
    database_server_url: str, database_pool: DatabasePool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedApp]:
    """The served app on its own database (one signing process: the machine is shared), with an issuer account."""
    name = database_pool.take()
    try:
        settings = {**CONSOLE_SETTINGS, "BULK_SIGNING_PROCESSES": "1", "BULK_POLL_SECONDS": "0.2"}
        with serve_app(with_database(database_server_url, name), tmp_path_factory.mktemp("bulk"), **settings) as app:
            subprocess.run(
                [sys.executable, "-m", "verify_api", "staff", "create", "--email", ISSUER, "--role", "issuer",
                 "--password-stdin"],
                input=f"{PASSWORD}\n", env=app.env, cwd=ROOT, check=True, capture_output=True, text=True,
            )  # fmt: skip
            yield app
    finally:
        database_pool.drop_later(name)


@pytest.fixture
def served(bulk_app: ServedApp) -> str:
    return bulk_app.origin


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


async def upload(page: Page, served: str, path: Path) -> None:
    await page.goto(f"{served}/console/issuance-jobs")
    await page.set_files("#bulk-file", [path])
    await page.submit("#upload-submit")


async def follow_to_completion(page: Page) -> None:
    """Refresh the job's page (its own link, no script) until the job says it has completed."""
    for _ in range(300):
        if await text_of(page, "#job-state") == "completed":
            assert await page.evaluate("document.querySelector('#refresh')") is None
            return
        await asyncio.sleep(0.2)
        await page.submit("#refresh")
    raise AssertionError(f"the job did not complete: {await text_of(page, 'main')}")


async def counts(page: Page) -> tuple[int, ...]:
    return tuple([int(await text_of(page, f"#job-{what}")) for what in ("issued", "failed", "duplicates", "pending")])


async def row(page: Page, number: int) -> dict[str, str]:
    found: dict[str, str] = await page.evaluate(
        f"(() => {{ const r = document.querySelector('#row-{number}');"
        " return {outcome: r.querySelector('.status-word').textContent.trim(),"
        " result: r.querySelector('.row-result').textContent.replace(/\\s+/g, ' ').trim()}; })()"
    )
    return found


async def download(page: Page, selector: str) -> str:
    """What the download link gives, fetched with the browser's session cookie (the pages' CSP lets no script
    fetch, and the cookie is HttpOnly: CDP reads it as the browser holds it)."""
    href: str = await page.evaluate(f"document.querySelector({json.dumps(selector)}).href")
    cookies = (await page.send("Network.getCookies", urls=[href]))["cookies"]
    async with httpx.AsyncClient(timeout=30, cookies={c["name"]: c["value"] for c in cookies}) as http:
        response = await http.get(href)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return response.text


async def no_sideways_scroll(page: Page, name: str) -> None:
    await page.viewport(390, 844, mobile=True, scale=2)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, name
    await page.screenshot(SHOTS / f"{name}-390.png")
    await page.viewport(1280, 900)


async def test_console_bulk_job_gives_each_row_its_result_and_the_same_file_again_issues_nothing(
    page: Page, served: str, tmp_path: Path
) -> None:
    await sign_in(page, served, ISSUER)
    assert "Bulk issuance" in await text_of(page, "nav")  # the issuer role has `issue`; "API keys" needs `manage`
    assert "API keys" not in await text_of(page, "nav")
    session = write_csv(tmp_path / "exam-session.csv", SESSION)
    await upload(page, served, session)
    path: str = await page.evaluate("location.pathname")
    assert path.startswith("/console/issuance-jobs/")  # POST, then redirect to the job, then GET
    await follow_to_completion(page)
    assert await counts(page) == (3, 1, 1, 0)
    progress = "(p => [p.value, p.max])(document.querySelector('#job-progress'))"
    assert await page.evaluate(progress) == [5, 5]
    first = await row(page, 1)
    assert first["outcome"] == "issued"
    assert "PAI-" in first["result"]  # its verification code, beside the link to its console page
    failed = await row(page, 4)
    assert failed["outcome"] == "failed"
    assert "Rule: a passed AIDA exam" in failed["result"]
    assert "Missing: an exam result at or above the pass mark" in failed["result"]
    assert "failed-4" in await page.evaluate("[...document.querySelectorAll('#failed-rows tr')].map(r => r.id).join()")
    duplicate = await row(page, 5)
    assert duplicate["outcome"] == "duplicate"
    assert duplicate["result"].startswith("the same as row 1:")
    assert duplicate["result"].endswith(first["result"].split()[0])  # row 1's credential
    await page.screenshot(SHOTS / "job-completed.png")
    await no_sideways_scroll(page, "job-completed")

    results = list(csv.DictReader(io.StringIO(await download(page, "#results-csv"))))
    assert [r["outcome"] for r in results] == ["issued", "issued", "issued", "failed", "duplicate"]
    assert results[4]["credentialId"] == results[0]["credentialId"]
    lines = [json.loads(line) for line in (await download(page, "#results-jsonl")).splitlines()]
    assert lines[3]["problem"]["rule"].startswith("a passed AIDA exam")

    await page.submit("#job-rows a")  # an issued row leads to the credential's console page
    assert await text_of(page, "#credential-status") == "active"

    await upload(page, served, session)
    assert await page.evaluate("location.pathname") != path
    await follow_to_completion(page)
    # Nothing new: each issued row is a duplicate of the first job's; the failed row wrote nothing, so fails again.
    assert await counts(page) == (0, 1, 4, 0)
    assert [(await row(page, n))["outcome"] for n in range(1, 6)] == ["duplicate"] * 3 + ["failed", "duplicate"]
    assert (await row(page, 2))["result"].startswith("issued before, by row 2 of an earlier job:")
    assert await page.evaluate("document.querySelector('#row-2 .row-duplicate a').pathname") == path

    await page.goto(f"{served}/console/issuance-jobs")
    assert await page.evaluate("document.querySelectorAll('.console-jobs tbody tr').length") == 2
    await no_sideways_scroll(page, "jobs")
    assert [e for e in page.errors if "401" not in e] == []


async def test_console_bulk_shows_a_malformed_file_with_its_line_and_column(
    page: Page, served: str, tmp_path: Path
) -> None:
    await sign_in(page, served, ISSUER)
    await page.goto(f"{served}/console/issuance-jobs")
    before = await page.evaluate("document.querySelectorAll('.console-jobs tbody tr').length")
    bad = tmp_path / "typo.csv"
    bad.write_text("displayName,score,maxScore\nAda Lovelace,90,100\nBob,ninety,100\n", encoding="utf-8")
    await upload(page, served, bad)
    assert await page.evaluate("location.pathname") == "/console/issuance-jobs"
    assert (await text_of(page, "#problem-line"), await text_of(page, "#problem-column")) == ("3", "2")
    alert = await text_of(page, "[role=alert]")
    assert alert.startswith("typo.csv was not accepted, and nothing was written: line 3, column 2:")
    assert await page.evaluate("document.querySelectorAll('.console-jobs tbody tr').length") == before
    await page.screenshot(SHOTS / "malformed.png")
    await no_sideways_scroll(page, "malformed")


@pytest.mark.skipif(not axe_available(), reason="no node_modules/axe-core: run `make install` (needs npm)")
async def test_console_bulk_pages_have_no_wcag_violations(page: Page, served: str, tmp_path: Path) -> None:
    failures: list[str] = []

    async def audit(name: str) -> None:
        for width, height, mobile in WIDTHS:
            await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
            found = await axe_violations(page)
            if found:
                failures.append(f"--- {name} at {width} px\n{describe(found)}")
            await page.screenshot(SHOTS / f"a11y-{name}-{width}.png")
        await page.viewport(1280, 900)

    await sign_in(page, served, ISSUER)
    await page.goto(f"{served}/console/issuance-jobs")
    await audit("jobs")
    bad = write_csv(tmp_path / "bad.csv", [["Mary Jackson", "mary@example.org", "ninety", "100", ""]])
    await upload(page, served, bad)
    await audit("malformed")
    two = [
        ["Annie Easley", "annie@example.org", "30", "100", "2026-11-20T10:00:00Z"],
        ["Dorothy Vaughan", "dorothy@example.org", "92", "100", "2026-11-20T10:00:00Z"],
    ]
    await upload(page, served, write_csv(tmp_path / "two.csv", two))
    await audit("job")  # as it first shows (queued or running, with its Refresh link, unless it was quicker)
    await follow_to_completion(page)
    await audit("job-completed")  # a failed row and an issued one
    await page.goto(f"{served}/console/issuance-jobs/00000000-0000-4000-8000-000000000000")
    await audit("job-not-found")
    assert not failures, "axe-core WCAG 2.2 AA violations:\n" + "\n".join(failures)
