"""A bulk job survives `kill -9` of the server running it (issue 11 §1): the real app under `verify-api serve` is
killed mid-job (SIGKILL to its whole process group: granian, its worker, the signing pool), started again on the
same database, and the job resumes to the same final state: every row settled exactly once, every credential
acknowledged before the kill still the one in the results, nothing issued twice, the audit chain intact."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx
import msgspec
import pytest

from tests.served_app import ROOT, free_port
from verify_api.db.pool import connect
from verify_api.services.audit import verify_audit_log
from verify_api.services.key_history import PinnedKey, PinnedKeys

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ROWS = 160  # batches of 8: on a quiet machine the job still runs for a second or two after the kill point


@contextlib.contextmanager
def served(database_url: str, key_path: Path, log_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`verify-api serve` in its own process group (so one SIGKILL takes every process it started)."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "SIGNING_KEY_PATH": str(key_path), "PORT": str(port),
           "PUBLIC_BASE_URL": origin, "BULK_JOB_LEASE_SECONDS": "2", "BULK_BATCH_SIZE": "8",
           "BULK_POLL_SECONDS": "0.2", "BULK_SIGNING_PROCESSES": "1", "LOOKUP_CACHE_SIZE": "0"}  # fmt: skip
    env.pop("SIGNING_KEY_PASSPHRASE", None)
    with log_path.open("ab") as log:
        server = subprocess.Popen([sys.executable, "-m", "verify_api", "serve"], env=env, cwd=ROOT, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{origin}/health", timeout=1).status_code == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield origin, server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def jsonl(rows: int) -> bytes:
    lines = [{"displayName": f"Resumed {i}", "email": f"r{i}@example.org", "score": 80, "maxScore": 100,
              "cryptosuite": "eddsa-jcs-2022", "key": f"exam-2026-11/{i}"} for i in range(rows)]  # fmt: skip
    return b"".join(msgspec.json.encode(line) + b"\n" for line in lines)


async def wait_until(client: httpx.AsyncClient, url: str, headers: dict[str, str], done: Any, log_path: Path) -> Any:
    deadline = time.monotonic() + 120
    while not done(job := (await client.get(url, headers=headers)).json()):
        assert time.monotonic() < deadline, f"the job did not get there:\n{log_path.read_text()}"
        await asyncio.sleep(0.05)
    return job


async def results(client: httpx.AsyncClient, origin: str, headers: dict[str, str], job_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{origin}/v1/issuance-jobs/{job_id}/results", headers=headers)
    assert response.status_code == 200
    return [msgspec.json.decode(line) for line in response.content.splitlines()]


async def test_killed_job_resumes_to_the_same_final_state(
    database_url: str, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    key_path = tmp_path / "key.pem"
    generate = [sys.executable, "-m", "verify_api", "keys", "generate", "--path", str(key_path)]
    await asyncio.to_thread(subprocess.run, generate, check=True, capture_output=True)
    log_path = tmp_path / "server.log"
    headers = {**admin_headers, "Content-Type": "application/jsonl"}
    async with httpx.AsyncClient(timeout=60) as client:
        with served(database_url, key_path, log_path) as (origin, server):
            response = await client.post(f"{origin}/v1/issuance-jobs", content=jsonl(ROWS), headers=headers)
            assert response.status_code == 202, response.text
            job_url = response.headers["location"]
            job = await wait_until(client, job_url, admin_headers, lambda j: j["issued"] >= 16, log_path)
            os.killpg(server.pid, signal.SIGKILL)  # mid-job: batches of 8, so rows are still pending
            await asyncio.to_thread(server.wait, 20)
        assert job["pending"] > 0, "the job finished before the kill; the test proves nothing"
        # What the killed server had acknowledged (a result's credential), read back from the database it wrote.
        conn = await connect(database_url)
        try:
            rows = await conn.fetch(
                "SELECT row_number, credential_id FROM issuance_job_rows WHERE job_id = $1 AND outcome = 'issued'",
                job["id"],
            )
        finally:
            await conn.close()
        acknowledged = {r["row_number"]: r["credential_id"] for r in rows}
        assert len(acknowledged) >= 16

        with served(database_url, key_path, log_path) as (origin, _):
            job_url = f"{origin}/v1/issuance-jobs/{job['id']}"
            job = await wait_until(client, job_url, admin_headers, lambda j: j["state"] == "completed", log_path)
            assert (job["issued"], job["failed"], job["duplicates"], job["pending"]) == (ROWS, 0, 0, 0)
            final = await results(client, origin, admin_headers, job["id"])
            again = await client.post(f"{origin}/v1/issuance-jobs", content=jsonl(ROWS), headers=headers)
            done = lambda j: j["state"] == "completed"  # noqa: E731
            resubmitted = await wait_until(client, again.headers["location"], admin_headers, done, log_path)
    assert [r["outcome"] for r in final] == ["issued"] * ROWS
    assert len({r["credentialId"] for r in final}) == ROWS
    for row in final:
        if row["row"] in acknowledged:
            assert row["credentialId"] == acknowledged[row["row"]]
    assert (resubmitted["issued"], resubmitted["duplicates"]) == (0, ROWS)

    conn = await connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM credentials") == ROWS
        assert await conn.fetchval("SELECT count(*) FROM holders") == ROWS
        assert await conn.fetchval("SELECT count(*) FROM events WHERE kind = 'credential_issued'") == ROWS
        keys = await conn.fetch(
            "SELECT public_key_multibase, kid FROM signing_keys WHERE public_key_multibase LIKE 'z6Mk%'"
        )
        pinned = PinnedKeys([PinnedKey(kid=k["kid"], public_key_multibase=k["public_key_multibase"]) for k in keys])
        report = await verify_audit_log(conn, pinned, every=100)
        assert report.intact, report.problems
    finally:
        await conn.close()
