"""The tamper-evident event log's signed checkpoints: what they sign, writing them, and publishing them.

Checkpoints sign (seq, entry_hash, signed_at) with the issuer key, at least every AUDIT_CHECKPOINT_EVERY entries.
Verifying the chain and the checkpoints against keys pinned outside the database: services/audit_verification.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from verify_api.db.audit_repository import AuditRepository, Checkpoint
from verify_api.schemas import AuditCheckpointView

if TYPE_CHECKING:
    from verify_api.db.pool import Connection
    from verify_api.services.context import IssuerKey

CHECKPOINT_VERSION = 2
CHECKPOINT_DOMAINS: Final = {1: b"pai-verify/audit-checkpoint/v1\x00", 2: b"pai-verify/audit-checkpoint/v2\x00"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def checkpoint_message(version: int, seq: int, entry_hash: bytes, signed_at: datetime) -> bytes:
    """The bytes a checkpoint signs (README "Tamper-evident history").

    Version 2: `pai-verify/audit-checkpoint/v2`, a zero byte, seq (8 bytes, big-endian), entry_hash (32 bytes),
    signed_at as microseconds since 1970-01-01T00:00:00Z (8 bytes, big-endian, signed). Version 1 (before
    migration 0003) had no time: its domain tag, seq, entry_hash.
    """
    message = CHECKPOINT_DOMAINS[version] + seq.to_bytes(8, "big") + entry_hash
    if version == 1:
        return message
    micros = (signed_at - _EPOCH) // _MICROSECOND
    return message + micros.to_bytes(8, "big", signed=True)


async def write_checkpoint(
    conn: Connection, key: IssuerKey, *, now: datetime, seq: int | None = None
) -> Checkpoint | None:
    """Sign entry `seq` (default: the newest); None when there is no such entry or it already has a checkpoint."""
    audit = AuditRepository(conn)
    if seq is None:
        seq = (await audit.chain_head()).seq
    hashed = await audit.entry_hash_at(seq) if seq > 0 else None
    if hashed is None:
        return None
    checkpoint = Checkpoint(
        seq=seq,
        entry_hash=hashed,
        signed_at=now,
        key_id=key.verification_method,
        signature=key.signer.sign(checkpoint_message(CHECKPOINT_VERSION, seq, hashed, now)),
        version=CHECKPOINT_VERSION,
    )
    return checkpoint if await audit.insert_checkpoint(checkpoint) else None


async def checkpoint_if_due(conn: Connection, key: IssuerKey, *, every: int, now: datetime) -> Checkpoint | None:
    """Sign every entry numbered a multiple of `every` that is newer than the last checkpoint (called after
    writes), so no more than `every` entries ever go without one; return the newest checkpoint written."""
    audit = AuditRepository(conn)
    head = await audit.chain_head()
    last = await audit.latest_checkpoint()
    written = None
    boundary = ((last.seq if last else 0) // every + 1) * every
    while boundary <= head.seq:
        written = await write_checkpoint(conn, key, now=now, seq=boundary) or written
        boundary += every
    return written


def checkpoint_view(checkpoint: Checkpoint) -> AuditCheckpointView:
    return AuditCheckpointView(
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash.hex(),
        signed_at=checkpoint.signed_at,
        kid=checkpoint.key_id,
        signature=checkpoint.signature.hex(),
        version=checkpoint.version,
    )


def checkpoint_from_view(view: AuditCheckpointView) -> Checkpoint:
    return Checkpoint(
        seq=view.seq,
        entry_hash=bytes.fromhex(view.entry_hash),
        signed_at=view.signed_at,
        key_id=view.kid,
        signature=bytes.fromhex(view.signature),
        version=view.version,
    )


async def published_checkpoints(conn: Connection, *, after: int, limit: int) -> list[AuditCheckpointView]:
    """One page of GET /v1/audit/checkpoints: the checkpoints after entry `after`, oldest first."""
    return [checkpoint_view(c) for c in await AuditRepository(conn).list_checkpoints(after, limit)]
