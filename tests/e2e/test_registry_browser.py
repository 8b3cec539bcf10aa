"""The registry in headless Chromium (issue 14): tolerant search, filters and paging at 390 px without overflow,
used with the keyboard only, and the bulk check. Screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_pages_browser import issue_cae

if TYPE_CHECKING:
    from tests.e2e.cdp import Page

pytestmark = pytest.mark.browser

LONG_NAME = "Wolfeschlegelsteinhausenbergerdorff Internationale Beratungsgesellschaft für Künstliche Intelligenz mbH"


async def press(page: Page, key: str, code: int, *, shift: bool = False) -> None:
    """One key press as the keyboard sends it (CDP Input.dispatchKeyEvent), no script touching the page."""
    common: dict[str, Any] = {"key": key, "code": key, "windowsVirtualKeyCode": code, "modifiers": 8 if shift else 0}
    text = {"text": "\r"} if key == "Enter" else {}
    await page.send("Input.dispatchKeyEvent", type="keyDown", **common, **text)
    await page.send("Input.dispatchKeyEvent", type="keyUp", **common)


async def tab_to(page: Page, element_id: str, *, limit: int = 40) -> list[str]:
    """Press Tab until `element_id` has the focus; the ids (or tag names) focused on the way, in order."""
    seen: list[str] = []
    for _ in range(limit):
        await press(page, "Tab", 9)
        focused: str = await page.evaluate("document.activeElement.id || document.activeElement.tagName")
        seen.append(focused)
        if focused == element_id:
            return seen
    raise AssertionError(f"Tab never reached #{element_id}; focus went {seen}")


async def no_overflow(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at a 390 px viewport"


async def test_registry_by_keyboard_at_phone_width(page: Page, served: str, admin_auth: dict[str, str]) -> None:
    await issue_cae(served, admin_auth, "Contoso Robotics plc")
    await issue_cae(served, admin_auth, LONG_NAME)
    await issue_cae(served, admin_auth, "Société Générale Conseil")
    await page.viewport(390, 844, mobile=True, scale=2)
    await page.goto(f"{served}/registry")
    await no_overflow(page)
    await page.screenshot(ARTIFACTS / "registry-390.png")
    await tab_to(page, "rq")  # focus moves through the page to the search field with Tab alone
    await page.send("Input.insertText", text="robotics contoso")
    page._drain()
    await press(page, "Enter", 13)  # Enter in a form control submits the form
    await page.wait_for("Page.loadEventFired")
    names = await page.evaluate("[...document.querySelectorAll('.org h2')].map(h => h.textContent)")
    assert names == ["Contoso Robotics plc"]
    await no_overflow(page)
    # after the field: its button, then the filters, in reading order
    assert (await tab_to(page, "rdesignation", limit=30))[-3:] == ["rq", "BUTTON", "rdesignation"]
    await page.goto(f"{served}/registry?q=beratungsgesellschaft+kunstliche&designation=CAE")
    assert await page.evaluate("document.querySelectorAll('.org h2').length") == 1
    await no_overflow(page)
    await page.screenshot(ARTIFACTS / "registry-390-long-name.png")
    # the result's credential link is reachable by Tab and followed with Enter
    link_id = await page.evaluate("(document.querySelector('.creds a').id = 'first-credential')")
    await tab_to(page, link_id, limit=60)
    page._drain()
    await press(page, "Enter", 13)
    await page.wait_for("Page.loadEventFired")
    assert "/c/" in await page.evaluate("location.pathname")
    assert page.errors == []


async def test_registry_check_page_at_phone_width(page: Page, served: str, admin_auth: dict[str, str]) -> None:
    # Not the other test's Contoso: the module's tests share one served app and database (tests/e2e/conftest.py).
    await issue_cae(served, admin_auth, "Northwind Traders plc")
    await page.viewport(390, 844, mobile=True, scale=2)
    await page.goto(f"{served}/registry/check")
    await page.evaluate("document.querySelector('#centries').value = 'northwind\\nNobody Ltd'")
    await page.submit("button[value=html]")
    rows = await page.evaluate(
        "[...document.querySelectorAll('.check-results tbody tr')].map(r => r.lastElementChild.textContent.trim())"
    )
    assert rows == ["Certified", "Not in the registry"]
    await no_overflow(page)
    await page.screenshot(ARTIFACTS / "registry-check-390.png")
    assert page.errors == []
