from __future__ import annotations

from typing import TYPE_CHECKING

from tests.factories import make_aida

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import AsyncTestClient


async def test_issue_aida_then_lookup_is_verified(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers)
    response = await client.get(f"/v1/credentials/{credential['id']}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "active"
    assert body["verified"] is True, body["checks"]
