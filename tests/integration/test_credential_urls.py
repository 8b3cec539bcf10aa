"""Every URL inside a newly issued credential resolves, with the right media type; public reads allow any origin."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.conftest import BASE_URL
from tests.factories import make_aida, make_cai

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    Client = AsyncTestClient[Litestar]

# The media type each kind of URL must answer a plain GET with (its own Accept, as a wallet or browser sends it).
EXPECTED = [
    ("/v1/credentials/", "application/vc", "application/vc"),
    ("/v1/status-lists/", "application/vc", "*/*"),
    ("/v1/achievements/", "application/json", "application/json"),
    ("/v1/issuer/image.png", "image/png", "*/*"),
    ("/psf/v1.0", "text/html", "text/html"),
    ("/", "text/html", "text/html"),
]


def urls_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [url for item in value.values() for url in urls_in(item)]
    if isinstance(value, list):
        return [url for item in value for url in urls_in(item)]
    return [value] if isinstance(value, str) and value.startswith(("http://", "https://")) else []


def expected_for(path: str) -> tuple[str, str]:
    if path.endswith(".png"):
        return "image/png", "*/*"
    if path.endswith(".svg"):
        return "image/svg+xml", "*/*"
    for prefix, media_type, accept in EXPECTED:
        if path == prefix or (prefix.endswith("/") and prefix != "/" and path.startswith(prefix)):
            return media_type, accept
    raise AssertionError(f"no expectation for {path}")


async def test_every_url_in_a_new_credential_resolves(client: Client, admin_headers: dict[str, str]) -> None:
    for credential in (await make_aida(client, admin_headers), (await make_cai(client, admin_headers))["credential"]):
        document = json.loads((await client.get(f"/v1/credentials/{credential['id']}/vc")).content)
        urls = sorted({u for u in urls_in(document) if "/ns/credentials/" not in u and "purl.imsglobal" not in u})
        assert any("/v1/achievements/" in u and u.endswith("image.png") for u in urls), urls
        assert any(u.endswith("/v1/issuer/image.png") for u in urls)
        assert any(u.startswith(f"{BASE_URL}/psf/v1.0#") for u in urls)
        for url in urls:
            assert url.startswith(BASE_URL), url  # nothing in a PAI credential points elsewhere
            parts = urlsplit(url)
            path = parts.path or "/"
            media_type, accept = expected_for(path)
            response = await client.get(
                path + (f"?{parts.query}" if parts.query else ""), headers={"Accept": accept}, follow_redirects=True
            )
            assert response.status_code == 200, (url, response.status_code, response.text[:200])
            assert response.headers["content-type"].split(";")[0] == media_type, url


async def test_achievement_aligns_to_every_psf_domain(client: Client) -> None:
    body = (await client.get("/v1/achievements/cpap")).json()
    assert body["type"] == ["Achievement"]
    assert body["id"] == f"{BASE_URL}/v1/achievements/cpap"
    codes = [a["targetCode"] for a in body["alignment"]]
    assert codes == ["PSF-1.0", *[f"PSF-1.0-D{n}" for n in range(1, 9)]]
    framework = (await client.get("/psf/v1.0", headers={"Accept": "application/json"})).json()
    assert [d["code"] for d in framework["domains"]] == codes[1:]
    page = await client.get("/psf/v1.0")
    assert all(f'id="{code}"' in page.text for code in codes[1:])


async def test_achievement_is_html_for_browsers_and_404_for_unknown_tiers(client: Client) -> None:
    page = await client.get("/v1/achievements/aida", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert "AIDA: PSF Foundations" in page.text
    missing = await client.get("/v1/achievements/xyz")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "aida" in missing.json()["detail"]


async def test_credential_id_dereferences_by_content_negotiation(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    path = f"/v1/credentials/{credential['id']}"
    signed = (await client.get(f"{path}/vc")).content
    for media_type in ("application/vc", "application/ld+json"):
        response = await client.get(path, headers={"Accept": media_type})
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media_type
        assert response.content == signed  # byte for byte as issued
    lookup = await client.get(path, headers={"Accept": "application/json"})
    assert lookup.json()["verificationCode"] == credential["verificationCode"]
    page = await client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].endswith(f"/c/{credential['id']}")


async def test_public_reads_allow_any_origin_without_credentials(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    document = json.loads((await client.get(f"/v1/credentials/{credential['id']}/vc")).content)
    status_list = urlsplit(document["credentialStatus"][0]["statusListCredential"]).path
    origin = {"Origin": "https://wallet.example"}
    for path in (
        "/.well-known/did.json",
        "/.well-known/jwks.json",
        status_list,
        f"/v1/credentials/{credential['id']}",
        f"/v1/credentials/{credential['id']}/vc",
        f"/v1/lookup?code={credential['verificationCode']}",
        "/v1/organizations",
        "/v1/achievements/aida",
    ):
        response = await client.get(path, headers=origin)
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == "*", path
        assert "access-control-allow-credentials" not in response.headers, path
    signed = await client.get(f"/v1/credentials/{credential['id']}", headers={**origin, "Accept": "application/vc"})
    assert signed.headers["access-control-allow-origin"] == "*"
    # Not on the admin API nor on the HTML pages.
    assert "access-control-allow-origin" not in (await client.get("/verify", headers=origin)).headers
