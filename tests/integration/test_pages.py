"""The public HTML pages: the badge page per status, privacy, escaping, negotiation, /verify and /registry."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from tests.badge_factories import make_cae
from tests.factories import make_aida

if TYPE_CHECKING:
    import asyncpg
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from tests.conftest import FakeClock

    Client = AsyncTestClient[Litestar]

BASE = "https://verify.test.example"
HOSTILE = "<script>alert('x')</script> \"Bobby\" & <b>Tables</b>"


def meta(page: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', page)
    assert found, f"no {key} meta tag"
    return html.unescape(found.group(1))


def verdict(page: str) -> str:
    found = re.search(r'<p class="verdict-word" id="verdict-word">.*?</span>([^<]+)</p>', page)
    assert found, "no verdict on the page"
    return found.group(1)


@pytest.fixture
async def aida(client: Client, admin_headers: dict[str, str]) -> dict[str, Any]:
    return await make_aida(client, admin_headers, displayName="Ada Lovelace", email="ada@example.org")


async def test_badge_page_of_an_active_credential(client: Client, aida: dict[str, Any]) -> None:
    response = await client.get(f"/c/{aida['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    assert verdict(page) == "Valid"
    assert "Ada Lovelace" in page
    assert aida["verificationCode"] in page
    assert "AIDA: PSF Foundations" in page
    assert "Production Safety Framework v1.0" in page
    assert page.count('class="check check-passed"') == 4
    for href in ("badge.png?v=", "badge.svg?v=", "badge.png?download=1", "badge.svg?download=1", "vc"):
        assert f'href="/v1/credentials/{aida["id"]}/{href}' in page
    assert f'value="{BASE}/c/{aida["id"]}"' in page  # the copy-link field
    assert meta(page, "og:image").startswith(f"{BASE}/v1/credentials/{aida['id']}/share.png?v=")  # 1200 x 630, issue 14
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "og:url") == f"{BASE}/c/{aida['id']}"
    assert meta(page, "robots") == "noindex, nofollow"  # the holder has not opted in to a public listing


async def test_badge_page_shows_no_private_data(client: Client, aida: dict[str, Any]) -> None:
    page = (await client.get(f"/c/{aida['id']}")).text
    assert "ada@example.org" not in page
    assert aida["holderId"] not in page


async def test_badge_page_links_to_linkedin_add_to_profile(client: Client, aida: dict[str, Any]) -> None:
    page = (await client.get(f"/c/{aida['id']}")).text
    found = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page)
    assert found
    url = urlsplit(html.unescape(found.group(1)))
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "AIDA: PSF Foundations",
        "organizationName": "Production AI Institute",
        "issueYear": "2026",
        "issueMonth": "11",
        "expirationYear": aida["validUntil"][:4],
        "expirationMonth": str(int(aida["validUntil"][5:7])),
        "certUrl": f"{BASE}/c/{aida['id']}",
        "certId": aida["verificationCode"],
    }


async def test_badge_page_uses_the_linkedin_organisation_id_setting(
    client: Client, aida: dict[str, Any], app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    import msgspec

    runtime = app.state.runtime
    settings = msgspec.structs.replace(runtime.settings, linkedin_organization_id="1234567")
    monkeypatch.setattr(runtime, "settings", settings)
    page = (await client.get(f"/c/{aida['id']}")).text
    assert "organizationId=1234567&amp;" in page
    assert "organizationName=" not in page


@pytest.mark.parametrize(
    ("status", "word"), [("revoked", "Revoked"), ("suspended", "Suspended"), ("superseded", "Superseded")]
)
async def test_badge_page_of_a_withdrawn_credential_says_so(
    client: Client, aida: dict[str, Any], conn: asyncpg.Connection, status: str, word: str
) -> None:
    await conn.execute("UPDATE credentials SET status = $2 WHERE id = $1", aida["id"], status)
    page = (await client.get(f"/c/{aida['id']}")).text
    assert verdict(page) == word
    assert f'data-status="{status}"' in page
    assert 'class="check check-failed"' in page
    assert "linkedin.com" not in page  # nobody is invited to add a withdrawn credential to a profile


async def test_badge_page_of_an_expired_credential_says_so(
    client: Client, aida: dict[str, Any], clock: FakeClock
) -> None:
    clock.advance(days=800)
    page = (await client.get(f"/c/{aida['id']}")).text
    assert verdict(page) == "Expired"


async def test_badge_page_escapes_a_hostile_name(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers, displayName=HOSTILE)
    page = (await client.get(f"/c/{credential['id']}")).text
    assert "<script>alert" not in page
    assert "<b>Tables" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert meta(page, "og:title").endswith(HOSTILE)  # attribute-escaped, so it unescapes to the exact name
    svg = (await client.get(f"/v1/credentials/{credential['id']}/badge.svg")).text
    assert "<script>" not in svg


async def test_badge_page_of_an_opted_in_holder_may_be_indexed(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers, publicListing=True)
    page = (await client.get(f"/c/{credential['id']}")).text
    assert 'name="robots"' not in page


async def test_badge_page_of_an_organisation(client: Client, admin_headers: dict[str, str]) -> None:
    cae = await make_cae(client, admin_headers)
    page = (await client.get(f"/c/{cae['id']}")).text
    assert "Awarded to the organisation" in page
    assert "Northwind Enterprise plc" in page
    assert 'name="robots"' not in page
    assert "linkedin.com/profile/add" not in page  # LinkedIn certifications are for people
    assert "linkedin.com/sharing/share-offsite" in page  # a post about the organisation's certification is not


@pytest.mark.parametrize("credential_id", ["aaaaaaaaaaaaaaaaaaaaaaaaaa", "<script>"])
async def test_badge_page_of_an_unknown_credential_is_an_html_404(client: Client, credential_id: str) -> None:
    response = await client.get(f"/c/{credential_id}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No such credential" in response.text


async def test_credential_url_gives_json_by_default_and_the_page_to_a_browser(
    client: Client, aida: dict[str, Any]
) -> None:
    url = f"/v1/credentials/{aida['id']}"
    for accept in (None, "*/*", "application/json", "application/json, text/html;q=0.9"):
        response = await client.get(url, headers={"Accept": accept} if accept else {})
        assert response.status_code == 200, accept
        assert response.json()["id"] == aida["id"]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = await client.get(url, headers={"Accept": browser}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}/c/{aida['id']}"
    assert response.headers["vary"] == "Accept"


async def test_badge_qr_opens_the_badge_page(client: Client, aida: dict[str, Any]) -> None:
    import io

    png = (await client.get(f"/v1/credentials/{aida['id']}/badge.png")).content
    page_url = next(r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))) if r.text.startswith("http"))
    response = await client.get(urlsplit(page_url).path)
    assert response.status_code == 200
    assert verdict(response.text) == "Valid"


async def test_static_assets_are_served(client: Client) -> None:
    css = await client.get("/static/site.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    js = await client.get("/static/page.js")
    assert js.status_code == 200


async def test_home_page_says_where_to_go(client: Client) -> None:
    """`/` is the site's home page (it was Swagger UI, which cannot render an OpenAPI 3.1 document); the API docs
    stay at /docs."""
    home = await client.get("/")
    assert home.status_code == 200
    assert home.headers["content-type"].startswith("text/html")
    assert '<html lang="en-GB">' in home.text
    assert home.headers["content-security-policy"].startswith("default-src 'none'")  # as every other page
    assert home.headers["x-content-type-options"] == "nosniff"
    for link in ('href="/verify"', 'href="/registry"', 'href="/docs"'):
        assert link in home.text
    assert "swagger-ui" in (await client.get("/docs")).text
