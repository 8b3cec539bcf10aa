"""Metrics, request ids and access lines of the app in process (AsyncTestClient, real PostgreSQL).

The served app with several workers, JSON logs and a database outage: test_database_outage.py.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_aida
from tests.lifecycle_helpers import transition
from verify_api.db.pool import create_pool
from verify_api.errors import DatabaseUnavailableError
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from tests.conftest import FakeClock, MakeApp
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

Client = AsyncTestClient[Litestar]


def _value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def _metrics(client: Client) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


async def test_issuance_status_changes_and_verdicts_are_counted_once_committed(
    client: Client, admin_headers: dict[str, str]
) -> None:
    before = await _metrics(client)
    credential = await make_aida(client, admin_headers)
    suspended = await transition(client, admin_headers, credential["id"], "suspend", "under_investigation")
    assert suspended.status_code == 200
    # A refused transition commits nothing and counts nothing.
    again = await transition(client, admin_headers, credential["id"], "suspend", "under_investigation")
    assert again.status_code == 409
    document = (await client.get(f"/v1/credentials/{credential['id']}/vc")).content
    report = await client.post("/v1/verify", content=document, headers={"Content-Type": "application/vc"})
    assert report.status_code == 200
    assert report.json()["verified"] is False  # suspended
    after = await _metrics(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("verify_api_credentials_issued_total", tier="AIDA") == 1
    assert grew("verify_api_status_changes_total", kind="credential_suspended") == 1
    assert grew("verify_api_verifications_total", verdict="not_verified") == 1
    assert grew("verify_api_verifications_total", verdict="verified") == 0
    route = "/v1/credentials/{credential_id}/suspend"
    assert grew("verify_api_http_request_duration_seconds_count", method="POST", route=route, status="409") == 1
    assert _value(after, "verify_api_db_pool_max", pool="primary") == 4


async def test_every_response_has_a_request_id_and_one_access_line(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="verify_api.access"):
        ok = await client.get("/health", headers={"X-Request-ID": "probe-1"})
        missing = await client.get("/no/such/route?code=PAI-SECRET", headers={"Authorization": "Bearer sk-live-123"})
        too_long = await client.get("/health", headers={"X-Request-ID": "x" * 129})
    assert ok.headers["x-request-id"] == "probe-1"
    assert missing.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", missing.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", too_long.headers["x-request-id"])
    access = [r for r in caplog.records if r.name == "verify_api.access"]
    assert [(r.request_id, r.status, r.route) for r in access] == [  # type: ignore[attr-defined]
        ("probe-1", 200, "/health"),
        (missing.headers["x-request-id"], 404, "unmatched"),
        (too_long.headers["x-request-id"], 200, "/health"),
    ]
    logged = caplog.text + " ".join(str(vars(r)) for r in access)
    assert "sk-live-123" not in logged
    assert "PAI-SECRET" not in logged  # the query string is never logged


async def test_rate_limit_refusals_are_counted(
    make_app: MakeApp, settings: Settings, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    limited = make_app(
        load_settings({}, database_url=settings.database_url, public_base_url=BASE_URL, verify_rate_limit_per_minute=1),
        issuer_key=issuer_key,
        clock=clock,
    )
    async with AsyncTestClient(app=limited, base_url=BASE_URL) as client:
        before = _value(await _metrics(client), "verify_api_rate_limit_refusals_total", route="/v1/lookup")
        statuses = [(await client.get("/v1/lookup", params={"code": "PAI-0000-0000-0"})).status_code for _ in range(3)]
        assert statuses.count(429) == 2
        after = _value(await _metrics(client), "verify_api_rate_limit_refusals_total", route="/v1/lookup")
    assert after - before == 2


async def test_metrics_token_and_switch(
    make_app: MakeApp, settings: Settings, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    guarded = load_settings({}, database_url=settings.database_url, public_base_url=BASE_URL, metrics_token="s3cret")
    async with AsyncTestClient(app=make_app(guarded, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        refused = await c.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert (await c.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await c.get("/metrics", headers={"Authorization": "Bearer s3cret"})).status_code == 200
    off = load_settings({}, database_url=settings.database_url, public_base_url=BASE_URL, metrics_enabled="false")
    async with AsyncTestClient(app=make_app(off, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        assert (await c.get("/metrics")).status_code == 404


async def test_a_pool_that_cannot_connect_raises_database_unavailable_quickly() -> None:
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    pool = await create_pool(f"postgresql://postgres@127.0.0.1:{port}/postgres", min_size=0, max_size=2)
    try:
        with pytest.raises(DatabaseUnavailableError, match="cannot connect to PostgreSQL: ConnectionRefusedError"):
            async with pool.acquire():
                pass
    finally:
        await pool.close()
