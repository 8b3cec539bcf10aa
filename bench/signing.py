"""Part `sign`: the raw cost of one Data Integrity proof per cryptosuite, the upper bound on issuance/s.

The input is a real unsigned credential (a seeded AIDA document without its proof). The full figure is
`sign_document_sync`, exactly what issuance runs in a worker thread: canonicalise the document and the proof
configuration, hash, Ed25519-sign, encode. The breakdown times the steps on their own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.seed import CRYPTOSUITES
from bench.timing import CallTiming, ms, time_call, us
from verify_api.proofs.eddsa import (
    hashing,
    proof_configuration_jcs,
    proof_configuration_rdfc,
    transformation_jcs,
    transformation_rdfc,
)
from verify_api.services.issuance import sign_document_sync

_STEPS = {
    "eddsa-rdfc-2022": (transformation_rdfc, proof_configuration_rdfc),
    "eddsa-jcs-2022": (transformation_jcs, proof_configuration_jcs),
}


def unsigned_document(ctx: BenchContext, suite: str) -> dict[str, Any]:
    document: dict[str, Any] = msgspec.json.decode(ctx.env.seeded.documents[suite])
    document.pop("proof")
    return document


def measure_sign_cost(ctx: BenchContext, suite: str) -> CallTiming:
    """Seconds per `sign_document_sync` call; memoised so the issuance part can reuse it as its bound."""
    key = f"sign:{suite}"
    if key not in ctx.memo:
        unsigned = unsigned_document(ctx, suite)
        now = datetime.now(UTC)
        budget = 0.5 if ctx.quick else 3.0
        ctx.memo[key] = time_call(lambda: sign_document_sync(unsigned, ctx.env.issuer_key, suite, now), budget_s=budget)
    timing: CallTiming = ctx.memo[key]
    return timing


def _suite_row(ctx: BenchContext, suite: str, budget: float) -> list[str]:
    signer = ctx.env.issuer_key.signer
    total = measure_sign_cost(ctx, suite)
    unsigned = unsigned_document(ctx, suite)
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "created": "2026-11-27T09:00:00Z",
        "verificationMethod": ctx.env.issuer_key.verification_method,
        "proofPurpose": "assertionMethod",
    }
    transformation, proof_configuration = _STEPS[suite]
    document_step = time_call(lambda: transformation(unsigned, options), budget_s=budget)
    config_step = time_call(lambda: proof_configuration(options, unsigned), budget_s=budget)
    transformed, config = transformation(unsigned, options), proof_configuration(options, unsigned)
    sign_step = time_call(lambda: signer.sign(hashing(transformed, config)), budget_s=budget / 3)
    return [
        suite,
        ms(total.median_s),
        ms(total.p99_s),
        f"{total.per_second:.0f}",
        ms(document_step.median_s),
        ms(config_step.median_s),
        us(sign_step.median_s),
        str(total.calls),
    ]


def run(ctx: BenchContext) -> PartResult:
    budget = 0.3 if ctx.quick else 1.5
    rows = [_suite_row(ctx, suite, budget) for suite in CRYPTOSUITES]
    size = {suite: len(ctx.env.seeded.documents[suite]) for suite in CRYPTOSUITES}
    return PartResult(
        tables=[
            (
                "One proof on a real AIDA credential (single thread)",
                Table(
                    [
                        "cryptosuite",
                        "sign p50 ms",
                        "sign p99 ms",
                        "bound cred/s/core",
                        "canon. document ms",
                        "canon. proof config ms",
                        "hash+Ed25519 µs",
                        "calls",
                    ],
                    rows,
                ),
            )
        ],
        notes=[
            "`sign` = `verify_api.services.issuance.sign_document_sync` (what issuance runs per credential); "
            "`bound` = 1 / mean sign time, the most credentials/s one core could sign.",
            f"Signed document sizes: {', '.join(f'{s} {n} B' for s, n in size.items())}.",
        ],
    )


register(Part(name="sign", title="Raw signing cost per cryptosuite", run=run))
