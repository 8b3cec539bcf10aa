"""The headers an error answer owes its client: `Allow` on 405 (RFC 9110 §15.5.6), `Retry-After` on 429 (RFC 6585
§4), and the RFC 6750 §3 `WWW-Authenticate: Bearer` challenge on 401 and 403."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, api_key
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from tests.conftest import FakeClock, MakeApp
    from verify_api.services.context import IssuerKey

Client = AsyncTestClient[Litestar]
PROBLEM = "application/problem+json"


async def test_method_not_allowed_lists_the_allowed_methods(client: Client) -> None:
    for method, path, allowed in [
        ("DELETE", "/v1/organizations", {"GET", "POST"}),
        ("PUT", "/v1/lookup", {"GET"}),
        ("GET", "/v1/verify", {"POST"}),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert {m.strip() for m in response.headers["allow"].split(",")} - {"OPTIONS", "HEAD"} == allowed


async def test_rate_limited_answer_says_when_to_retry(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    settings = load_settings({}, database_url=database_url, public_base_url=BASE_URL, verify_rate_limit_per_minute=1)
    async with AsyncTestClient(app=make_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        assert (await c.get("/v1/lookup", params={"code": "PAI-7K3M-9QXD-4"})).status_code != 429
        response = await c.get("/v1/lookup", params={"code": "PAI-7K3M-9QXD-4"})
    assert response.status_code == 429
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["title"] == "Too many requests"
    # A sliding window over one-minute windows (services/rate_limits.py): a spent budget of 1 has room again once the
    # previous window weighs less than one request, at most two windows from now.
    assert 1 <= int(response.headers["retry-after"]) <= 120


async def test_missing_or_wrong_key_gets_a_bearer_challenge(client: Client, database_url: str) -> None:
    missing = await client.post("/v1/holders", json={"displayName": "Ada"})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="pai-verify"'
    wrong = await client.post("/v1/holders", json={"displayName": "Ada"}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == 'Bearer realm="pai-verify", error="invalid_token"'
    reader = {"Authorization": f"Bearer {await api_key(database_url, ['assess'])}"}
    forbidden = await client.post("/credentials/status", json={}, headers=reader)
    assert forbidden.status_code == 403
    assert (
        forbidden.headers["www-authenticate"] == 'Bearer realm="pai-verify", error="insufficient_scope", scope="manage"'
    )
