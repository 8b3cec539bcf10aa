"""WCAG 2.2 AA in Chromium (issue 14): axe-core over every public page, in each state a visitor can meet, at desktop
and 390 px widths, must find ZERO violations; keyboard-only use of the /verify page. Screenshots of every state are
kept under test-artifacts/e2e/a11y/ (git-ignored).

axe-core comes from `make install` (npm, node_modules/axe-core); without it the test is skipped, saying so.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx
import pytest

from tests.e2e.axe import axe_available, axe_violations, describe
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_faces_browser import WIDTHS, press_enter, tab_to
from tests.e2e.test_pages_browser import issue_aida, issue_cae, verdict

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from tests.e2e.cdp import Page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not axe_available(), reason="no node_modules/axe-core: run `make install` (needs npm)"),
]
SHOTS = ARTIFACTS / "a11y"
EXPECTED_4XX = "Failed to load resource: the server responded with a status of 4"


async def audit_at_each_width(page: Page, scenes: dict[str, Callable[[Page], Awaitable[None]]]) -> None:
    """Bring the page into each scene at each width, run axe-core, keep a screenshot; then fail on any violation,
    listing every one (page, width, rule, element) so the whole set can be fixed in one go."""
    failures: list[str] = []
    for width, height, mobile in WIDTHS:
        await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
        for name, scene in scenes.items():
            await scene(page)
            found = await axe_violations(page)
            if found:
                failures.append(f"--- {name} at {width} px\n{describe(found)}")
            await page.screenshot(SHOTS / f"{name}-{width}.png")
    assert not failures, "axe-core WCAG 2.2 AA violations:\n" + "\n".join(failures)
    # The error pages are 4xx on purpose (Chromium logs their status); anything else is a script or CSP error.
    assert [e for e in page.errors if not e.startswith(EXPECTED_4XX)] == []


def visit(url: str) -> Callable[[Page], Awaitable[None]]:
    async def scene(page: Page) -> None:
        await page.goto(url)

    return scene


def submit_form(url: str, field: str, value: str, button: str) -> Callable[[Page], Awaitable[None]]:
    """Open `url`, type `value` into `field` and press `button`: a result page as the visitor gets it."""

    async def scene(page: Page) -> None:
        await page.goto(url)
        await page.evaluate(f"document.querySelector({json.dumps(field)}).value = {json.dumps(value)}")
        await page.submit(button)

    return scene


def upload(served: str, path: Path) -> Callable[[Page], Awaitable[None]]:
    """Upload `path` through the /verify page's file field: the report (or the refusal) it leads to."""

    async def scene(page: Page) -> None:
        await page.goto(f"{served}/verify")
        await page.set_files("#badge", [path])
        await page.submit("#badge ~ button[type=submit]")

    return scene


async def set_state(database_url: str, credential_id: str, sql: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(sql, credential_id)
    finally:
        await conn.close()


async def test_every_credential_page_state_has_no_axe_violations(
    page: Page, served: str, admin_auth: dict[str, str], database_url: str
) -> None:
    pages: dict[str, str] = {}
    for state, sql in (
        ("valid", None),
        ("expired", "UPDATE credentials SET valid_from = now() - interval '800 days',"
                    " valid_until = now() - interval '1 day' WHERE id = $1"),
        ("suspended", "UPDATE credentials SET status = 'suspended', status_reason = 'under_investigation'"
                      " WHERE id = $1"),
        ("revoked", "UPDATE credentials SET status = 'revoked', status_reason = 'issued_in_error' WHERE id = $1"),
        ("superseded", "UPDATE credentials SET status = 'superseded' WHERE id = $1"),
    ):  # fmt: skip
        credential = await issue_aida(served, admin_auth, f"Ada Lovelace {state}")
        if sql is not None:
            await set_state(database_url, credential["id"], sql)
        pages[f"badge-{state}"] = f"{served}/c/{credential['id']}"
    organisation = await issue_cae(served, admin_auth, "Contoso Robotics plc")
    pages["badge-organisation"] = f"{served}/c/{organisation['id']}"
    pages["home"] = f"{served}/"
    pages["not-found"] = f"{served}/c/00000000-0000-4000-8000-000000000000"
    scenes = {name: visit(url) for name, url in pages.items()}

    async def expect_states(page: Page) -> None:
        for state, word in (("valid", "Valid"), ("expired", "Expired"), ("revoked", "Revoked")):
            await page.goto(pages[f"badge-{state}"])
            assert await verdict(page) == word  # the states really are what their names say

    await expect_states(page)
    await audit_at_each_width(page, scenes)


async def test_every_verify_page_result_has_no_axe_violations(
    page: Page, served: str, admin_auth: dict[str, str], tmp_path: Path
) -> None:
    credential = await issue_aida(served, admin_auth, "Mary Jackson")
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        baked = (await http.get(f"/v1/credentials/{credential['id']}/badge.png", params={"download": "1"})).content
        plain = (await http.get(f"/v1/credentials/{credential['id']}/badge.png")).content
        document = json.loads((await http.get(f"/v1/credentials/{credential['id']}/vc")).content)
    (tmp_path / "baked.png").write_bytes(baked)
    (tmp_path / "plain.png").write_bytes(plain)
    (tmp_path / "not-an-image.png").write_bytes(b"this is not a PNG")
    tampered = json.loads(json.dumps(document))
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    verify = f"{served}/verify"
    scenes = {
        "verify-empty": visit(verify),
        "verify-valid-upload": upload(served, tmp_path / "baked.png"),
        "verify-qr-image": upload(served, tmp_path / "plain.png"),
        "verify-bad-upload": upload(served, tmp_path / "not-an-image.png"),
        "verify-pasted-valid": submit_form(verify, "#credential", json.dumps(document), "#credential ~ button"),
        "verify-pasted-tampered": submit_form(verify, "#credential", json.dumps(tampered), "#credential ~ button"),
        "verify-pasted-garbage": submit_form(verify, "#credential", "{not json", "#credential ~ button"),
        "verify-code-typo": visit(f"{verify}?q=PAI-0000-0000-0"),
        "verify-code-name": visit(f"{verify}?q=Grace+Hopper"),
    }
    await audit_at_each_width(page, scenes)


async def test_registry_and_framework_pages_have_no_axe_violations(
    page: Page, served: str, admin_auth: dict[str, str]
) -> None:
    await issue_cae(served, admin_auth, "Contoso Robotics plc")
    await issue_cae(served, admin_auth, "Fabrikam Insurance plc")
    scenes = {
        "registry": visit(f"{served}/registry"),
        "registry-results": visit(f"{served}/registry?q=contoso"),
        "registry-none": visit(f"{served}/registry?q=nobody+at+all"),
        "registry-filters": visit(f"{served}/registry?q=plc&designation=CAE&status=active&country=GB"),
        "registry-check": visit(f"{served}/registry/check"),
        "registry-check-result": submit_form(
            f"{served}/registry/check", "#centries", "contoso\nNobody Ltd", "button[value=html]"
        ),
        "achievement": visit(f"{served}/v1/achievements/cpaa"),
        "psf": visit(f"{served}/psf/v1.0"),
    }
    await audit_at_each_width(page, scenes)


async def test_verify_page_by_keyboard_alone(page: Page, served: str, admin_auth: dict[str, str]) -> None:
    """A keyboard user reaches the code field with Tab (its focus visible), types the code, submits with Enter and
    lands on the credential's page; then reaches the paste form, its button, and gets a report the same way."""
    credential = await issue_aida(served, admin_auth, "Katherine Johnson")
    for width, height, mobile in WIDTHS:
        await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
        await page.goto(f"{served}/verify")
        focused: dict[str, Any] = await tab_until(page, "q")
        assert focused["visible"]
        await page.send("Input.insertText", text=credential["verificationCode"])
        page._drain()
        await press_enter(page)
        await page.wait_for("Page.loadEventFired")
        assert await page.evaluate("location.pathname") == f"/c/{credential['id']}"
        await page.goto(f"{served}/verify")
        await tab_until(page, "credential")
        await page.send("Input.insertText", text="{not json")
        await tab_to(page, "Verify text")
        page._drain()
        await press_enter(page)
        await page.wait_for("Page.loadEventFired")
        assert await page.evaluate("document.querySelector('#report h2, #report').textContent.trim() !== ''")
        assert await verdict(page) == "Not verified"
        await page.screenshot(SHOTS / f"verify-keyboard-report-{width}.png")
    assert page.errors == []


async def tab_until(page: Page, element_id: str, limit: int = 40) -> dict[str, Any]:
    for _ in range(limit):
        for kind in ("keyDown", "keyUp"):
            await page.send("Input.dispatchKeyEvent", type=kind, key="Tab", code="Tab", windowsVirtualKeyCode=9)
        focused: dict[str, Any] = await page.evaluate(
            "(() => { const e = document.activeElement; return {id: e.id,"
            " visible: e.matches(':focus-visible') && getComputedStyle(e).outlineStyle !== 'none'}; })()"
        )
        if focused["id"] == element_id:
            return focused
    raise AssertionError(f"Tab never reached #{element_id}")
