"""The error responses of the public read routes carry the same CORS headers as their successes (api/cors.py): a
browser verifier or web wallet on another origin can read the problem+json `detail` (why a lookup failed) instead
of an opaque network error. Routes without CORS keep their errors same-origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    Client = AsyncTestClient[Litestar]

ORIGIN = {"Origin": "https://wallet.example"}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("path", "accept", "status"),
    [
        (f"/v1/credentials/{UNKNOWN}", "application/json", 404),
        (f"/v1/credentials/{UNKNOWN}", "application/vc", 404),  # refused in the negotiation hook
        (f"/v1/credentials/{UNKNOWN}/vc", "*/*", 404),
        ("/v1/lookup?code=PAI-0000-0000-0", "*/*", 404),  # well formed, but no such credential
        ("/v1/lookup?code=PAI-0000-0000-1", "*/*", 422),  # a typo: the check character disagrees
        ("/v1/lookup", "*/*", 400),  # no code at all
        (f"/v1/organizations/{UNKNOWN}", "*/*", 404),
        ("/v1/organizations?limit=0", "*/*", 400),
        ("/v1/achievements/nope", "application/json", 404),
        (f"/v1/status-lists/{UNKNOWN}", "*/*", 404),
    ],
)
async def test_public_read_errors_allow_any_origin(client: Client, path: str, accept: str, status: int) -> None:
    response = await client.get(path, headers={**ORIGIN, "Accept": accept})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


async def test_errors_elsewhere_stay_same_origin(client: Client) -> None:
    for path in ("/v1/holders", "/no/such/route", "/v1/api-clients"):
        response = await client.get(path, headers=ORIGIN)
        assert response.status_code in (401, 404, 405), (path, response.status_code)
        assert "access-control-allow-origin" not in response.headers, path
