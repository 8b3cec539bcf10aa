"""Presented proofs are checked in a worker process: a deadline that stops the check (the worker is killed and
replaced), a bounded queue (503 beyond it), and the same outcome as checking in-process."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from verify_api.errors import CheckTooCostlyError, VerificationBusyError
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import did_key_for, did_key_verification_method, generate_signer
from verify_api.verification import isolation
from verify_api.verification.keyring import KeyRing
from verify_api.verification.presented import decode_credential_object
from verify_api.verification.securing import check_securing, check_securing_sync

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def signed_credential(cryptosuite: str) -> dict[str, object]:
    signer = generate_signer()
    issuer = did_key_for(signer.public_key)
    return add_proof(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential"],
            "issuer": issuer,
            "credentialSubject": {"id": "did:example:subject", "name": "Ada"},
        },
        signer,
        cryptosuite=cryptosuite,
        verification_method=did_key_verification_method(signer.public_key),
        created="2026-01-01T00:00:00Z",
    )


async def test_check_runs_in_another_process() -> None:
    assert await isolation.run_isolated(os.getpid) != os.getpid()


@pytest.mark.parametrize("cryptosuite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
async def test_isolated_check_gives_the_in_process_outcome(cryptosuite: str) -> None:
    presented = decode_credential_object(signed_credential(cryptosuite))
    keyring = KeyRing("did:web:pai.example", [])
    isolated = await check_securing(presented, keyring, now=NOW)
    assert isolated == check_securing_sync(presented, keyring, now=NOW)
    assert isolated.check.result == "passed"
    assert isolated.keys
    assert isolated.key == isolated.keys[0]


@pytest.mark.parametrize(
    "vector", ["ecdsa-rdfc-2019-p256/signedECDSAP256.json", "ecdsa-jcs-2019-p384/signedJCSECDSAP384.json"]
)
async def test_ecdsa_proofs_run_in_the_worker_with_its_deadline(vector: str) -> None:
    document = json.loads((Path(__file__).parent.parent / "vectors/ecdsa" / vector).read_text(encoding="utf-8"))
    presented = decode_credential_object(document)
    keyring = KeyRing("did:web:pai.example", [])
    isolated = await check_securing(presented, keyring, now=NOW)
    assert isolated == check_securing_sync(presented, keyring, now=NOW)
    assert isolated.check.result == "passed"
    stopped = await check_securing(presented, keyring, now=NOW, deadline=0.0)
    assert (stopped.check.result, "too costly to check" in stopped.check.detail) == ("failed", True)


async def test_overrunning_check_is_stopped_and_the_worker_replaced() -> None:
    first = await isolation.run_isolated(os.getpid)
    started = time.monotonic()
    with pytest.raises(CheckTooCostlyError, match=r"longer than 0.2 s"):
        await isolation.run_isolated(time.sleep, 30, deadline=0.2)
    assert time.monotonic() - started < 5
    replacement = await isolation.run_isolated(os.getpid)
    assert replacement != first


async def test_too_costly_check_is_a_failed_proof_not_an_error() -> None:
    presented = decode_credential_object(signed_credential("eddsa-rdfc-2022"))
    outcome = await check_securing(presented, KeyRing("did:web:pai.example", []), now=NOW, deadline=0.0)
    assert outcome.check.result == "failed"
    assert "too costly to check" in outcome.check.detail
    assert (await check_securing(presented, KeyRing("did:web:pai.example", []), now=NOW)).check.result == "passed"


async def test_worker_exception_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        await isolation.run_isolated(int, "not a number")


async def test_flood_beyond_the_queue_is_refused_as_busy() -> None:
    waiting = [
        asyncio.create_task(isolation.run_isolated(time.sleep, 0.3))
        for _ in range(isolation.WORKERS + isolation.MAX_WAITING)
    ]
    await asyncio.sleep(0.05)
    try:
        with pytest.raises(VerificationBusyError, match="already waiting"):
            await isolation.run_isolated(os.getpid)
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)


async def test_abandoned_check_keeps_its_slot_until_the_worker_is_done() -> None:
    abandoned = [asyncio.create_task(isolation.run_isolated(time.sleep, 0.5)) for _ in range(isolation.WORKERS)]
    await asyncio.sleep(0.05)
    for task in abandoned:
        task.cancel()
    started = time.monotonic()
    await isolation.run_isolated(os.getpid)
    assert time.monotonic() - started > 0.3


def test_busy_is_a_503_problem() -> None:
    from verify_api.api.problems import problem_for

    assert problem_for(VerificationBusyError("x")) == (503, "verification-busy", "Verification busy")
