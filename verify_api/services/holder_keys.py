"""Each API client's holder key: the Ed25519 key POST /presentations/prove signs its presentations with.

A presentation's `authentication` proof says "the holder named here signed this, for this challenge and domain".
Signed with the PAI's key it would let every API client authenticate as the PAI wherever DID authentication is used,
so the PAI's keys never sign one. Each API client gets a key of its own instead, created on its first presentation:
its did:key is the presentation's `holder` and the proof's verificationMethod (did:key method §3.1.2, resolved
offline by every verifier).

Storage, as for the signing keys (services/key_files.py): the private key is a PKCS#8 PEM file, 0600 from the start,
encrypted with SIGNING_KEY_PASSPHRASE when set, in the directory `<SIGNING_KEY_PATH stem>.holder-keys/` beside the
signing key, named by its public key (`<z6Mk...>.pem`); never in the database, a log, an error or a response. The
`holder_keys` table holds the public half, the client and the key's window; its partial unique index keeps one active
key per client, so two requests racing to create a client's first key agree on one (the loser deletes its file).

Lifecycle: rotating or revoking the client's API key retires its holder key in the same transaction
(`retire_holder_keys`, called by services/api_clients.py): a retired key never signs again, its file is deleted when
the client's next key is created, and POST /presentations/verify refuses presentations it signed (they may have been
made with a leaked API secret, and a presentation is used at once, so refusing them costs no honest holder anything).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from verify_api.caching import BoundedCache
from verify_api.db.holder_keys import HolderKeys
from verify_api.errors import SigningKeyError
from verify_api.proofs.keys import (
    Signer,
    did_key_for,
    did_key_verification_method,
    generate_signer,
    load_signer,
    private_key_pem,
)
from verify_api.services.key_files import key_passphrase
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.holder_keys import HolderKeyRecord
    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

HOLDER_KEYS_SUFFIX = ".holder-keys"
# Loaded holder keys, by verification method: a client signing many presentations reads its file once.
_LOADED: BoundedCache[str, Signer] = BoundedCache(256)


@dataclass(frozen=True)
class HolderKey:
    """A client's holder key, ready to sign: its did:key (the holder) and verification method."""

    signer: Signer
    did: str
    verification_method: str


def holder_key_directory(settings: Settings) -> Path:
    """`<SIGNING_KEY_PATH stem>.holder-keys/` beside the signing key (the dev key's when it is unset: `verify-api
    serve` sets SIGNING_KEY_PATH to it)."""
    if not settings.signing_key_path:
        raise SigningKeyError("no holder keys: SIGNING_KEY_PATH is unset, and the holder keys lie beside it")
    path = Path(settings.signing_key_path)
    return path.with_name(f"{path.stem}{HOLDER_KEYS_SUFFIX}")


def holder_key_file(directory: Path, public_key_multibase: str) -> Path:
    return directory / f"{public_key_multibase}.pem"


def write_holder_key_file(path: Path, signer: Signer, passphrase: bytes | None) -> None:
    """A new key file, 0600 from the start, in a 0700 directory; an existing file is an error, never overwritten.
    A directory that cannot be written is a `SigningKeyError` (503, the reason in the operator's log)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise SigningKeyError(f"cannot write the holder key file {path.name} in {path.parent}: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_key_pem(signer, passphrase))


def _load_sync(settings: Settings, record: HolderKeyRecord) -> Signer:
    signer = _LOADED.get(record.verification_method)
    if signer is not None:
        return signer
    path = holder_key_file(holder_key_directory(settings), record.public_key_multibase)
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"the holder key file {path.name} cannot be read ({exc.strerror}); with more than one machine the "
            "holder key directory must be one shared volume (README, 'Presentations')"
        ) from exc
    signer = load_signer(pem, key_passphrase(settings), source=path.name)
    if signer.public_key_multibase != record.public_key_multibase:
        raise SigningKeyError(f"the holder key file {path.name} holds another key than its name says")
    _LOADED.put(record.verification_method, signer)
    return signer


def _holder_key(signer: Signer) -> HolderKey:
    return HolderKey(signer, did_key_for(signer.public_key), did_key_verification_method(signer.public_key))


async def ensure_holder_key(conn: Connection, settings: Settings, client_id: UUID, *, now: datetime) -> None:
    """Create the client's holder key when it has no active one (its first presentation, or the first after its API
    key was rotated), committed before anything is signed with it: a signing transaction rolled back later never
    leaves a key file without its row."""
    if await HolderKeys(conn).active_for_client(client_id) is None:
        await create_holder_key(conn, settings, client_id, now=now)


async def usable_holder_key(conn: Connection, settings: Settings, client_id: UUID) -> HolderKey:
    """The client's active holder key (`ensure_holder_key` made it). Call it inside the signing transaction: the
    key's row is share-locked to its end, so a rotation or revocation of the API key waits for the signature."""
    record = await HolderKeys(conn).active_for_client(client_id)
    if record is None:  # retired since `ensure_holder_key`: the API key was rotated or revoked just now
        raise SigningKeyError("the API client's holder key was retired while signing; try again")
    signer = await asyncio.to_thread(_load_sync, settings, record)
    return _holder_key(signer)


async def create_holder_key(conn: Connection, settings: Settings, client_id: UUID, *, now: datetime) -> None:
    """Make the client's holder key: the file first, then its row in a transaction of its own; the file is deleted
    again when the row is not written (a failure, or another request made the key first). The files of the
    client's retired keys are deleted once the new key is in place."""
    assert not conn.is_in_transaction(), "the key's row must commit on its own, before it signs"
    directory = holder_key_directory(settings)
    signer = generate_signer()
    key = _holder_key(signer)
    path = holder_key_file(directory, signer.public_key_multibase)
    await asyncio.to_thread(write_holder_key_file, path, signer, key_passphrase(settings))

    async def command() -> HolderKeyRecord | None:
        return await HolderKeys(conn).insert(key.verification_method, client_id, signer.public_key_multibase, now)

    try:
        created = await run_in_transaction(conn, command)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if created is None:
        path.unlink(missing_ok=True)
        return
    retired = await HolderKeys(conn).retired_for_client(client_id)
    await asyncio.to_thread(_delete_key_files, directory, [r.public_key_multibase for r in retired])


def _delete_key_files(directory: Path, multibases: list[str]) -> None:
    for multibase in multibases:
        holder_key_file(directory, multibase).unlink(missing_ok=True)


async def retire_holder_keys(conn: Connection, client_id: UUID, *, now: datetime) -> list[HolderKeyRecord]:
    """Retire the client's holder key (a step of rotating or revoking its API key, in that command's transaction):
    it never signs again, and presentations it signed are refused from now on."""
    retired = await HolderKeys(conn).retire_for_client(client_id, now)
    for record in retired:
        _LOADED.discard(record.verification_method)
    return retired


async def retired_holder_key_refusal(conn: Connection, signed_with: list[str]) -> str | None:
    """Why a presentation signed with these verification methods is refused: one is the holder key of one of this
    service's API clients and was retired (its API key rotated or revoked); None otherwise (a key not ours, or an
    active one). A did:key has no revocation of its own, so only this service can know."""
    store = HolderKeys(conn)
    for method in signed_with:
        record = await store.get(method) if method.startswith("did:key:") else None
        if record is not None and record.retired_at is not None:
            return (
                f"the presentation is signed with the holder key {method}, which this service retired on "
                f"{record.retired_at.isoformat()} (its API client's key was rotated or revoked)"
            )
    return None
