"""The tamper-evident event log: verifying the hash chain and its signed checkpoints, and writing checkpoints.

Each event's hash commits to its content and to the previous event's hash (computed in the database, see
migrations/0002). `verify_audit_log` recomputes every hash here, in Python, and names the first entry that was
changed, removed or reordered. Checkpoints sign (seq, entry_hash) with the issuer key, so a wholesale rewrite of
the chain by someone without the key is caught too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from verify_api.db.lifecycle_repository import Checkpoint, LifecycleRepository
from verify_api.db.repository import Repository
from verify_api.errors import ProofError
from verify_api.proofs.keys import decode_multikey, verify_ed25519

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.db.records import SigningKeyRecord
    from verify_api.services.context import IssuerKey

GENESIS = bytes(32)
_CHECKPOINT_DOMAIN = b"pai-verify/audit-checkpoint/v1\x00"
_BATCH = 5000


@dataclass
class AuditReport:
    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def checkpoint_message(seq: int, entry_hash: bytes) -> bytes:
    return _CHECKPOINT_DOMAIN + seq.to_bytes(8, "big") + entry_hash


async def verify_audit_log(conn: Connection) -> AuditReport:
    lifecycle = LifecycleRepository(conn)
    report = AuditReport()
    rows = []
    after = 0
    while batch := await lifecycle.audit_rows(after, _BATCH):
        rows.extend(batch)
        after = batch[-1].seq
    position = {row.entry_hash: row.seq for row in rows}
    expected_prev, previous_seq = GENESIS, None
    for row in rows:
        report.entries += 1
        if row.prev_hash != expected_prev:
            follows = position.get(row.prev_hash)
            after_what = f"entry {previous_seq}" if previous_seq is not None else "the start of the log"
            if follows is None and row.prev_hash != GENESIS:
                report.problems.append(
                    f"entry {row.seq}: the entry it was chained to is missing (removed) — it should follow {after_what}"
                )
            else:
                report.problems.append(
                    f"entry {row.seq}: out of order — it was chained after "
                    f"{'the start of the log' if follows is None else f'entry {follows}'}, but follows {after_what}"
                )
            break
        if hashlib.sha256(row.prev_hash + row.hash_input).digest() != row.entry_hash:
            report.problems.append(f"entry {row.seq}: changed — its content no longer matches its recorded hash")
            break
        expected_prev, previous_seq = row.entry_hash, row.seq
    hashes = {row.seq: row.entry_hash for row in rows}
    keys = {k.kid: k for k in await Repository(conn).list_signing_keys()}
    for checkpoint in await lifecycle.list_checkpoints():
        report.checkpoints += 1
        problem = _check_checkpoint(checkpoint, hashes, keys)
        if problem:
            report.problems.append(problem)
    return report


def _check_checkpoint(
    checkpoint: Checkpoint, hashes: dict[int, bytes], keys: dict[str, SigningKeyRecord]
) -> str | None:
    key = keys.get(checkpoint.key_id)
    if key is None:
        return f"checkpoint at entry {checkpoint.seq}: signed by an unknown key {checkpoint.key_id}"
    try:
        public = decode_multikey(key.public_key_multibase)
        verify_ed25519(public, checkpoint.signature, checkpoint_message(checkpoint.seq, checkpoint.entry_hash))
    except ProofError:
        return f"checkpoint at entry {checkpoint.seq}: the signature does not verify"
    if checkpoint.seq not in hashes:
        return f"checkpoint at entry {checkpoint.seq}: that entry is missing (removed)"
    if hashes[checkpoint.seq] != checkpoint.entry_hash:
        return f"checkpoint at entry {checkpoint.seq}: the log was rewritten since it was signed"
    return None


async def write_checkpoint(conn: Connection, key: IssuerKey, *, now: datetime) -> Checkpoint | None:
    """Sign the newest entry; None when the log is empty or that entry already has a checkpoint."""
    lifecycle = LifecycleRepository(conn)
    latest = await lifecycle.latest_event()
    if latest is None:
        return None
    seq, entry_hash = latest
    last = await lifecycle.latest_checkpoint()
    if last is not None and last.seq >= seq:
        return None
    checkpoint = Checkpoint(
        seq=seq,
        entry_hash=entry_hash,
        signed_at=now,
        key_id=key.verification_method,
        signature=key.signer.sign(checkpoint_message(seq, entry_hash)),
    )
    await lifecycle.insert_checkpoint(checkpoint)
    return checkpoint


async def checkpoint_if_due(conn: Connection, key: IssuerKey, *, every: int, now: datetime) -> Checkpoint | None:
    """Write a checkpoint once `every` events have accumulated since the last one (called after writes)."""
    lifecycle = LifecycleRepository(conn)
    latest = await lifecycle.latest_event()
    last = await lifecycle.latest_checkpoint()
    if latest is None or latest[0] - (last.seq if last else 0) < every:
        return None
    return await write_checkpoint(conn, key, now=now)
