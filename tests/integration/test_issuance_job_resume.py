"""A bulk job survives `kill -9` of the server running it (issue 11 §1): the real app under `verify-api serve` is
killed mid-job (SIGKILL to its whole process group: granian, its worker, the signing pool), started again on the
same database, and the job resumes to the same final state: every row settled exactly once, every credential
acknowledged before the kill still the one in the results, nothing issued twice, the audit chain intact."""

from __future__ import annotations

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

ROWS = 80


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


def results(origin: str, headers: dict[str, str], job_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{origin}/v1/issuance-jobs/{job_id}/results", headers=headers, timeout=30)
    assert response.status_code == 200
    return [msgspec.json.decode(line) for line in response.content.splitlines()]


async def test_killed_job_resumes_to_the_same_final_state(
    database_url: str, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    key_path = tmp_path / "key.pem"
    subprocess.run([sys.executable, "-m", "verify_api", "keys", "generate", "--path", str(key_path)], check=True,
                   capture_output=True)  # fmt: skip
    log_path = tmp_path / "server.log"
    headers = {**admin_headers, "Content-Type": "application/jsonl"}
    with served(database_url, key_path, log_path) as (origin, server):
        response = httpx.post(f"{origin}/v1/issuance-jobs", content=jsonl(ROWS), headers=headers, timeout=60)
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        deadline = time.monotonic() + 120
        while True:
            job = httpx.get(f"{origin}/v1/issuance-jobs/{job_id}", headers=admin_headers, timeout=10).json()
            if job["issued"] >= 16:
                break
            assert time.monotonic() < deadline, f"the job made no progress:\n{log_path.read_text()}"
            time.sleep(0.05)
        os.killpg(server.pid, signal.SIGKILL)  # mid-job: batches of 8, so rows are still pending
        server.wait(timeout=20)
    assert job["pending"] > 0, "the job finished before the kill; the test proves nothing"
    # What the killed server had acknowledged (a result's credential) is read back from the database it wrote.
    conn = await connect(database_url)
    try:
        acknowledged = dict(
            await conn.fetch(
                "SELECT row_number, credential_id FROM issuance_job_rows WHERE job_id = $1 AND outcome = 'issued'",
                job_id,
            )
        )
    finally:
        await conn.close()
    assert len(acknowledged) >= 16

    with served(database_url, key_path, log_path) as (origin, _):
        deadline = time.monotonic() + 120
        while (job := httpx.get(f"{origin}/v1/issuance-jobs/{job_id}", headers=admin_headers).json())["state"] != (
            "completed"
        ):
            assert time.monotonic() < deadline, f"the job did not resume:\n{log_path.read_text()}"
            time.sleep(0.1)
        assert (job["issued"], job["failed"], job["duplicates"], job["pending"]) == (ROWS, 0, 0, 0)
        final = results(origin, admin_headers, job_id)
        again = httpx.post(f"{origin}/v1/issuance-jobs", content=jsonl(ROWS), headers=headers, timeout=60).json()
        while (resubmitted := httpx.get(again["resultsUrl"].rsplit("/", 1)[0], headers=admin_headers).json())[
            "state"
        ] != "completed":
            time.sleep(0.1)
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
