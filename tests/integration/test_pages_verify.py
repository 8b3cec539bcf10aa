"""The employer's /verify page, the registry page, and offline QR text through POST /v1/verify."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

import pytest
import zxingcpp
from PIL import Image

from tests.badge_factories import make_cae
from tests.factories import make_aida
from verify_api.badges.baking import unbake_png
from verify_api.badges.png_baking import bake_png
from verify_api.proofs.offline_qr import PREFIX

if TYPE_CHECKING:
    import asyncpg
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    Client = AsyncTestClient[Litestar]

TEXT = {"Content-Type": "text/plain"}


def verdict(page: str) -> str:
    found = re.search(r'<p class="verdict-word" id="verdict-word">.*?</span>([^<]+)</p>', page)
    assert found, "no verdict on the page"
    return found.group(1)


@pytest.fixture
async def aida(client: Client, admin_headers: dict[str, str]) -> dict[str, Any]:
    return await make_aida(client, admin_headers, displayName="Katherine Johnson")


async def offline_text(client: Client, credential_id: str) -> str:
    png = (await client.get(f"/v1/credentials/{credential_id}/badge.png")).content
    return next(r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))) if r.text.startswith(PREFIX))


async def test_verify_page_offers_the_three_ways(client: Client) -> None:
    response = await client.get("/verify")
    assert response.status_code == 200
    page = response.text
    assert '<input id="q" name="q"' in page
    assert 'enctype="multipart/form-data"' in page
    assert '<textarea id="credential" name="credential"' in page


@pytest.mark.parametrize("form", ["code", "lower-code", "id", "page-link", "api-link"])
async def test_verify_page_lookup_redirects_to_the_badge_page(client: Client, aida: dict[str, Any], form: str) -> None:
    typed = {
        "code": aida["verificationCode"],
        "lower-code": f"  {aida['verificationCode'].lower()} ",
        "id": aida["id"],
        "page-link": f"https://verify.test.example/c/{aida['id']}",
        "api-link": f"https://verify.test.example/v1/credentials/{aida['id']}/vc",
    }[form]
    response = await client.get("/verify", params={"q": typed}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/c/{aida['id']}"


async def test_verify_page_says_a_mistyped_code_is_a_typo(client: Client, aida: dict[str, Any]) -> None:
    code = aida["verificationCode"]
    wrong = code[:4] + ("X" if code[4] != "X" else "Y") + code[5:]
    response = await client.get("/verify", params={"q": wrong})
    assert response.status_code == 422
    assert "That code has a typo" in response.text
    assert f'value="{wrong}"' in response.text  # kept in the field, to correct


@pytest.mark.parametrize("typed", ["aaaaaaaaaaaaaaaaaaaaaaaaaa", "PAI-0000-0000-0"])
async def test_verify_page_says_an_unknown_reference_is_not_found(client: Client, typed: str) -> None:
    response = await client.get("/verify", params={"q": typed})
    assert response.status_code == 404
    assert "No PAI credential has that id or verification code" in response.text


async def test_verify_page_reports_on_an_uploaded_baked_badge(client: Client, aida: dict[str, Any]) -> None:
    baked = (await client.get(f"/v1/credentials/{aida['id']}/badge.png", params={"download": "1"})).content
    response = await client.post("/verify", files={"badge": ("badge.png", baked, "image/png")})
    assert response.status_code == 200
    assert verdict(response.text) == "Valid"
    assert "PNG badge" in response.text
    assert f'href="/c/{aida["id"]}"' in response.text


async def test_verify_page_reports_a_tampered_badge_as_not_verified(client: Client, aida: dict[str, Any]) -> None:
    baked = (await client.get(f"/v1/credentials/{aida['id']}/badge.png", params={"download": "1"})).content
    forged = bake_png(baked, unbake_png(baked).replace("Katherine Johnson", "Mallory Johnson"))
    response = await client.post("/verify", files={"badge": ("badge.png", forged, "image/png")})
    assert verdict(response.text) in ("Not valid", "Not verified")
    assert 'class="check check-failed"' in response.text


async def test_verify_page_reports_on_pasted_credential_json(client: Client, aida: dict[str, Any]) -> None:
    document = (await client.get(f"/v1/credentials/{aida['id']}/vc")).text
    response = await client.post("/verify", files={"credential": (None, document)})
    assert verdict(response.text) == "Valid"


async def test_verify_page_reports_on_pasted_offline_qr_text(client: Client, aida: dict[str, Any]) -> None:
    text = await offline_text(client, aida["id"])
    response = await client.post("/verify", files={"credential": (None, text)})
    assert verdict(response.text) == "Valid"
    assert "Katherine Johnson" in response.text
    by_query = await client.get("/verify", params={"q": text})
    assert verdict(by_query.text) == "Valid"


async def test_verify_page_with_nothing_to_verify_says_so(client: Client) -> None:
    response = await client.post("/verify", files={"credential": (None, "  ")})
    assert response.status_code == 422
    assert "Nothing to verify" in response.text


async def test_post_verify_accepts_offline_qr_text(client: Client, aida: dict[str, Any]) -> None:
    text = await offline_text(client, aida["id"])
    report = (await client.post("/v1/verify", content=text + "\n", headers=TEXT)).json()
    assert report["verified"] is True
    assert report["presentedAs"] == "offline QR (PV1), Ed25519"
    assert report["paiCredentialId"] == aida["id"]
    assert report["tier"] == "AIDA"
    assert report["issuer"]["classification"] == "pai"
    assert {c["name"]: c["result"] for c in report["checks"]} == {
        "format": "passed",
        "proof": "passed",
        "valid from": "passed",
        "valid until": "passed",
        "status": "passed",
    }


async def test_post_verify_offline_qr_of_a_revoked_credential_fails_on_status(
    client: Client, aida: dict[str, Any], conn: asyncpg.Connection
) -> None:
    text = await offline_text(client, aida["id"])  # scanned while it was active
    await conn.execute("UPDATE credentials SET status = 'revoked', status_reason = 'test' WHERE id = $1", aida["id"])
    report = (await client.post("/v1/verify", content=text, headers=TEXT)).json()
    assert report["verified"] is False
    status = next(c for c in report["checks"] if c["name"] == "status")
    assert status == {
        "name": "status",
        "result": "failed",
        "detail": "revoked (test), according to the register just now",
    }


@pytest.mark.parametrize("change", ["altered", "garbage"])
async def test_post_verify_altered_offline_qr_text_fails(client: Client, aida: dict[str, Any], change: str) -> None:
    text = await offline_text(client, aida["id"])
    sent = text[:-6] + ("000000" if text[-6:] != "000000" else "111111") if change == "altered" else "PV1:NOT BASE45!"
    report = (await client.post("/v1/verify", content=sent, headers=TEXT)).json()
    assert report["verified"] is False
    assert any(c["result"] == "failed" for c in report["checks"][:2])


async def test_registry_page_finds_an_organisation(client: Client, admin_headers: dict[str, str]) -> None:
    cae = await make_cae(client, admin_headers, name="Contoso Analytics Ltd")
    await make_cae(client, admin_headers, name="Fabrikam Holdings")
    response = await client.get("/registry", params={"q": "contoso"})
    assert response.status_code == 200
    page = response.text
    assert "Contoso Analytics Ltd" in page
    assert "Fabrikam" not in page
    assert "1 organisation matching" in page
    assert f'href="/c/{cae["id"]}"' in page
    assert '<span class="status-word status-active">Active</span>' in page


async def test_registry_page_shows_status_words_and_escapes_names(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    cae = await make_cae(client, admin_headers, name="<img src=x onerror=alert(1)> Evil & Co")
    await conn.execute("UPDATE credentials SET status = 'suspended' WHERE id = $1", cae["id"])
    page = (await client.get("/registry", params={"q": "evil"})).text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; Evil &amp; Co" in page
    assert '<span class="status-word status-suspended">Suspended</span>' in page


async def test_registry_page_never_lists_people(client: Client, aida: dict[str, Any]) -> None:
    page = (await client.get("/registry", params={"q": "Katherine"})).text
    assert "Katherine" not in page.split("</form>", 1)[1].replace("“Katherine”", "")
