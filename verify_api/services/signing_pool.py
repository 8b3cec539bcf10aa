"""Signing on every core for bulk issuance: a pool of processes that build, sign and check credentials.

Each worker process builds the unsigned document from its draft (domain.credential), signs it with the issuer key
(`IssuerKey.sign_sync`, the one way a document is signed) and checks the stored form before handing it back, so a
batch costs the event loop nothing but the hand-over. The check is the single path's guarantee (a document whose
proof does not verify against the published key is never stored) at a fraction of its cost: every document gets
`check_signed_bytes_sync` (its bytes decode to exactly what was signed, and the signature the signer gave verifies
with the published key over the hashData it signed: no second canonicalisation), and each worker's first document
plus one in FULL_CHECK_ONE_IN at random get the full check as well: the stored-proof check the single path runs
(`check_stored_proof_sync`) and the hashData recomputed with pyld alone, without the RDFC templates.

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
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.domain.credential import CredentialDraft, build_unsigned_credential
from verify_api.errors import CanonicalizationLimitError, ProofError, SigningKeyError
from verify_api.proofs.canonical import canonicalize_dataset, deserialize_to_rdf
from verify_api.proofs.cryptosuite import decode_proof_value, proof_config_steps
from verify_api.proofs.eddsa import EDDSA_RDFC_2022, hashing
from verify_api.proofs.keys import WitnessedSigner, decode_multikey, load_signer, private_key_pem, verify_ed25519
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
_SIGNED = 0
_SAMPLE = random.Random()  # noqa: S311 - which documents get the full check, not a secret
_SIGN_ATTEMPTS = 3
# One document in this many (at random, and each worker's first) gets the full check on top of the cheap one.
FULL_CHECK_ONE_IN = 64


def _start_worker(pem: bytes, setup: _WorkerSetup) -> None:
    global _WORKER  # the one key of this worker process, set once when it starts
    signer = load_signer(pem, None, source="the bulk signing pool")
    _WORKER = (IssuerKey(WitnessedSigner(signer), setup.verification_method), setup)


def sign_drafts_sync(tasks: list[SignTask]) -> list[bytes]:
    """In a worker: each draft built, signed and checked; the stored bytes, in order."""
    assert _WORKER is not None, "the pool initializer loads the key"
    global _SIGNED  # how many documents this worker has signed: its first gets the full check
    key, setup = _WORKER
    documents = []
    for task in tasks:
        full = _SIGNED == 0 or _SAMPLE.random() < 1 / FULL_CHECK_ONE_IN
        documents.append(sign_draft_sync(task, key, setup.base_url, setup.issuer_name, full_check=full))
        _SIGNED += 1
    return documents


def sign_draft_sync(
    task: SignTask, key: IssuerKey, base_url: str, issuer_name: str, *, full_check: bool = True
) -> bytes:
    """The stored bytes of `task`'s credential: built, signed, checked. Every document gets `check_signed_bytes_sync`
    (cheap: no canonicalisation); with `full_check`, also the stored-proof check the single path runs
    (`check_stored_proof_sync`) and a canonicalisation with pyld alone (`check_against_pyld_sync`)."""
    witness = key.signer if isinstance(key.signer, WitnessedSigner) else WitnessedSigner(key.signer)
    witnessed = replace(key, signer=witness)
    unsigned = build_unsigned_credential(task.draft, base_url=base_url, issuer_name=issuer_name)
    signed_document: dict[str, Any] = {}
    for attempt in range(1, _SIGN_ATTEMPTS + 1):
        try:
            signed_document = witnessed.sign_sync(unsigned, cryptosuite=task.cryptosuite, created=task.created)
        except CanonicalizationLimitError:
            # RDF canonicalisation has a wall-clock limit (proofs/rdfc.py) that a starved core can hit on one of
            # our own (cheap) documents; a document that is truly too costly fails every time.
            if attempt == _SIGN_ATTEMPTS:
                raise
            continue
        break
    document = msgspec.json.encode(signed_document)
    assert witness.last_signed is not None, "sign_sync signs once"
    problem = check_signed_bytes_sync(document, signed_document, witness.last_signed, key.signer.public_key_multibase)
    if problem is None and full_check:
        problem = _full_check_sync(document, key, witness.last_signed[0])
    if problem is not None:
        raise SigningKeyError(f"a document just signed does not verify ({problem}); nothing was stored")
    return document


def check_signed_bytes_sync(
    document: bytes, signed_document: dict[str, Any], signed: tuple[bytes, bytes], key_multibase: str
) -> str | None:
    """Why the stored bytes of a document just signed would not verify, or None.

    What it establishes, per document: the bytes decode to exactly the JSON value that was canonicalised and signed
    (same types, keys and order: the encoding lost nothing), the proof they carry holds exactly the signature the
    signer gave over `signed`'s message (the hashData of the Data Integrity proof), and that signature verifies with
    the published public key. So `check_stored_proof_sync` on these bytes recomputes the same canonical forms from
    the same value (canonicalisation is a function of the value) and checks the same signature with the same key:
    it can only pass. What that argument leans on, that canonicalisation gave the right N-Quads at all (the
    template path against pyld), is what the full check of the worker's first document, of a random sample and the
    start-up self-check (services/canonical_self_check.py) test."""
    message, signature = signed
    try:
        decoded = msgspec.json.decode(document)
    except msgspec.DecodeError:
        return "the stored document is not JSON"
    if not same_json(decoded, signed_document):
        return "the stored bytes do not decode to the document that was signed"
    proof = decoded.get("proof")
    if not isinstance(proof, dict):
        return "the stored document has no single proof"
    try:
        if decode_proof_value(proof) != signature:
            return "the stored proofValue is not the signature the signer gave"
        verify_ed25519(decode_multikey(key_multibase), signature, message)
    except ProofError as exc:
        return f"the signature does not verify with the published key: {exc.detail}"
    return None


def same_json(a: object, b: object) -> bool:
    """`a == b` for JSON values, but types must match too (True is not 1, 1 is not 1.0) and so must key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(same_json(value, b[name]) for name, value in a.items())
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(map(same_json, a, b))
    return a == b


def _full_check_sync(document: bytes, key: IssuerKey, message: bytes) -> str | None:
    signed = {"signing_key_id": key.verification_method, "key_multibase": key.signer.public_key_multibase}
    check = check_stored_proof_sync(document, **signed)
    if check.result != "passed":  # once more: RDF canonicalisation has a wall-clock limit a starved core can hit
        check = check_stored_proof_sync(document, **signed)
    if check.result != "passed":
        return check.detail
    return check_against_pyld_sync(document, message)


def check_against_pyld_sync(document: bytes, message: bytes) -> str | None:
    """For an eddsa-rdfc-2022 document: the hashData it was signed over (`message`) recomputed from its bytes with
    pyld alone (JSON-LD expansion, toRdf and RDFC-1.0, no template: canonical.deserialize_to_rdf), or why not.
    The stored-proof check canonicalises through the same template the signer used; this does not."""
    secured = msgspec.json.decode(document)
    proof = secured.pop("proof")
    if proof.get("cryptosuite") != EDDSA_RDFC_2022:
        return None  # JCS has no template path: the stored-proof check already recomputed it independently
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    config = proof_config_steps(options, secured, (EDDSA_RDFC_2022,))
    canonical_document = canonicalize_dataset(deserialize_to_rdf(secured)[1]).encode()
    canonical_config = canonicalize_dataset(deserialize_to_rdf(config)[1]).encode()
    if hashing(canonical_document, canonical_config) != message:
        return "pyld's canonical form differs from the one that was signed"
    return None


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
        share = -(-len(tasks) // (self.processes * 2))  # two chunks per process evens out uneven documents
        chunks = self.sign_in_chunks(key, tasks, share)
        results = await asyncio.gather(*(future for _, future in chunks))
        return [document for chunk in results for document in chunk]

    def sign_in_chunks(
        self, key: IssuerKey, tasks: list[SignTask], chunk_size: int
    ) -> list[tuple[int, asyncio.Future[list[bytes]]]]:
        """Hand `tasks` to the workers in chunks of `chunk_size`, at once, and return each chunk's offset in `tasks`
        and the future of its documents, in order: a caller can store a chunk while the workers sign the next."""
        return [
            (start, self.sign_chunk(key, tasks[start : start + chunk_size]))
            for start in range(0, len(tasks), max(1, chunk_size))
        ]

    def sign_chunk(self, key: IssuerKey, tasks: list[SignTask]) -> asyncio.Future[list[bytes]]:
        """Hand one chunk of `tasks` to the next free worker now; the future of its documents, in order."""
        return asyncio.get_running_loop().run_in_executor(self._executor_for(key), sign_drafts_sync, tasks)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            self._kid = None
