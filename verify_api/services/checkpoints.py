"""The event log's signed checkpoints: the bytes a checkpoint signs, checking one against the pinned keys, writing
them (the last step of every write command, `checkpoint_after_write`), and their published form
(GET /v1/audit/checkpoints). Verifying the chain against them is services.audit's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from verify_api.db.events import Checkpoint, Events
from verify_api.errors import ProofError
from verify_api.proofs.keys import decode_multikey, verify_ed25519
from verify_api.schemas import AuditCheckpointView

if TYPE_CHECKING:
    from verify_api.db.pool import Connection
    from verify_api.services.context import IssuerKey, ServiceContext
    from verify_api.services.key_history import PinnedKeys

CHECKPOINT_VERSION = 2
_CHECKPOINT_DOMAIN = {1: b"pai-verify/audit-checkpoint/v1\x00", 2: b"pai-verify/audit-checkpoint/v2\x00"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def checkpoint_message(version: int, seq: int, entry_hash: bytes, signed_at: datetime) -> bytes:
    """The bytes a checkpoint signs (README "Tamper-evident history").

    Version 2: `pai-verify/audit-checkpoint/v2`, a zero byte, seq (8 bytes, big-endian), entry_hash (32 bytes),
    signed_at as microseconds since 1970-01-01T00:00:00Z (8 bytes, big-endian, signed). Version 1 (before
    migration 0003) had no time: its domain tag, seq, entry_hash.
    """
    message = _CHECKPOINT_DOMAIN[version] + seq.to_bytes(8, "big") + entry_hash
    if version == 1:
        return message
    micros = (signed_at - _EPOCH) // _MICROSECOND
    return message + micros.to_bytes(8, "big", signed=True)


def check_checkpoint_signature(checkpoint: Checkpoint, pinned: PinnedKeys) -> str | None:
    """None when a pinned key made this signature, inside the key's pinned window; else what is wrong."""
    where = f"checkpoint at entry {checkpoint.seq}"
    key = pinned.for_kid(checkpoint.key_id)
    if key is None:
        return f"{where}: signed by {checkpoint.key_id}, which is not a key pinned outside the database"
    if checkpoint.version not in _CHECKPOINT_DOMAIN:
        return f"{where}: unknown checkpoint version {checkpoint.version}"
    try:
        message = checkpoint_message(checkpoint.version, checkpoint.seq, checkpoint.entry_hash, checkpoint.signed_at)
        verify_ed25519(decode_multikey(key.public_key_multibase), checkpoint.signature, message)
    except ProofError:
        return f"{where}: the signature does not verify with the pinned key {key.kid}"
    if checkpoint.version >= CHECKPOINT_VERSION and key.retired is not None and checkpoint.signed_at >= key.retired:
        return f"{where}: signed {checkpoint.signed_at.isoformat()}, after its key {key.kid} was retired"
    return None


async def write_checkpoint(
    conn: Connection, key: IssuerKey, *, now: datetime, seq: int | None = None
) -> Checkpoint | None:
    """Sign entry `seq` (default: the newest); None when there is no such entry or it already has a checkpoint."""
    audit = Events(conn)
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
    audit = Events(conn)
    head = await audit.chain_head()
    last = await audit.latest_checkpoint()
    written = None
    boundary = ((last.seq if last else 0) // every + 1) * every
    while boundary <= head.seq:
        written = await write_checkpoint(conn, key, now=now, seq=boundary) or written
        boundary += every
    return written


async def checkpoint_after_write(conn: Connection, ctx: ServiceContext, *, now: datetime) -> Checkpoint | None:
    """The last step of every write command, inside its transaction: `checkpoint_if_due` with the context's key and
    cadence, so the checkpoint commits (or rolls back) with the entries it covers."""
    return await checkpoint_if_due(conn, ctx.issuer_key, every=ctx.settings.audit_checkpoint_every, now=now)


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
    return [checkpoint_view(c) for c in await Events(conn).list_checkpoints(after, limit)]
