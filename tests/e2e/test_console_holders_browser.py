"""The console's Holders pages in a real headless Chromium against the served app: the search finds "Ada Lovelace"
from "lovelace ada" and from "Adà", her page lists her credential, correcting her name with the re-issue box ticked
shows the per-credential results, the old credential's public page then points to the new one, which carries the new
name; no sideways scrolling at phone width, and axe-core's WCAG 2.2 AA check over the new pages (the organisations
and pending pages too). Screenshots under
test-artifacts/e2e/console/.

One served app for the module (test_console_browser's fixture: the staff accounts made by `verify-api staff create`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.axe import axe_available, axe_violations, describe
from tests.e2e.test_console_browser import (  # the served app and its staff accounts, made once for this module
    SHOTS,
    admin_auth,
    console_app,
    fill,
    no_sideways_scroll,
    served,
    sign_in,
    text_of,
)
from tests.e2e.test_faces_browser import WIDTHS
from tests.e2e.test_pages_browser import issue_aida, issue_cae, verdict

if TYPE_CHECKING:
    from tests.e2e.cdp import Page

__all__ = ["admin_auth", "console_app", "served"]
pytestmark = pytest.mark.browser


async def issue_aida_with_email(served: str, auth: dict[str, str], name: str, email: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=served, headers=auth, timeout=30) as http:
        holder = (await http.post("/v1/holders", json={"displayName": name, "email": email})).json()
        exam = {"kind": "exam", "holderId": holder["id"], "score": 45, "maxScore": 50}
        assert (await http.post("/v1/assessments", json=exam)).status_code == 201
        issued = await http.post("/v1/credentials", json={"tier": "AIDA", "holderId": holder["id"]})
        assert issued.status_code == 201, issued.text
        credential: dict[str, Any] = issued.json()
    credential["holderId"] = holder["id"]
    return credential


async def search(page: Page, name: str) -> list[str]:
    """The names the holder search lists for `name`, typed into the form."""
    await fill(page, "#holder-name", name)
    await page.submit("#holder-search-submit")
    found: list[str] = await page.evaluate(
        "[...document.querySelectorAll('.console-holder-name')].map(a => a.textContent.trim())"
    )
    return found


async def test_console_finds_a_holder_corrects_her_name_and_reissues(
    page: Page, served: str, admin_auth: dict[str, str]
) -> None:
    credential = await issue_aida_with_email(served, admin_auth, "Ada Lovelace", "ada@example.org")
    await issue_aida(served, admin_auth, "Grace Hopper")
    await sign_in(page, served)
    await page.submit("nav a[href='/console/holders']")
    assert await page.evaluate("location.pathname") == "/console/holders"
    assert await search(page, "lovelace ada") == ["Ada Lovelace"]
    assert await search(page, "Adà") == ["Ada Lovelace"]
    await no_sideways_scroll(page, "holders-found")

    await page.submit(".console-holder-name")
    assert await page.evaluate("location.pathname") == f"/console/holders/{credential['holderId']}"
    assert await text_of(page, "#holder-name") == "Ada Lovelace"
    assert await text_of(page, "#holder-email") == "ada@example.org"
    assert await text_of(page, "#holder-credentials .status-word") == "active"
    await no_sideways_scroll(page, "holder")

    await fill(page, "#correct-name", "Augusta Ada Lovelace")
    await fill(page, "#correct-note", "name as on her passport")
    assert await page.evaluate("document.querySelector('#correct-reissue').checked")
    await page.submit("#correct-submit")
    assert "done=corrected" in await page.evaluate("location.search")  # POST, then redirect, then GET
    assert await text_of(page, "[role=status]") == "Saved and re-issued: see the results below."
    assert await text_of(page, "#holder-name") == "Augusta Ada Lovelace"
    assert "reissued" in await text_of(page, "#reissue-results")
    new_id: str = await page.evaluate("document.querySelector('.reissued-as').textContent.trim()")
    assert new_id != credential["id"]
    await no_sideways_scroll(page, "holder-corrected")

    await page.goto(f"{served}/c/{credential['id']}")  # the old link points to the new credential
    assert await verdict(page) == "Superseded"
    assert await page.evaluate("document.querySelector('.notice a').getAttribute('href')") == f"/c/{new_id}"
    await page.submit(".notice a")
    assert await page.evaluate("location.pathname") == f"/c/{new_id}"
    assert await verdict(page) == "Valid"
    assert await text_of(page, ".subject strong") == "Augusta Ada Lovelace"
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        document = (await http.get(f"/v1/credentials/{new_id}")).json()
    assert document["status"] == "active"
    assert [e for e in page.errors if "401" not in e] == []


@pytest.mark.skipif(not axe_available(), reason="no node_modules/axe-core: run `make install` (needs npm)")
async def test_console_holder_pages_have_no_wcag_violations(
    page: Page, served: str, admin_auth: dict[str, str]
) -> None:
    credential = await issue_aida_with_email(served, admin_auth, "Katherine Coleman", "kc@example.org")
    failures: list[str] = []

    async def audit(name: str) -> None:
        for width, height, mobile in WIDTHS:
            await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
            found = await axe_violations(page)
            if found:
                failures.append(f"--- {name} at {width} px\n{describe(found)}")
            await page.screenshot(SHOTS / f"a11y-{name}-{width}.png")
        await page.viewport(1280, 900)

    await sign_in(page, served)
    await page.goto(f"{served}/console/holders")
    await audit("holders")
    await search(page, "coleman katherine")
    await audit("holders-found")
    await search(page, "nobody by this name")
    await audit("holders-none")
    await page.goto(f"{served}/console/holders?cursor=forged")
    await audit("holders-error")
    await page.goto(f"{served}/console/holders/{credential['holderId']}")
    await audit("holder")
    await fill(page, "#correct-name", "Katherine Johnson")
    await page.submit("#correct-submit")
    await audit("holder-corrected")
    await fill(page, "#correct-email", "not an address")
    await page.evaluate("document.querySelector('#correct-email').type = 'text'")  # past the browser's own check
    await page.submit("#correct-submit")
    assert await text_of(page, "[role=alert]") != ""
    await audit("holder-refused")
    async with httpx.AsyncClient(base_url=served, headers=admin_auth, timeout=30) as http:
        waiting = (await http.post("/v1/holders", json={"displayName": "Hedy Lamarr"})).json()
        exam = {"kind": "exam", "holderId": waiting["id"], "score": 45, "maxScore": 50}
        assert (await http.post("/v1/assessments", json=exam)).status_code == 201
    await page.goto(f"{served}/console/pending")
    assert "Hedy Lamarr" in await text_of(page, "#pending-list")
    await audit("pending")
    await no_sideways_scroll(page, "pending")
    await issue_cae(served, admin_auth, "Contoso Enterprise")
    await page.goto(f"{served}/console/organisations")
    assert "Contoso Enterprise" in await text_of(page, "#organisation-list")
    await audit("organisations")
    await no_sideways_scroll(page, "organisations")
    assert not failures, "axe-core WCAG 2.2 AA violations:\n" + "\n".join(failures)
