"""Part `rdfc-sign`: what the RDFC-1.0 shape templates (proofs/rdfc_template.py) save per signature and per issuance.

Three ways, measured in the same run, interleaved round by round so a busy machine weighs on each alike:
- `rdfc, pyld`: eddsa-rdfc-2022 with the template path switched off (JSON-LD expansion and toRdf per document);
- `rdfc, templates`: eddsa-rdfc-2022 as the service runs it (templates learned from the first document);
- `jcs`: eddsa-jcs-2022, the cost the templates aim at.
The documents are the builder's (AIDA, one evidence entry), each with its own name, ids and status-list slots, so
nothing is served from a cache keyed by content. Issuance is `issue_credential` on one connection, sequential (the
use-case: tier rule, slot draws, signing thread, verification before storing, insert, audit).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.timing import CallTiming, ms, summarize
from verify_api.assessment_schemas import ExamResult
from verify_api.db.pool import connect
from verify_api.domain.credential import CredentialDraft, StatusSlot, build_unsigned_credential
from verify_api.domain.tiers import EvidenceRef
from verify_api.proofs.canonical import RDFC_TEMPLATES, canonicalize_rdfc
from verify_api.schemas import CreateHolderRequest, IssueCredentialRequest
from verify_api.services.context import ServiceContext
from verify_api.services.issuance import issue_credential, sign_document_sync
from verify_api.services.stored_proofs import check_stored_proof_sync
from verify_api.services.subjects import create_holder, record_assessment

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from verify_api.settings import Settings

WAYS = (("rdfc, pyld", "eddsa-rdfc-2022", False), ("rdfc, templates", "eddsa-rdfc-2022", True),
        ("jcs", "eddsa-jcs-2022", True))  # fmt: skip


def _documents(settings: Settings, count: int) -> list[dict[str, Any]]:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    documents = []
    for n in range(count):
        draft = CredentialDraft(
            credential_id=str(uuid.uuid4()),
            tier="AIDA",
            subject_name=f"Holder {n} Ñández-O'Brien",
            valid_from=now,
            valid_until=now + timedelta(days=730),
            evidence=[EvidenceRef(name="AIDA exam", digest=f"{n:064x}", assessed_at=now)],
            status_slots=[
                StatusSlot(purpose="revocation", list_id=str(uuid.uuid4()), index=n * 7),
                StatusSlot(purpose="suspension", list_id=str(uuid.uuid4()), index=n * 11),
            ],
        )
        documents.append(build_unsigned_credential(draft, base_url=settings.base_url, issuer_name=settings.issuer_name))
    return documents


def _rotating(call: Callable[[dict[str, Any]], object], documents: list[dict[str, Any]]) -> Callable[[], object]:
    position = 0

    def next_call() -> object:
        nonlocal position
        position = (position + 1) % len(documents)
        return call(documents[position])

    return next_call


def _interleaved(
    calls: dict[str, tuple[Callable[[], object], bool]], rounds: int, per_round: float
) -> dict[str, CallTiming]:
    """Time each call for `per_round` seconds, the ways taking turns for `rounds` rounds; the templates switch is
    set for each way before it runs. Each sample is the CPU time of this thread (time.thread_time): on a shared
    machine, wall time also counts the time other processes held the core, which varied 3x from round to round."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, (call, templates) in calls.items():
            RDFC_TEMPLATES.enabled = templates
            call()
            deadline = time.perf_counter() + per_round
            while time.perf_counter() < deadline:
                began = time.thread_time()
                call()
                samples[name].append(time.thread_time() - began)
    RDFC_TEMPLATES.enabled = True
    return {name: summarize(values) for name, values in samples.items()}


def _signature_rows(ctx: BenchContext) -> list[list[str]]:
    env = ctx.env
    documents = _documents(env.settings, 64)
    now = datetime.now(UTC)
    key = env.issuer_key
    sign: dict[str, Callable[[], object]] = {}
    signed: dict[str, list[bytes]] = {}
    for name, suite, _templates in WAYS:
        sign[name] = _rotating(lambda d, s=suite: sign_document_sync(d, key, s, now), documents)  # type: ignore[misc]
        signed[name] = [sign_document_sync(d, key, suite, now) for d in documents]
    rounds, per_round = (1, 0.3) if ctx.quick else (4, 1.0)
    ways = {name: templates for name, _suite, templates in WAYS}
    signing = _interleaved({name: (sign[name], ways[name]) for name in sign}, rounds, per_round)
    method, multibase = key.verification_method, key.signer.public_key_multibase

    def verify_call(name: str) -> Callable[[], object]:
        return _rotating(
            lambda d: check_stored_proof_sync(d, signing_key_id=method, key_multibase=multibase),  # type: ignore[arg-type]
            signed[name],  # type: ignore[arg-type]
        )

    verifying = _interleaved({name: (verify_call(name), ways[name]) for name in sign}, rounds, per_round)
    canon = _interleaved(
        {name: (_rotating(canonicalize_rdfc, documents), ways[name]) for name, suite, _ in WAYS if "rdfc" in suite},
        rounds,
        per_round,
    )
    rows = []
    for name, _suite, _templates in WAYS:
        rows.append(
            [
                name,
                ms(signing[name].median_s),
                f"{1 / signing[name].mean_s:.0f}",
                ms(canon[name].median_s) if name in canon else "-",
                ms(verifying[name].median_s),
                str(signing[name].calls),
            ]
        )
    ctx.memo["rdfc-sign"] = {name: signing[name] for name in signing}
    return rows


async def _issue_rows(ctx: BenchContext, per_way: int) -> list[list[str]]:
    env = ctx.env
    services = ServiceContext.for_key(env.settings, env.issuer_key)
    conn = await connect(env.database_url)
    durations: dict[str, list[float]] = {name: [] for name, _, _ in WAYS}
    spent: dict[str, float] = dict.fromkeys(durations, 0.0)
    try:
        holders: list[UUID] = []
        for _ in range(per_way * len(WAYS)):
            now = datetime.now(UTC)
            holder = await create_holder(conn, CreateHolderRequest(display_name="Bench Templates"), now=now)
            exam = ExamResult(holder_id=holder.id, score=90, max_score=100)
            await record_assessment(conn, services, exam, now=now, recorded_by=None)
            holders.append(holder.id)
        batch = max(1, per_way // 4)
        queue = iter(holders)
        for _ in range(0, per_way, batch):  # the ways take turns, `batch` credentials at a time
            for name, suite, templates in WAYS:
                RDFC_TEMPLATES.enabled = templates
                for _n in range(batch):
                    holder_id = next(queue, None)
                    if holder_id is None:
                        break
                    request = IssueCredentialRequest(tier="AIDA", holder_id=holder_id, cryptosuite=suite)  # type: ignore[arg-type]
                    began = time.perf_counter()
                    await issue_credential(conn, services, request, now=datetime.now(UTC))
                    durations[name].append(time.perf_counter() - began)
                    spent[name] += durations[name][-1]
    finally:
        RDFC_TEMPLATES.enabled = True
        await conn.close()
    rows = []
    for name, _suite, _templates in WAYS:
        timing = summarize(durations[name])
        rows.append(
            [
                name,
                f"{len(durations[name]) / spent[name]:.1f}",
                ms(timing.median_s),
                ms(timing.p99_s),
                str(timing.calls),
            ]
        )
    return rows


def run(ctx: BenchContext) -> PartResult:
    signature_rows = _signature_rows(ctx)
    issue_rows = asyncio.run(_issue_rows(ctx, 20 if ctx.quick else 200))
    size = len(msgspec.json.encode(_documents(ctx.env.settings, 1)[0]))
    return PartResult(
        tables=[
            (
                "One proof on a builder AIDA credential (CPU ms of one thread, 64 distinct documents in turn)",
                Table(
                    ["way", "sign p50 ms", "sign/s (1/mean)", "canon. document p50 ms", "verify p50 ms", "calls"],
                    signature_rows,
                ),
            ),
            (
                "issue_credential() direct, 1 connection, sequential (AIDA; the ways take turns in batches)",
                Table(["way", "cred/s", "p50 ms", "p99 ms", "n"], issue_rows),
            ),
        ],
        notes=[
            "`sign` = services.issuance.sign_document_sync (canonicalise document and proof configuration, hash, "
            "Ed25519, encode); `verify` = services.stored_proofs.check_stored_proof_sync, the check issuance runs "
            "before storing; `canon. document` = proofs.canonical.canonicalize_rdfc of the unsigned document.",
            "Per-proof figures are thread CPU time (`time.thread_time`), issuance figures wall time.",
            "`rdfc, pyld` switches the template path off (canonical.RDFC_TEMPLATES.enabled) for its turns only.",
            f"Unsigned document: {size} B of JSON.",
        ],
    )


register(Part(name="rdfc-sign", title="RDFC-1.0 shape templates: signing and issuance cost", run=run))
