"""The served app (granian, two workers) over its own PostgreSQL, which the last test stops and starts again.

One server and one cluster for the whole module: request ids and the access log, metrics summed over both
workers, then a database outage under concurrent requests (only 503 problems with Retry-After, logged once per
worker with a count, no tracebacks) and recovery within 1 s of PostgreSQL answering again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx
import pytest

from tests.conftest import with_database
from tests.served_app import ServedApp, serve_app
from verify_api.cli.embedded_postgres import PostgresCluster, start_cluster
from verify_api.db.migrate import apply_migrations

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MISSING = "/v1/credentials/urn:uuid:00000000-0000-4000-8000-000000000000"
# Routes that need the database: an API lookup, the registry search, a page, and the health check.
NEEDS_DATABASE = [
    MISSING,
    "/v1/organizations?q=nobody",
    "/c/urn:uuid:00000000-0000-4000-8000-000000000000",
    "/ims/ob/v3p0/credentials",  # the Open Badges API answers its own errors in Imsx_StatusInfo, an outage as a 503
    "/health",
]


class Cluster:
    """A dedicated cluster that can be killed (SIGQUIT: PostgreSQL's immediate shutdown) and started again."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.running: PostgresCluster = start_cluster(data_dir, durable=False)
        self.port = self.running.port

    def kill(self) -> None:
        pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 20
        while (self.data_dir / "postmaster.pid").exists():
            assert time.monotonic() < deadline, "PostgreSQL did not stop"
            time.sleep(0.02)

    def start(self) -> None:
        self.running = start_cluster(self.data_dir, port=self.port, durable=False)


async def _create_database(server_url: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute('CREATE DATABASE "outage"')
    finally:
        await admin.close()
    url = with_database(server_url, "outage")
    conn = await asyncpg.connect(url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    return url


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="pai-verify-outage-"))
    root.chmod(0o711)  # the postgres user passes through it when the tests run as root
    made = Cluster(root / "data")
    try:
        yield made
    finally:
        made.running.stop()


@pytest.fixture(scope="module")
def served(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    url = asyncio.run(_create_database(cluster.running.url))
    metrics_dir = tmp_path_factory.mktemp("metrics")
    (metrics_dir / "counter_99999.db").write_bytes(b"stale")  # a previous run's file: `serve` must clear it
    with serve_app(
        url,
        tmp_path_factory.mktemp("served"),
        WORKERS="2",
        LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    ) as app:
        yield app


def _log_lines(app: ServedApp) -> list[dict[str, object]]:
    lines = []
    for line in app.log_path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict):
                lines.append(entry)
    return lines


def _wait_for_log(
    app: ServedApp, predicate: Callable[[dict[str, object]], bool], timeout: float = 5.0
) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in _log_lines(app) if predicate(e)]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_request_id_is_returned_and_in_the_access_line(served: ServedApp) -> None:
    given = httpx.get(served.origin + MISSING, headers={"X-Request-ID": "trace-42.a:b_c"})
    assert given.status_code == 404
    assert given.headers["x-request-id"] == "trace-42.a:b_c"
    refused = httpx.get(served.origin + MISSING, headers={"X-Request-ID": "bad id\twith spaces"})
    generated = refused.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    unmatched = httpx.get(served.origin + "/no/such/route", headers={"Authorization": "Bearer sk-secret-key"})
    assert unmatched.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", unmatched.headers["x-request-id"])

    access = _wait_for_log(served, lambda e: e.get("request_id") == "trace-42.a:b_c")
    assert len(access) == 1, access
    line = access[0]
    assert line["logger"] == "verify_api.access"
    assert line["route"] == "/v1/credentials/{credential_id}"
    assert line["status"] == 404
    assert line["method"] == "GET"
    assert line["client"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float)
    assert _wait_for_log(served, lambda e: e.get("request_id") == generated)
    other = _wait_for_log(served, lambda e: e.get("request_id") == unmatched.headers["x-request-id"])
    assert other[0]["route"] == "unmatched"
    assert "sk-secret-key" not in served.log_path.read_text()


def _counter(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_are_summed_over_both_workers(served: ServedApp) -> None:
    route = "/v1/credentials/{credential_id}"
    labels = {"method": "GET", "route": route, "status": "404"}
    count = "verify_api_http_request_duration_seconds_count"
    before = _counter(httpx.get(served.origin + "/metrics").text, count, **labels)
    for _ in range(30):  # a new connection each: granian spreads them over its workers
        assert httpx.get(served.origin + MISSING).status_code == 404
    text = httpx.get(served.origin + "/metrics").text
    assert _counter(text, count, **labels) == before + 30
    assert _counter(text, "verify_api_http_request_duration_seconds_bucket", le="10.0", **labels) == before + 30
    assert "/v1/credentials/urn:uuid" not in text  # the template is the label, never the raw path
    assert _counter(text, "verify_api_db_pool_max") == 20  # two workers' pools of POOL_MAX 10, summed
    assert "stale" not in text


def _refused_count(message: str) -> int:
    found = re.search(r"(\d+) requests refused", message)
    assert found is not None, message
    return int(found.group(1))


async def _hit(client: httpx.AsyncClient, path: str) -> httpx.Response:
    bearer = {"Authorization": "Bearer not-a-live-token"} if path.startswith("/ims/") else {}
    return await client.get(path, headers=bearer)


async def _requests_during_outage(origin: str, rounds: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=origin, timeout=10) as client:
        return list(await asyncio.gather(*(_hit(client, p) for _ in range(rounds) for p in NEEDS_DATABASE)))


async def _first_success_after(origin: str, limit: float) -> float:
    began = time.monotonic()
    async with httpx.AsyncClient(base_url=origin, timeout=5) as client:
        while True:
            response = await client.get(MISSING)
            if response.status_code == 404:
                return time.monotonic() - began
            assert response.status_code == 503, response.text
            assert time.monotonic() - began < limit, "not recovered"
            await asyncio.sleep(0.01)


def test_an_outage_is_503_with_retry_after_logged_once_and_recovers_within_a_second(
    served: ServedApp, cluster: Cluster
) -> None:
    assert httpx.get(served.origin + MISSING).status_code == 404  # the pools hold live connections
    cluster.kill()
    responses = asyncio.run(_requests_during_outage(served.origin, rounds=10))
    statuses = {r.status_code for r in responses}
    assert statuses == {503}, [
        (r.request.url.path, r.status_code, r.text[:200]) for r in responses if r.status_code != 503
    ]
    for response in responses:
        assert response.headers["retry-after"] == "1"
        assert response.headers["x-request-id"]
    problems = [r for r in responses if r.request.url.path != "/health"]
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in problems)
    assert {r.json()["type"] for r in problems} == {
        "https://verify.productionai.institute/problems/database-unavailable"
    }

    cluster.start()
    assert asyncio.run(_first_success_after(served.origin, limit=5.0)) < 1.0
    # Every worker that refused requests says so once, and once that the database is back with its count. A worker
    # notices only when it next serves a request, and which worker takes a new connection is the kernel's choice, so
    # keep asking (for at most 5 s) until each worker that logged the outage has been reached again.
    down = _wait_for_log(served, lambda e: str(e.get("message", "")).startswith("database unavailable"))
    deadline = time.monotonic() + 5.0
    while True:
        httpx.get(served.origin + MISSING)
        back = [e for e in _log_lines(served) if str(e.get("message", "")).startswith("database back after")]
        if len(back) >= len(down) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert 1 <= len(down) <= 2, down
    assert len(back) == len(down), back
    refused = sum(_refused_count(str(e["message"])) for e in back)
    assert refused == sum(1 for r in responses if r.request.url.path != "/health")
    text = served.log_path.read_text(errors="replace")
    assert "Traceback" not in text
    assert '"status":500' not in text.replace(" ", "")
    metrics = httpx.get(served.origin + "/metrics").text
    assert _counter(metrics, "verify_api_database_unavailable_requests_total", route="/v1/organizations") > 0
    assert (
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("verify_api_database_unavailable_requests_total{")
        )
        == refused
    )
