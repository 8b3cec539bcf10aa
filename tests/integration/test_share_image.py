"""The 1200 x 630 share image over HTTP: named by the credential page's Open Graph tags, live status, QR to the page."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from tests.factories import make_aida

if TYPE_CHECKING:
    import asyncpg
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    Client = AsyncTestClient[Litestar]

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "share"


def meta(html: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    assert found is not None, f"no {key} meta tag"
    return found.group(1).replace("&amp;", "&")


@pytest.fixture
async def credential(client: Client, admin_headers: dict[str, str]) -> dict[str, Any]:
    return await make_aida(client, admin_headers, displayName="Grace Hopper")


async def test_share_image_is_the_pages_open_graph_image(client: Client, credential: dict[str, Any]) -> None:
    page = (await client.get(f"/c/{credential['id']}")).text
    image_url = meta(page, "og:image")
    assert image_url.startswith("https://")
    assert f"/v1/credentials/{credential['id']}/share.png?v=" in image_url
    assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == ("1200", "630")
    assert meta(page, "twitter:image") == image_url
    parts = urlsplit(image_url)
    response = await client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=60, must-revalidate"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "active.png").write_bytes(response.content)
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1200, 630)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [meta(page, "og:url")]


async def test_share_image_follows_the_live_status(
    client: Client, credential: dict[str, Any], conn: asyncpg.Connection
) -> None:
    path = f"/v1/credentials/{credential['id']}/share.png"
    named_before = meta((await client.get(f"/c/{credential['id']}")).text, "og:image")
    before = await client.get(path)
    again = await client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert again.status_code == 304
    await conn.execute("UPDATE credentials SET status = 'revoked' WHERE id = $1", credential["id"])
    after = await client.get(path)
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.content != before.content
    (ARTIFACTS / "revoked.png").write_bytes(after.content)
    # the page names the new image, so link previews refetch it rather than keep the valid-looking one
    assert meta((await client.get(f"/c/{credential['id']}")).text, "og:image") != named_before


async def test_share_image_of_an_unknown_id_is_a_problem(client: Client) -> None:
    response = await client.get("/v1/credentials/not-a-credential/share.png")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
