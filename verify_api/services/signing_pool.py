"""Signing on every core for bulk issuance: a pool of processes that build, sign and check credentials.

Each worker process builds the unsigned document from its draft (domain.credential), signs it with the issuer key
(`IssuerKey.sign_sync`, the one way a document is signed) and verifies the stored form against the published key
(`check_stored_proof_sync`, what the single path runs before storing), so a batch costs the event loop nothing but
the hand-over.

The private key reaches the workers once, when each starts: its PKCS#8 form travels through the pipe
multiprocessing opens to the child (spawned, never forked from a threaded server) as an initializer argument, is
loaded there and dropped; it is never logged, written to a file, or part of any task or result. `Signer` itself is
not picklable, so a key cannot slip into a task by accident. A key rotation starts a new pool.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from verify_api.domain.credential import CredentialDraft, build_unsigned_credential
from verify_api.errors import CanonicalizationLimitError, SigningKeyError
from verify_api.proofs.keys import load_signer, private_key_pem
from verify_api.services.context import IssuerKey
from verify_api.services.stored_proofs import check_stored_proof_sync

if TYPE_CHECKING:
    from verify_api.settings import Settings

log = logging.getLogger("verify_api")


class SignTask(msgspec.Struct, frozen=True, array_like=True):
    draft: CredentialDraft
    cryptosuite: str
    created: datetime


@dataclass(frozen=True)
class _WorkerSetup:
    base_url: str
    issuer_name: str
    verification_method: str


_WORKER: tuple[IssuerKey, _WorkerSetup] | None = None
_SIGN_ATTEMPTS = 3


def _start_worker(pem: bytes, setup: _WorkerSetup) -> None:
    global _WORKER  # the one key of this worker process, set once when it starts
    signer = load_signer(pem, None, source="the bulk signing pool")
    _WORKER = (IssuerKey(signer, setup.verification_method), setup)


def sign_drafts_sync(tasks: list[SignTask]) -> list[bytes]:
    """In a worker: each draft built, signed and checked; the stored bytes, in order."""
    assert _WORKER is not None, "the pool initializer loads the key"
    key, setup = _WORKER
    return [sign_draft_sync(task, key, setup.base_url, setup.issuer_name) for task in tasks]


def sign_draft_sync(task: SignTask, key: IssuerKey, base_url: str, issuer_name: str) -> bytes:
    unsigned = build_unsigned_credential(task.draft, base_url=base_url, issuer_name=issuer_name)
    signed_document: dict[str, object] = {}
    for attempt in range(1, _SIGN_ATTEMPTS + 1):
        try:
            signed_document = key.sign_sync(unsigned, cryptosuite=task.cryptosuite, created=task.created)
        except CanonicalizationLimitError:
            # RDF canonicalisation has a wall-clock limit (proofs/rdfc.py) that a starved core can hit on one of
            # our own (cheap) documents; a document that is truly too costly fails every time.
            if attempt == _SIGN_ATTEMPTS:
                raise
            continue
        break
    document = msgspec.json.encode(signed_document)
    signed = {"signing_key_id": key.verification_method, "key_multibase": key.signer.public_key_multibase}
    check = check_stored_proof_sync(document, **signed)
    if check.result != "passed":  # once more: RDF canonicalisation has a wall-clock limit a starved core can hit
        check = check_stored_proof_sync(document, **signed)
    if check.result != "passed":
        raise SigningKeyError(f"a document just signed does not verify ({check.detail}); nothing was stored")
    return document


def signing_processes(settings: Settings) -> int:
    """BULK_SIGNING_PROCESSES, or one per CPU core this process may run on when 0."""
    if settings.bulk_signing_processes:
        return settings.bulk_signing_processes
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class SigningPool:
    """Worker processes holding one issuer key; `sign` spreads a batch over all of them."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None
        self._kid: str | None = None

    def _executor_for(self, key: IssuerKey) -> ProcessPoolExecutor:
        if self._executor is not None and self._kid == key.verification_method:
            return self._executor
        self.close()
        setup = _WorkerSetup(self.settings.base_url, self.settings.issuer_name, key.verification_method)
        self._executor = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(private_key_pem(key.signer, None), setup),
        )
        self._kid = key.verification_method
        log.info("bulk signing pool started: %d processes", self.processes)
        return self._executor

    async def sign(self, key: IssuerKey, tasks: list[SignTask]) -> list[bytes]:
        """The stored bytes of each task's credential, in order, signed with `key` on every worker."""
        if not tasks:
            return []
        executor = self._executor_for(key)
        share = -(-len(tasks) // (self.processes * 2))  # two chunks per process evens out uneven documents
        chunks = [tasks[i : i + share] for i in range(0, len(tasks), share)]
        loop = asyncio.get_running_loop()
        results = await asyncio.gather(*(loop.run_in_executor(executor, sign_drafts_sync, c) for c in chunks))
        return [document for chunk in results for document in chunk]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            self._kid = None
