"""The public pages in a real headless Chromium: badge page states, uploading a badge to /verify, registry search.

Each test keeps full-page screenshots under test-artifacts/e2e/ for a person to look at.
"""

from __future__ import annotations

import hashlib
import html
import json
import urllib.parse
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import did_key_for, did_key_verification_method, generate_signer

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.cdp import Page

pytestmark = pytest.mark.browser


async def _post(base: str, auth: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as http:
        response = await http.post(path, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def issue_aida(base: str, auth: dict[str, str], name: str) -> dict[str, Any]:
    holder = await _post(base, auth, "/v1/holders", {"displayName": name})
    exam = {"kind": "exam", "holderId": holder["id"], "score": 45, "maxScore": 50}
    await _post(base, auth, "/v1/assessments", exam)
    return await _post(base, auth, "/v1/credentials", {"tier": "AIDA", "holderId": holder["id"]})


async def issue_cae(base: str, auth: dict[str, str], name: str) -> dict[str, Any]:
    org = await _post(base, auth, "/v1/organizations", {"name": name, "kind": "enterprise", "country": "GB"})
    audit = {
        "kind": "compliance_audit",
        "organizationId": org["id"],
        "assessorIds": ["auditor-1"],
        "outcome": "passed",
        "evidenceDigest": hashlib.sha256(name.encode()).hexdigest(),
        "nextReviewDue": "2099-01-01",
    }
    await _post(base, auth, "/v1/assessments", audit)
    return await _post(base, auth, "/v1/credentials", {"tier": "CAE", "organizationId": org["id"]})


async def verdict(page: Page) -> str:
    text: str = await page.evaluate("document.querySelector('.verdict-word').textContent.trim()")
    return text[1:].strip()  # after the icon


async def test_badge_page_shows_active_then_revoked(
    page: Page, served: str, admin_auth: dict[str, str], database_url: str
) -> None:
    credential = await issue_aida(served, admin_auth, "Dorothy Vaughan")
    await page.goto(f"{served}/c/{credential['id']}")
    assert await verdict(page) == "Valid"
    assert await page.evaluate("document.querySelector('h1').textContent") == "AIDA: PSF Foundations"
    assert await page.evaluate("document.querySelector('.credential-badge img').naturalWidth") == 600
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 245, 247)"
    await page.evaluate("document.querySelector('[data-copy]').click()")
    assert await page.evaluate(
        "new Promise(r => setTimeout(() => r(document.querySelector('.copy-status').textContent), 300))"
    )
    await page.screenshot(ARTIFACTS / "badge-page-active.png")
    await page.viewport(390, 844, mobile=True, scale=2)
    await page.goto(f"{served}/c/{credential['id']}")
    # No sideways scrolling. Under mobile emulation innerWidth grows with wide content, so compare with the device.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(ARTIFACTS / "badge-page-phone.png")

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE credentials SET status = 'revoked', status_reason = 'issued_in_error' WHERE id = $1",
                           credential["id"])  # fmt: skip
    finally:
        await conn.close()
    await page.viewport(1280, 900)
    await page.goto(f"{served}/c/{credential['id']}")
    assert await verdict(page) == "Revoked"
    sentence = await page.evaluate("document.querySelector('.verdict-sentence').textContent")
    assert "it was issued in error" in sentence  # the reason in its public words, never the code
    assert "issued_in_error" not in sentence
    assert await page.evaluate("document.querySelector('.credential-badge img').naturalWidth") == 600
    assert not await page.evaluate("document.querySelector('.button-linkedin')")
    await page.screenshot(ARTIFACTS / "badge-page-revoked.png")
    assert page.errors == []  # no script errors, no Content-Security-Policy violations


async def test_verify_page_reports_on_an_uploaded_badge(
    page: Page, served: str, admin_auth: dict[str, str], tmp_path: Path
) -> None:
    credential = await issue_aida(served, admin_auth, "Mary Jackson")
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        baked = await http.get(f"/v1/credentials/{credential['id']}/badge.png", params={"download": "1"})
    badge = tmp_path / "badge.png"
    badge.write_bytes(baked.content)
    await page.goto(f"{served}/verify")
    await page.screenshot(ARTIFACTS / "verify-page.png")
    await page.set_files("#badge", [badge])
    await page.submit("#badge ~ button[type=submit]")
    assert await verdict(page) == "Valid"
    assert "PNG badge" in await page.evaluate("document.querySelector('#report').textContent")
    assert await page.evaluate("document.querySelectorAll('#report .check-passed').length") >= 4
    await page.screenshot(ARTIFACTS / "verify-page-report.png")

    await page.goto(f"{served}/verify")
    await page.evaluate(f"document.querySelector('#q').value = {credential['verificationCode']!r}")
    await page.submit("#q ~ button[type=submit]")
    assert await page.evaluate("location.pathname") == f"/c/{credential['id']}"
    assert page.errors == []


async def test_verify_page_refuses_a_form_posted_from_another_site(
    page: Page, served: str, admin_auth: dict[str, str]
) -> None:
    """A fraudster's page (here a data: URL, an origin of its own) posts a credential to our /verify: Chromium's
    own Sec-Fetch-Site and Origin headers make it a 403 page, not a report."""
    credential = await issue_aida(served, admin_auth, "Dorothy Vaughan")
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        document = (await http.get(f"/v1/credentials/{credential['id']}/vc")).text
    form = (
        f'<form method="post" action="{served}/verify" enctype="multipart/form-data">'
        f'<textarea name="credential">{html.escape(document)}</textarea><button type="submit">Go</button></form>'
    )
    await page.goto("data:text/html;charset=utf-8," + urllib.parse.quote(form))
    await page.submit("button")
    assert await page.evaluate("location.href") == f"{served}/verify"
    alert = await page.evaluate("document.querySelector('#verify-error').textContent")
    assert "Form from another site refused" in alert
    assert await page.evaluate("document.querySelector('#report')") is None
    await page.screenshot(ARTIFACTS / "verify-page-cross-site.png")


async def test_registry_search_finds_an_organisation(page: Page, served: str, admin_auth: dict[str, str]) -> None:
    await issue_cae(served, admin_auth, "Contoso Robotics plc")
    await issue_cae(served, admin_auth, "Fabrikam Insurance plc")
    await page.goto(f"{served}/registry")
    await page.evaluate("document.querySelector('#rq').value = 'contoso'")
    await page.submit(".search button[type=submit]")
    names = await page.evaluate("[...document.querySelectorAll('.org h2')].map(h => h.textContent)")
    assert names == ["Contoso Robotics plc"]
    assert await page.evaluate("document.querySelector('.status-word').textContent") == "Active"
    await page.screenshot(ARTIFACTS / "registry-search.png")
    await page.submit(".creds a")  # follow the credential link to its page (a link: click, then load)
    assert await verdict(page) == "Valid"
    await page.screenshot(ARTIFACTS / "badge-page-organisation.png")
    assert page.errors == []


async def test_verify_page_calls_a_self_issued_forgery_not_a_pai_credential_at_phone_width(
    page: Page, served: str, tmp_path: Path
) -> None:
    """Anyone can sign a credential with their own did:key and call the issuer "Production AI Institute": the
    employer page used to say "Valid. Genuine, issued by the Production AI Institute". At 390 px it must say it is
    not a PAI credential, never green, and its long DIDs must not make the page scroll sideways."""
    signer = generate_signer()
    unsigned = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0f1e2d3c-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did_key_for(signer.public_key), "type": ["Profile"], "name": "Production AI Institute"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "AIDA",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/aida",
                "type": ["Achievement"],
                "name": "AIDA: PSF Foundations",
                "description": "A forged AIDA.",
                "criteria": {"narrative": "None."},
            },
        },
    }
    forged = add_proof(
        unsigned,
        signer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_verification_method(signer.public_key),
        created="2026-11-01T00:00:00Z",
    )
    await page.viewport(390, 844, mobile=True, scale=2)
    await page.goto(f"{served}/verify")
    await page.evaluate(f"document.querySelector('#credential').value = {json.dumps(json.dumps(forged))}")
    await page.submit("#credential ~ button[type=submit]")
    assert await verdict(page) == "Not a PAI credential"
    report = await page.evaluate("document.querySelector('#report').textContent")
    assert "Genuine" not in report
    assert "not the Production AI Institute" in report
    assert await page.evaluate("document.querySelector('.verdict.tone-good')") is None
    # No sideways scrolling. Under mobile emulation innerWidth grows with wide content, so compare with the device.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(ARTIFACTS / "verify-page-forgery-390.png")
    assert page.errors == []
