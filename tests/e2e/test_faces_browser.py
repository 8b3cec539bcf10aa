"""Issue 14's public faces in a real headless Chromium, at desktop and 390 px: the employer's report (whose credential,
what differs), a plain badge image verified by its QR code, sharing and printing, the achievement and PSF pages; and
keyboard-only use of each. Screenshots are kept under test-artifacts/e2e/ (git-ignored)."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_pages_browser import issue_aida, verdict

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.cdp import Page

pytestmark = pytest.mark.browser
WIDTHS = ((1280, 900, False), (390, 844, True))


async def at_each_width(page: Page, url: str, name: str) -> None:
    """Load `url` at desktop and phone widths, keep a screenshot of each, and refuse sideways scrolling."""
    for width, height, mobile in WIDTHS:
        await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
        await page.goto(url)
        assert await page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        await page.screenshot(ARTIFACTS / f"{name}-{width}.png")


async def press_tab(page: Page) -> dict[str, Any]:
    """One Tab key press, as a keyboard user makes it; returns what has the focus then."""
    for kind in ("keyDown", "keyUp"):
        await page.send("Input.dispatchKeyEvent", type=kind, key="Tab", code="Tab", windowsVirtualKeyCode=9)
    focused: dict[str, Any] = await page.evaluate(
        "(() => { const e = document.activeElement; return {tag: e.tagName, text: (e.textContent || '').trim(),"
        " id: e.id, visible: getComputedStyle(e).outlineStyle !== 'none' || e.matches(':focus-visible')}; })()"
    )
    return focused


async def tab_to(page: Page, text: str, limit: int = 60) -> dict[str, Any]:
    for _ in range(limit):
        focused = await press_tab(page)
        if focused["text"] == text:
            assert focused["visible"], text  # the focus can be seen
            return focused
    raise AssertionError(f"{text!r} cannot be reached with the keyboard")


async def press_enter(page: Page) -> None:
    key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
    await page.send("Input.dispatchKeyEvent", type="keyDown", text="\r", **key)  # text: what activates a button
    await page.send("Input.dispatchKeyEvent", type="keyUp", **key)


async def test_report_names_the_holder_and_says_what_differs(
    page: Page, served: str, admin_auth: dict[str, str]
) -> None:
    credential = await issue_aida(served, admin_auth, "Grace Hopper")
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        document = json.loads((await http.get(f"/v1/credentials/{credential['id']}/vc")).content)
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    for width, height, mobile in WIDTHS:
        await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
        await page.goto(f"{served}/verify")
        await page.evaluate(f"document.querySelector('#credential').value = {json.dumps(json.dumps(document))}")
        await page.submit("#credential ~ button[type=submit]")
        assert await verdict(page) == "Not verified"
        table = await page.evaluate("document.querySelector('table.differences').innerText")
        assert "Mallory Forger" in table
        assert "Grace Hopper" in table
        assert await page.evaluate("document.querySelectorAll('#report .check-passed').length") == 1  # format
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        await page.screenshot(ARTIFACTS / f"report-tampered-{width}.png")
    assert page.errors == []


async def test_plain_badge_image_verifies_by_its_qr_code(
    page: Page, served: str, admin_auth: dict[str, str], tmp_path: Path
) -> None:
    credential = await issue_aida(served, admin_auth, "Mary Jackson")
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        plain = (await http.get(f"/v1/credentials/{credential['id']}/badge.png")).content
    image = Image.open(io.BytesIO(plain)).convert("RGBA").resize((300, 400), Image.Resampling.LANCZOS)
    turned = image.rotate(5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255, 255))
    path = tmp_path / "cv-badge.png"
    turned.save(path)
    for width, height, mobile in WIDTHS:
        await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
        await page.goto(f"{served}/verify")
        await page.set_files("#badge", [path])
        await page.submit("#badge ~ button[type=submit]")
        assert await verdict(page) == "Valid"
        report = await page.evaluate("document.querySelector('#report').innerText")
        assert "QR code in the image" in report
        assert "Mary Jackson" in report
        await page.screenshot(ARTIFACTS / f"report-qr-image-{width}.png")
    assert page.errors == []


async def test_share_and_print_actions_by_keyboard(page: Page, served: str, admin_auth: dict[str, str]) -> None:
    credential = await issue_aida(served, admin_auth, "Katherine Johnson")
    url = f"{served}/c/{credential['id']}"
    await at_each_width(page, url, "badge-page-share")
    await page.viewport(1280, 900)
    await page.goto(url)
    for label in ("Copy link", "Post on LinkedIn", "Send by e-mail", "Print certificate (A4 PDF)", "Copy code"):
        await page.goto(url)
        await tab_to(page, label)
    await page.goto(url)
    await tab_to(page, "Copy link")
    await press_enter(page)
    status = await page.evaluate(
        "new Promise(r => setTimeout(() => r(document.querySelector('.copy-status').textContent), 300))"
    )
    assert status
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        pdf = await http.get(f"/c/{credential['id']}/certificate.pdf?paper=letter")
    assert pdf.headers["content-type"] == "application/pdf"
    (ARTIFACTS / "certificate-letter.pdf").write_bytes(pdf.content)
    assert page.errors == []


async def test_achievement_and_framework_pages(page: Page, served: str) -> None:
    await at_each_width(page, f"{served}/v1/achievements/cpaa", "achievement-page")
    assert "CPAA: Production Architect" in await page.evaluate("document.querySelector('h1').textContent")
    await at_each_width(page, f"{served}/psf/v1.0", "psf-page")
    assert await page.evaluate("document.querySelectorAll('ol.domains li').length") == 8
    await page.viewport(1280, 900)
    await page.goto(f"{served}/psf/v1.0")
    await tab_to(page, "CPAA: Production Architect")
    await press_enter(page)
    await page.wait_for("Page.loadEventFired")
    assert await page.evaluate("location.pathname") == "/v1/achievements/cpaa"
    assert page.errors == []


async def test_browser_verifiers_on_other_sites_can_read_the_public_routes(
    page: Page, served: str, admin_auth: dict[str, str]
) -> None:
    """CORS as a browser applies it: from a page of another origin (`localhost` instead of `127.0.0.1`, as a web
    wallet on its own site), the public reads are readable, errors included; a page of ours is not."""
    credential = await issue_aida(served, admin_auth, "Katherine Johnson")
    readable = [
        "/.well-known/did.json",
        "/.well-known/jwks.json",
        f"/v1/credentials/{credential['id']}",
        "/v1/achievements/aida",
        "/v1/credentials/no-such-credential",  # a 404 problem: a verifier must be able to read why
    ]
    for width, height, mobile in WIDTHS:
        await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
        await page.goto(served.replace("127.0.0.1", "localhost") + "/health")  # a document with no CSP of its own
        for path in readable:
            status = await page.evaluate(f"fetch({json.dumps(served + path)}).then(r => r.status, () => 'blocked')")
            assert status == (404 if path.endswith("no-such-credential") else 200), (path, status)
        for path in ("/verify", "/v1/audit/checkpoints-not-public"):
            blocked = await page.evaluate(f"fetch({json.dumps(served + path)}).then(r => r.status, () => 'blocked')")
            assert blocked == "blocked", (path, blocked)
        await page.screenshot(ARTIFACTS / f"cors-other-site-{width}.png")
