"""Rotating the signing key, and declaring a key compromised, without breaking what was issued before.

Rotation writes a new key where the active key lives (SIGNING_KEY_PATH, or the dev key), retires the old key in
`signing_keys` and registers the new one in one transaction, then replaces the file: the retired private key is
gone (and so are `<name>.retired-*` copies earlier versions kept beside it); only its public key stays, in the
register and published (did.json, jwks.json), so earlier credentials keep verifying. A running server notices the
rotation before it next signs (services/context.py `usable_signing_key`) and loads the new key: no restart.

Compromise sets `compromised_since` and is state, not a check: credentials the key signed at or after that time
(by the register's `issued_at`, which an attacker cannot set, never by the proof's `created`) are revoked with
reason `key_compromise` in the same transaction; earlier ones stay valid. `services.reissue` re-issues the revoked
ones under the current key.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from verify_api.db.credentials import Credentials, SignedCredential
from verify_api.db.signing_keys import SigningKeys
from verify_api.errors import SigningKeyError, SigningKeyStateError
from verify_api.proofs.keys import generate_signer
from verify_api.proofs.p256 import is_p256_multikey
from verify_api.services.context import IssuerKey
from verify_api.services.key_files import Rotation, key_passphrase, read_key_file, write_key_file
from verify_api.services.key_history import PinnedKey, record_key_sync
from verify_api.services.p256_keys import rotate_p256_key
from verify_api.services.transaction import run_in_transaction
from verify_api.services.transitions import StatusChange, apply_transition

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime
    from pathlib import Path

    from verify_api.db.pool import Connection
    from verify_api.db.records import SigningKeyRecord
    from verify_api.proofs.keys import Signer
    from verify_api.settings import Settings


@dataclass(frozen=True)
class CompromiseOutcome:
    key: SigningKeyRecord
    invalidated: list[SignedCredential]  # signed at or after compromised_since: now fail verification
    to_reissue: list[SignedCredential]  # signed before it: still valid, re-issue them with the new key


def retired_copies(key_path: Path) -> list[Path]:
    """`<name>.retired-*<suffix>` files beside the key: retired private keys that earlier versions kept."""
    return sorted(key_path.parent.glob(f"{key_path.stem}.retired-*{key_path.suffix}"))


def prepare_new_key_sync(key_path: Path, passphrase: bytes | None) -> tuple[Signer, Signer, Path]:
    """Load the current key and write a new one beside it (0600, to a temporary name): (old, new, pending path)."""
    old = read_key_file(key_path, passphrase)
    new = generate_signer()
    pending = key_path.with_name(f".{key_path.name}.new")
    pending.unlink(missing_ok=True)
    write_key_file(pending, new, passphrase)
    return old, new, pending


def install_new_key_sync(key_path: Path, pending: Path) -> list[Path]:
    """Atomically put the new key in place of the old one (whose private key is then gone), and delete retired
    private-key copies left beside it; return what was deleted."""
    os.replace(pending, key_path)
    removed = retired_copies(key_path)
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


async def rotate_signing_key(
    conn: Connection,
    settings: Settings,
    key_path: Path,
    *,
    now: datetime,
    also: Callable[[], Awaitable[None]] | None = None,
) -> Rotation:
    """Replace the key file at `key_path` with a new key and record the rotation; see the module docstring.

    The new key is written to a temporary file first, the database change commits next (with `also`, a further
    step of the same command, inside its transaction), and only then does the new file replace the old one, so a
    failure leaves the old key active. The old private key is not kept.
    """
    passphrase = key_passphrase(settings)
    old, new, pending = await asyncio.to_thread(prepare_new_key_sync, key_path, passphrase)
    old_kid = IssuerKey.for_settings(old, settings).verification_method
    new_kid = IssuerKey.for_settings(new, settings).verification_method

    async def command() -> SigningKeyRecord | None:
        current = await SigningKeys(conn).get(old_kid)
        if current is not None and current.retired_at is not None:
            raise SigningKeyStateError(f"the key in {key_path.name} ({old_kid}) was already retired")
        await SigningKeys(conn).insert(new_kid, new.public_key_multibase, now)
        await SigningKeys(conn).retire(old_kid, now)
        if also is not None:
            await also()
        return current

    try:
        current = await run_in_transaction(conn, command)
    except BaseException:
        await asyncio.to_thread(pending.unlink, missing_ok=True)
        raise
    removed = await asyncio.to_thread(install_new_key_sync, key_path, pending)
    replaced = PinnedKey(
        kid=old_kid, public_key_multibase=old.public_key_multibase, created=current.created_at if current else None
    )
    await asyncio.to_thread(
        record_key_sync,
        key_path,
        kid=new_kid,
        public_key_multibase=new.public_key_multibase,
        created=now,
        replaces=replaced,
    )
    return Rotation(old_kid=old_kid, new_kid=new_kid, key_path=key_path, removed=removed)


@dataclass(frozen=True)
class Compromise:
    """What `verify-api keys compromise` declares: the key, and since when it is to be distrusted."""

    kid: str
    since: datetime


@dataclass(frozen=True)
class KeyCompromise:
    rotation: Rotation | None  # set when the compromised key was still the active one
    outcome: CompromiseOutcome
    key_kind: str = "key"  # "P-256 key" when the compromised key was the active ES256 key


async def compromise_signing_key(
    conn: Connection, settings: Settings, key_path: Path, compromise: Compromise, *, now: datetime
) -> KeyCompromise:
    """`verify-api keys compromise` as one command: when the key is still the active one, rotate to a new key (the
    file at `key_path` is replaced only after the commit) and declare the old one compromised in the same
    transaction, so either both hold or neither does.

    The organisation rules are not applied here: a CAE renewal they could call for needs a usable signing key, and
    the compromise must never depend on one. Every read derives the organisations' standing meanwhile (services.
    judgement), and `verify-api rules evaluate` stores it.
    """
    kid, since = compromise.kid, compromise.since
    record = await SigningKeys(conn).get(kid)
    if record is None or record.retired_at is not None:
        return KeyCompromise(None, await declare_key_compromised(conn, kid, since=since, now=now))
    declared: list[CompromiseOutcome] = []

    async def declare() -> None:  # a step of the rotation's command: run again with it (hence the last is kept)
        declared.append(await declare_key_compromised(conn, kid, since=since, now=now))

    if is_p256_multikey(record.public_key_multibase):  # the active ES256 key: rotate it, never the Ed25519 one
        p256_settings = msgspec.structs.replace(settings, signing_key_path=str(key_path))
        p256 = await rotate_p256_key(conn, p256_settings, now=now, also=declare)
        return KeyCompromise(p256, declared[-1], key_kind="P-256 key")
    rotation = await rotate_signing_key(conn, settings, key_path, now=now, also=declare)
    return KeyCompromise(rotation, declared[-1])


async def declare_key_compromised(conn: Connection, kid: str, *, since: datetime, now: datetime) -> CompromiseOutcome:
    """Mark `kid` compromised from `since` (and retired, if it was still active), and make that state on every path.

    In the same transaction every current credential the key signed at or after `since` (by the register's
    `issued_at`) is revoked with reason `key_compromise`: a guarded status change with its event and a bump of its
    status lists, exactly like an operator's revocation, so the status lists, SQL counts, tier rules, badges and the
    offline QR all agree with the lookup. Credentials signed before `since` stay valid; `verify-api keys reissue`
    re-issues the revoked ones under the current key.
    """
    if since > now:
        raise SigningKeyStateError("--since is in the future; a compromise is declared for a time already passed")

    async def command() -> tuple[SigningKeyRecord, list[SignedCredential]]:
        record = await SigningKeys(conn).mark_compromised(kid, since, now)
        if record is None:
            raise SigningKeyStateError(f"no signing key has kid {kid!r} (see `verify-api keys list`)")
        assert record.compromised_since is not None
        note = f"signed with {kid}, declared compromised since {record.compromised_since.isoformat()}"
        for credential_id in await Credentials(conn).in_compromised_window(kid, record.compromised_since):
            # apply_transition, not change_status: VC API register entries signed with the key are revoked too.
            await apply_transition(conn, credential_id, StatusChange("revoke", "key_compromise", note), now=now)
        return record, await Credentials(conn).signed_by(kid)

    record, signed = await run_in_transaction(conn, command)
    assert record.compromised_since is not None
    cutoff = record.compromised_since
    return CompromiseOutcome(
        key=record,
        invalidated=[c for c in signed if c.issued_at >= cutoff],
        to_reissue=[c for c in signed if c.issued_at < cutoff],
    )


async def ensure_signing_key_usable(conn: Connection, key: IssuerKey) -> None:
    """Refuse to start signing with a key that was rotated out or declared compromised."""
    record = await SigningKeys(conn).get(key.verification_method)
    if record is None:
        return
    if record.compromised_since is not None:
        raise SigningKeyError(f"the configured signing key {record.kid} was declared compromised; rotate it")
    if record.retired_at is not None:
        raise SigningKeyError(
            f"the configured signing key {record.kid} was retired on {record.retired_at.isoformat()}; "
            "point SIGNING_KEY_PATH at the active key (`verify-api keys rotate` wrote it in the same place)"
        )
