"""The staff console in a real headless Chromium against the served app (granian, as deployed), no JavaScript of
ours on the pages: sign in, a wrong password and a lockout, revoking a credential with a reason (and the public page
agreeing), a form without its CSRF token refused, creating and revoking an API key, no sideways scrolling at phone
width, and axe-core's WCAG 2.2 AA check over every console page. Screenshots under test-artifacts/e2e/console/.

One server per module (the staff accounts are made once, with `verify-api staff create`); each test has its own
browser, so its own cookies.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import api_key, with_database
from tests.e2e.axe import axe_available, axe_violations, describe
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_faces_browser import WIDTHS
from tests.e2e.test_pages_browser import issue_aida, verdict
from tests.served_app import ROOT, ServedApp, serve_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import DatabasePool
    from tests.e2e.cdp import Page

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "console"
PASSWORD = "a console password for tests"
ADMIN = "admin@pai.example"
LOCKED = "locked@pai.example"
MAX_ATTEMPTS = 3
# Cheap argon2id parameters for the tests' many sign-ins on a shared machine; the rest as deployed.
CONSOLE_SETTINGS = {
    "STAFF_PASSWORD_TIME_COST": "1",
    "STAFF_PASSWORD_MEMORY_KIB": "8192",
    "STAFF_PASSWORD_PARALLELISM": "1",
    "CONSOLE_MAX_FAILED_ATTEMPTS": str(MAX_ATTEMPTS),
    "VERIFY_RATE_LIMIT_PER_MINUTE": "1000",
}


@pytest.fixture(scope="module")
def console_app(
    database_server_url: str, database_pool: DatabasePool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedApp, str]]:
    """The served app on its own database, with two staff accounts made by the CLI; yields it and the database."""
    name = database_pool.take()
    database_url = with_database(database_server_url, name)
    try:
        with serve_app(database_url, tmp_path_factory.mktemp("console"), **CONSOLE_SETTINGS) as app:
            for email in (ADMIN, LOCKED):
                subprocess.run(
                    [sys.executable, "-m", "verify_api", "staff", "create", "--email", email, "--role", "admin",
                     "--password-stdin"],
                    input=f"{PASSWORD}\n", env=app.env, cwd=ROOT, check=True, capture_output=True, text=True,
                )  # fmt: skip
            yield app, database_url
    finally:
        database_pool.drop_later(name)


@pytest.fixture
def served(console_app: tuple[ServedApp, str]) -> str:
    return console_app[0].origin


@pytest.fixture
async def admin_auth(console_app: tuple[ServedApp, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(console_app[1], ['assess', 'issue', 'manage'])}"}


async def fill(page: Page, selector: str, value: str) -> None:
    await page.evaluate(f"document.querySelector({json.dumps(selector)}).value = {json.dumps(value)}")


async def text_of(page: Page, selector: str) -> str:
    found: str = await page.evaluate(f"document.querySelector({json.dumps(selector)})?.textContent.trim() ?? ''")
    return found


async def sign_in(page: Page, served: str, email: str = ADMIN, password: str = PASSWORD) -> None:
    await page.goto(f"{served}/console")  # not signed in: sent to the sign-in page
    assert await page.evaluate("location.pathname") == "/console/sign-in"
    await fill(page, "#email", email)
    await fill(page, "#password", password)
    await page.submit("#sign-in")


async def no_sideways_scroll(page: Page, name: str) -> None:
    """At phone width nothing is wider than the screen (compared with the device: under mobile emulation
    innerWidth grows with wide content)."""
    await page.viewport(390, 844, mobile=True, scale=2)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, name
    await page.screenshot(SHOTS / f"{name}-390.png")
    await page.viewport(1280, 900)


async def test_console_sign_in_refuses_a_wrong_password_and_locks_after_repeated_failures(
    page: Page, served: str
) -> None:
    await sign_in(page, served, ADMIN, "not the right password")
    assert await page.evaluate("location.pathname") == "/console/sign-in"
    refusal = await text_of(page, "[role=alert]")
    assert refusal == "That e-mail address and password were not accepted."
    await sign_in(page, served, "nobody@pai.example", "not the right password")
    assert await text_of(page, "[role=alert]") == refusal  # the same answer for an unknown address
    await page.screenshot(SHOTS / "sign-in-refused.png")

    for _ in range(MAX_ATTEMPTS):
        await sign_in(page, served, LOCKED, "a wrong guess at it")
    await sign_in(page, served, LOCKED, PASSWORD)  # the right password, but the account is locked now
    assert await page.evaluate("location.pathname") == "/console/sign-in"
    assert await text_of(page, "[role=alert]") == refusal

    await sign_in(page, served)
    assert await page.evaluate("location.pathname") == "/console"
    assert ADMIN in await text_of(page, ".who")
    assert await page.evaluate("document.cookie") == ""  # the session cookie is HttpOnly: no script can read it
    await no_sideways_scroll(page, "home")
    await page.submit(".sign-out button")
    assert await page.evaluate("location.pathname") == "/console/sign-in"
    await page.goto(f"{served}/console")
    assert await page.evaluate("location.pathname") == "/console/sign-in"  # signed out for good
    assert [e for e in page.errors if "401" not in e] == []


async def test_console_revokes_a_credential_with_a_reason_and_the_public_page_agrees(
    page: Page, served: str, admin_auth: dict[str, str]
) -> None:
    credential = await issue_aida(served, admin_auth, "Katherine Johnson")
    await sign_in(page, served)
    await fill(page, "#q", credential["verificationCode"])
    await page.submit("#lookup")
    assert await page.evaluate("location.pathname") == f"/console/credentials/{credential['id']}"
    assert await text_of(page, "#credential-status") == "active"
    await no_sideways_scroll(page, "credential-active")

    await page.evaluate("document.querySelector('#revoke-reason').value = 'misconduct'")
    await fill(page, "#revoke-note", "exam irregularity, case 17")
    await page.submit("#revoke-submit")
    assert await page.evaluate("location.search") == "?done=revoke"  # POST, then redirect, then GET
    assert await text_of(page, "[role=status]") == "Revoked."
    assert await text_of(page, "#credential-status") == "revoked"
    history = await text_of(page, ".console-history")
    assert "revoked" in history
    assert "misconduct" in history
    assert f"staff {ADMIN}" in history
    assert "case 17" in history
    assert await page.evaluate("document.querySelector('#revoke-form')") is None  # revocation is final
    await page.screenshot(SHOTS / "credential-revoked.png")

    await page.goto(f"{served}/c/{credential['id']}")
    assert await verdict(page) == "Revoked"
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        assert (await http.get(f"/v1/credentials/{credential['id']}")).json()["status"] == "revoked"


async def test_console_refuses_a_form_without_its_csrf_token(
    page: Page, served: str, admin_auth: dict[str, str]
) -> None:
    credential = await issue_aida(served, admin_auth, "Mary Jackson")
    await sign_in(page, served)
    await page.goto(f"{served}/console/credentials/{credential['id']}")
    await page.evaluate("document.querySelector('#suspend-form input[name=csrf_token]').remove()")
    await page.submit("#suspend-submit")
    assert await text_of(page, "h1") == "Form refused"
    assert "CSRF token" in await text_of(page, "[role=alert]")
    await page.screenshot(SHOTS / "csrf-refused.png")
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        assert (await http.get(f"/v1/credentials/{credential['id']}")).json()["status"] == "active"


async def test_console_creates_and_revokes_an_api_key(page: Page, served: str) -> None:
    await sign_in(page, served)
    await page.goto(f"{served}/console/api-keys")
    await fill(page, "#key-name", "LMS integration")
    await page.evaluate("document.querySelector('#scope-assess').checked = true")
    await page.submit("#create-key-submit")
    secret: str = await page.evaluate("document.querySelector('#secret').value")
    assert secret.startswith("paiv_")
    await no_sideways_scroll(page, "api-key-created")
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        auth = {"Authorization": f"Bearer {secret}"}
        assert (await http.get("/v1/organizations", headers=auth)).status_code == 200
        key: dict[str, Any] = await page.evaluate(
            "(() => { const li = [...document.querySelectorAll('.console-key')]"
            ".find(k => k.querySelector('.console-key-name').textContent === 'LMS integration');"
            " return {id: li.id, status: li.querySelector('.status-word').textContent}; })()"
        )
        assert key["status"] == "active"
        await page.submit(f"#{key['id']} form button")
        assert await text_of(page, "[role=status]") == "The API key was revoked; it stops working at once."
        assert await text_of(page, f"#{key['id']} .status-word") == "revoked"
        assert (await http.get("/v1/api-keys", headers=auth)).status_code == 401
    assert await page.evaluate("document.querySelector('#secret')") is None  # the secret is never shown again
    await no_sideways_scroll(page, "api-keys")


@pytest.mark.skipif(not axe_available(), reason="no node_modules/axe-core: run `make install` (needs npm)")
async def test_console_pages_have_no_wcag_violations(page: Page, served: str, admin_auth: dict[str, str]) -> None:
    credential = await issue_aida(served, admin_auth, "Annie Easley")
    failures: list[str] = []

    async def audit(name: str) -> None:
        for width, height, mobile in WIDTHS:
            await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
            found = await axe_violations(page)
            if found:
                failures.append(f"--- {name} at {width} px\n{describe(found)}")
            await page.screenshot(SHOTS / f"a11y-{name}-{width}.png")

    await page.goto(f"{served}/console/sign-in")
    await audit("sign-in")
    await sign_in(page, served, ADMIN, "wrong password here")
    await audit("sign-in-refused")
    await sign_in(page, served)
    await audit("home")
    await fill(page, "#q", "PAI-0000-0000-0")
    await page.submit("#lookup")
    await audit("lookup-error")
    await page.goto(f"{served}/console/credentials/{credential['id']}")
    await audit("credential")
    await page.goto(f"{served}/console/api-keys")
    await audit("api-keys")
    await page.goto(f"{served}/console/credentials/no-such-credential")
    await audit("not-found")
    assert not failures, "axe-core WCAG 2.2 AA violations:\n" + "\n".join(failures)
