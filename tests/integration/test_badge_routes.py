"""Badge images over HTTP: cache headers, status changes, QR codes, the offline QR, and baked downloads."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
import zxingcpp
from PIL import Image

from tests.factories import make_aida
from verify_api.badges.baking import unbake_png, unbake_svg
from verify_api.badges.png_baking import bake_png
from verify_api.errors import ProofError
from verify_api.proofs.data_integrity import verify_proof
from verify_api.proofs.offline_qr import PREFIX, OfflinePayloadError, verify_offline_payload_sync

if TYPE_CHECKING:
    import asyncpg
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from verify_api.proofs.keys import Signer

    Client = AsyncTestClient[Litestar]

BASE = "https://verify.test.example"


def qr_texts(png: bytes) -> list[str]:
    return sorted(result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))))


def verify_document(document: str, signer: Signer) -> None:
    verify_proof(msgspec.json.decode(document), lambda _method: signer.public_key)


@pytest.fixture
async def credential(client: Client, admin_headers: dict[str, str]) -> dict[str, Any]:
    return await make_aida(client, admin_headers, displayName="Grace Hopper")


async def set_status(conn: asyncpg.Connection, credential_id: str, status: str) -> None:
    await conn.execute("UPDATE credentials SET status = $2 WHERE id = $1", credential_id, status)


async def test_badge_svg_is_served_with_revalidating_cache_headers(client: Client, credential: dict[str, Any]) -> None:
    response = await client.get(f"/v1/credentials/{credential['id']}/badge.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "public, max-age=60, must-revalidate"
    assert response.headers["etag"].startswith('"')
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "content-disposition" not in response.headers
    svg = response.text
    assert "<title" in svg
    assert "<desc" in svg
    assert "Grace Hopper" in svg
    assert credential["verificationCode"] in svg
    assert "openbadges:credential" not in svg  # only downloads are baked


@pytest.mark.parametrize("fmt", ["svg", "png"])
async def test_badge_if_none_match_answers_304(client: Client, credential: dict[str, Any], fmt: str) -> None:
    first = await client.get(f"/v1/credentials/{credential['id']}/badge.{fmt}")
    etag = first.headers["etag"]
    again = await client.get(f"/v1/credentials/{credential['id']}/badge.{fmt}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    listed = await client.get(
        f"/v1/credentials/{credential['id']}/badge.{fmt}", headers={"If-None-Match": f'"other", W/{etag}'}
    )
    assert listed.status_code == 304


async def test_badge_status_change_changes_the_etag_and_the_image(
    client: Client, credential: dict[str, Any], conn: asyncpg.Connection
) -> None:
    path = f"/v1/credentials/{credential['id']}/badge.svg"
    active = await client.get(path)
    assert "REVOKED" not in active.text
    await set_status(conn, credential["id"], "revoked")
    revoked = await client.get(path, headers={"If-None-Match": active.headers["etag"]})
    assert revoked.status_code == 200  # the old "valid" image is never confirmed as current
    assert revoked.headers["etag"] != active.headers["etag"]
    assert "REVOKED" in revoked.text
    assert "Status: revoked" in revoked.text
    assert "Offline check" not in revoked.text  # an offline QR is put only on an active credential's badge
    await set_status(conn, credential["id"], "suspended")
    suspended = await client.get(path)
    assert "SUSPENDED" in suspended.text
    assert suspended.headers["etag"] not in (active.headers["etag"], revoked.headers["etag"])


async def test_badge_png_qr_codes_decode_to_the_page_and_the_signed_offline_payload(
    client: Client, credential: dict[str, Any], signer: Signer
) -> None:
    response = await client.get(f"/v1/credentials/{credential['id']}/badge.png")
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (600, 800)
    offline, page = qr_texts(response.content)  # sorted: "PV1:" before "https:"
    assert page == f"{BASE}/c/{credential['id']}"
    assert offline.startswith(PREFIX)
    claims = verify_offline_payload_sync(offline, [signer.public_key])
    assert claims.credential_id == credential["id"]
    assert claims.tier == "AIDA"
    assert claims.subject_name == "Grace Hopper"
    altered = offline[:20] + ("A" if offline[20] != "A" else "B") + offline[21:]
    with pytest.raises((ProofError, OfflinePayloadError), match=r"does not verify|zlib|truncated|Base45|short|tier"):
        verify_offline_payload_sync(altered, [signer.public_key])


async def test_badge_offline_qr_can_be_turned_off(
    client: Client, credential: dict[str, Any], app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = app.state.runtime
    monkeypatch.setattr(runtime, "settings", msgspec.structs.replace(runtime.settings, offline_qr=False))
    response = await client.get(f"/v1/credentials/{credential['id']}/badge.png")
    assert qr_texts(response.content) == [f"{BASE}/c/{credential['id']}"]


async def test_badge_renders_once_then_comes_from_the_cache(
    client: Client, credential: dict[str, Any], app: Litestar
) -> None:
    cache = app.state.badge_cache
    before = len(cache)
    first = await client.get(f"/v1/credentials/{credential['id']}/badge.png")
    second = await client.get(f"/v1/credentials/{credential['id']}/badge.png")
    assert len(cache) == before + 1
    assert first.content == second.content


async def test_baked_png_download_holds_the_signed_credential_verbatim(
    client: Client, credential: dict[str, Any], signer: Signer
) -> None:
    response = await client.get(f"/v1/credentials/{credential['id']}/badge.png", params={"download": "1"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="pai-aida-{credential["id"]}.png"'
    stored = (await client.get(f"/v1/credentials/{credential['id']}/vc")).text
    baked = unbake_png(response.content)
    assert baked == stored.strip()
    verify_document(baked, signer)
    plain = await client.get(f"/v1/credentials/{credential['id']}/badge.png")
    assert plain.headers["etag"] != response.headers["etag"]
    assert f"{BASE}/c/{credential['id']}" in qr_texts(response.content)


async def test_baked_svg_download_holds_the_signed_credential_verbatim(
    client: Client, credential: dict[str, Any], signer: Signer
) -> None:
    response = await client.get(f"/v1/credentials/{credential['id']}/badge.svg", params={"download": "true"})
    assert response.headers["content-disposition"].startswith("attachment;")
    baked = unbake_svg(response.content)
    assert baked == (await client.get(f"/v1/credentials/{credential['id']}/vc")).text.strip()
    verify_document(baked, signer)


async def test_tampered_baked_badge_fails_verification(
    client: Client, credential: dict[str, Any], signer: Signer
) -> None:
    response = await client.get(f"/v1/credentials/{credential['id']}/badge.png", params={"download": "1"})
    baked = unbake_png(response.content)
    forged = bake_png(response.content, baked.replace("Grace Hopper", "Mallory Hopper"))
    with pytest.raises(ProofError, match="does not verify"):
        verify_document(unbake_png(forged), signer)


@pytest.mark.parametrize("credential_id", ["aaaaaaaaaaaaaaaaaaaaaaaaaa", "not-an-id"])
async def test_badge_of_an_unknown_credential_is_404(client: Client, credential_id: str) -> None:
    response = await client.get(f"/v1/credentials/{credential_id}/badge.svg")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
