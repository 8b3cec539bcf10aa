"""VC API POST /credentials/status: sets the lifecycle's status bits, with the VC API's status codes."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import make_aida
from tests.lifecycle_helpers import status_bit

Client = AsyncTestClient[Litestar]


def _body(credential_id: str, purpose: str, status: bool) -> dict[str, Any]:
    return {
        "credentialId": credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
        "status": status,
    }


async def test_suspension_bit_set_and_cleared(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    response = await client.post(
        "/credentials/status", json=_body(credential["url"], "suspension", True), headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert await status_bit(client, credential, "suspension") == 1
    assert (await client.get(f"/v1/credentials/{credential['id']}")).json()["status"] == "suspended"
    # Setting a bit that is already set changes nothing.
    again = await client.post(
        "/credentials/status", json=_body(credential["id"], "suspension", True), headers=admin_headers
    )
    assert again.status_code == 200
    cleared = await client.post(
        "/credentials/status", json=_body(credential["id"], "suspension", False), headers=admin_headers
    )
    assert cleared.status_code == 200
    assert await status_bit(client, credential, "suspension") == 0


async def test_revocation_bit_is_final(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    assert (
        await client.post(
            "/credentials/status", json=_body(credential["id"], "revocation", True), headers=admin_headers
        )
    ).status_code == 200
    assert await status_bit(client, credential, "revocation") == 1
    response = await client.post(
        "/credentials/status", json=_body(credential["id"], "revocation", False), headers=admin_headers
    )
    assert response.status_code == 409
    assert "revocation is final" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (_body("a" * 26, "revocation", True), 404),
        (_body("https://elsewhere.example/v1/credentials/" + "a" * 26, "revocation", True), 404),
        ({"credentialId": "x", "status": True}, 400),
        ({**_body("x", "revocation", True), "extra": 1}, 400),
        (_body("x", "expiry", True), 400),
    ],
)
async def test_status_update_error_codes(
    client: Client, admin_headers: dict[str, str], body: dict[str, Any], status: int
) -> None:
    response = await client.post("/credentials/status", json=body, headers=admin_headers)
    assert response.status_code == status, response.text


async def test_status_update_needs_manage_scope(client: Client) -> None:
    response = await client.post("/credentials/status", json=_body("a" * 26, "revocation", True))
    assert response.status_code == 401
