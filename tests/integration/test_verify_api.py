"""POST /v1/verify through the real app: every input kind, our credentials against the register, foreign ones."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, FakeClock
from tests.factories import Client, make_aida, make_cpap
from verify_api.badges.baking import bake_png, bake_svg
from verify_api.badges.content import BadgeContent
from verify_api.badges.png import render_badge_png_sync
from verify_api.badges.svg import render_badge_svg_sync
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from tests.conftest import MakeApp
    from verify_api.services.context import IssuerKey


VECTORS = Path(__file__).parent.parent / "vectors"


async def signed_document(client: Client, credential_id: str) -> bytes:
    response = await client.get(f"/v1/credentials/{credential_id}/vc")
    assert response.status_code == 200
    return response.content


async def post_verify(client: Client, body: bytes, content_type: str) -> dict[str, Any]:
    response = await client.post("/v1/verify", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def checks_of(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["name"]: (c["result"], c["detail"]) for c in report["checks"]}


def badge_content(tier: str = "AIDA") -> BadgeContent:
    return BadgeContent(
        tier=tier,
        tier_title="AIDA: PSF Foundations",
        subject_name="Ada Lovelace",
        subject_kind="person",
        valid_from=date(2026, 11, 27),
        valid_until=date(2028, 11, 26),
        verification_code="PAI-7K3M-9QXD-4",
        verify_url=f"{BASE_URL}/verify",
        page_url=f"{BASE_URL}/c/x",
        status="active",
    )


@pytest.mark.parametrize("content_type", ["application/json", "application/vc", "application/ld+json; charset=utf-8"])
async def test_verify_own_credential_is_pai_and_verified(
    client: Client, admin_headers: dict[str, str], content_type: str
) -> None:
    credential = await make_aida(client, admin_headers)
    report = await post_verify(client, await signed_document(client, credential["id"]), content_type)
    checks = checks_of(report)
    assert report["verified"] is True, report
    assert report["issuer"]["classification"] == "pai"
    assert report["paiCredentialId"] == credential["id"]
    assert report["tier"] == "AIDA"
    assert set(checks) == {"format", "proof", "issuer", "valid from", "valid until", "status", "register", "tier"}
    assert all(result == "passed" for result, _ in checks.values())


async def test_verify_tampered_credential_fails_proof_and_register(
    client: Client, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers)
    document = json.loads(await signed_document(client, credential["id"]))
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    report = await post_verify(client, json.dumps(document).encode(), "application/json")
    checks = checks_of(report)
    assert report["verified"] is False
    assert checks["proof"][0] == "failed"
    assert checks["register"][0] == "failed"


async def test_verify_cpap_without_aida_is_flagged(
    client: Client, admin_headers: dict[str, str], database_url: str
) -> None:
    cpap = await make_cpap(client, admin_headers)
    conn = await asyncpg.connect(database_url)
    try:  # history rewritten behind the service's back: the AIDA now starts after the CPAP was issued
        await conn.execute(
            "UPDATE credentials SET valid_from = valid_from + interval '400 days', "
            "valid_until = valid_until + interval '400 days' WHERE id = $1",
            cpap["aida"]["id"],
        )
    finally:
        await conn.close()
    report = await post_verify(client, await signed_document(client, cpap["id"]), "application/json")
    result, detail = checks_of(report)["tier"]
    assert result == "failed"
    assert "requires an AIDA first" in detail
    assert report["verified"] is False


async def test_verify_revoked_credential_fails_status(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    response = await client.post(
        f"/v1/credentials/{credential['id']}/revoke", json={"reason": "misconduct"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    report = await post_verify(client, await signed_document(client, credential["id"]), "application/json")
    result, detail = checks_of(report)["status"]
    assert result == "failed"
    assert "revoked" in detail


async def test_verify_baked_png_and_svg_badges(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    document = (await signed_document(client, credential["id"])).decode()
    png = bake_png(render_badge_png_sync(badge_content()), document)
    svg = bake_svg(render_badge_svg_sync(badge_content()), document)
    for body, media in ((png, "image/png"), (svg.encode(), "image/svg+xml")):
        report = await post_verify(client, body, media)
        assert report["verified"] is True, (media, report)
        assert report["presentedAs"].startswith(("PNG badge", "SVG badge"))
    tampered = json.loads(document)
    tampered["validUntil"] = "2099-01-01T00:00:00Z"
    report = await post_verify(
        client, bake_png(render_badge_png_sync(badge_content()), json.dumps(tampered)), "image/png"
    )
    assert report["verified"] is False
    assert checks_of(report)["proof"][0] == "failed"


async def test_verify_multipart_upload_file_and_field(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    document = await signed_document(client, credential["id"])
    png = bake_png(render_badge_png_sync(badge_content()), document.decode())
    response = await client.post("/v1/verify", files={"file": ("badge.png", png, "image/png")})
    assert response.status_code == 200
    assert response.json()["verified"] is True
    response = await client.post("/v1/verify", data={"credential": document.decode()})
    assert response.status_code == 415  # a urlencoded form is not an accepted type
    response = await client.post("/v1/verify", files={"credential": (None, document)})
    assert response.status_code == 200
    assert response.json()["verified"] is True


async def test_verify_unsupported_or_missing_content_type_is_415(client: Client) -> None:
    for headers in ({"Content-Type": "application/xml"}, {}):
        response = await client.post("/v1/verify", content=b"<x/>", headers=headers)
        assert response.status_code == 415
        assert response.headers["content-type"].startswith("application/problem+json")
        detail = response.json()["detail"]
        assert "application/json" in detail
        assert "image/png" in detail
        assert "multipart/form-data" in detail


async def test_verify_foreign_ob3_credential_is_not_pai(client: Client) -> None:
    report = await post_verify(client, (VECTORS / "ob3" / "simple.json").read_bytes(), "application/json")
    assert report["issuer"]["classification"] == "other"
    assert report["issuer"]["id"] == "https://example.com/issuers/876543"
    assert checks_of(report)["proof"][0] == "passed"
    assert "register" not in checks_of(report)


async def test_verify_foreign_jwt_badge(client: Client) -> None:
    report = await post_verify(client, (VECTORS / "ob3" / "simple-jwt.svg").read_bytes(), "image/svg+xml")
    assert report["issuer"]["classification"] == "other"
    assert checks_of(report)["proof"][0] == "passed"


async def test_verify_garbage_json_is_200_with_failed_format(client: Client) -> None:
    report = await post_verify(client, b"{not json", "application/json")
    assert report["verified"] is False
    assert checks_of(report)["format"][0] == "failed"


async def test_verify_rate_limit_and_body_cap(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock, admin_headers: dict[str, str]
) -> None:
    settings = load_settings(
        {},
        database_url=database_url,
        public_base_url=BASE_URL,
        pool_min=1,
        pool_max=2,
        verify_rate_limit_per_minute=2,
        verify_max_body_bytes=2048,
    )
    app = make_app(settings, issuer_key=issuer_key, clock=clock)
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        too_big = await client.post(
            "/v1/verify", content=b"{" + b" " * 4096 + b"}", headers={"Content-Type": "application/json"}
        )
        assert too_big.status_code == 413
        for _ in range(1):
            assert (
                await client.post("/v1/verify", content=b"{}", headers={"Content-Type": "application/json"})
            ).status_code == 200
        limited = await client.post("/v1/verify", content=b"{}", headers={"Content-Type": "application/json"})
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("application/problem+json")
        # Other routes are not rate-limited.
        for _ in range(3):
            assert (await client.get("/.well-known/did.json")).status_code == 200
