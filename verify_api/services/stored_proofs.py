"""A stored credential's proof is verified once, when it is written, and on demand by `verify-api audit verify`;
never on a read path (issue 10). Reads state the fact (services.lookup.stored_proof_check), and the judgement still
reads the signing key's facts on every answer, so a key compromise makes an answer invalid however its proof
verified."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from verify_api.db.stored_proofs import StoredProofs
from verify_api.errors import ProofError, SigningKeyError
from verify_api.proofs.data_integrity import verify_proof
from verify_api.proofs.keys import decode_multikey
from verify_api.schemas import Check

if TYPE_CHECKING:
    from verify_api.db.pool import Connection


def check_stored_proof_sync(document: bytes, *, signing_key_id: str, key_multibase: str) -> Check:
    """Verify signed bytes exactly as they are served, against the key the issuer publishes for them."""

    def resolve(method: str) -> bytes:
        if method != signing_key_id:
            raise ProofError(f"the proof names {method}, which is not the key this credential was issued with")
        return decode_multikey(key_multibase)

    try:
        proof = verify_proof(msgspec.json.decode(document), resolve)
    except (ProofError, msgspec.DecodeError) as exc:
        detail = exc.detail if isinstance(exc, ProofError) else "the stored document is not JSON"
        return Check(name="proof", result="failed", detail=f"the signature does not verify: {detail}")
    return Check(
        name="proof",
        result="passed",
        detail=f"{proof.cryptosuite} signature verified with the published key {proof.verification_method}",
    )


async def verify_before_storing(document: bytes, *, signing_key_id: str, key_multibase: str) -> None:
    """Issuance's step before the row is written, in the same command and transaction: a document whose proof
    does not verify against the published key is never stored (SigningKeyError, a 503; nothing is committed)."""
    key = {"signing_key_id": signing_key_id, "key_multibase": key_multibase}
    check = await asyncio.to_thread(check_stored_proof_sync, document, **key)
    if check.result != "passed":
        # Once more before refusing: RDF canonicalisation has a wall-clock limit (proofs/rdfc.py) that a starved
        # machine can hit; a document that truly does not verify fails again the same way.
        check = await asyncio.to_thread(check_stored_proof_sync, document, **key)
    if check.result != "passed":
        raise SigningKeyError(f"the document just signed does not verify ({check.detail}); nothing was stored")


@dataclass
class StoredProofReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)


async def verify_stored_proofs(conn: Connection, *, batch: int = 500) -> StoredProofReport:
    """Every stored certification's proof checked again (`verify-api audit verify`), in pages of `batch` rows."""
    report, after = StoredProofReport(), ""
    store = StoredProofs(conn)
    while True:
        rows = await store.page(after, batch)
        if not rows:
            return report
        for row in rows:
            check = await asyncio.to_thread(
                check_stored_proof_sync,
                row.document,
                signing_key_id=row.signing_key_id,
                key_multibase=row.key_multibase,
            )
            report.checked += 1
            if check.result != "passed":
                report.problems.append(f"credential {row.id}: {check.detail}")
        after = rows[-1].id
