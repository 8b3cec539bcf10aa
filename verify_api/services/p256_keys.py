"""The issuer's P-256 key, which signs ES256 JWTs (VC-JOSE-COSE `application/vc+jwt`), managed like the Ed25519 key.

Its key file lies beside SIGNING_KEY_PATH (`<name>.p256<suffix>`, PKCS#8 PEM, 0600, encrypted with
SIGNING_KEY_PASSPHRASE when set). It is created by `verify-api keys generate` and the dev-key step of
`verify-api serve`, published in did.json and jwks.json under `did:web:<host>#zDn...` once entered in the register of
keys (before it first signs), rotated with `verify-api keys rotate --p256` and retired or declared compromised with
the same commands and windows as the Ed25519 key: the register's row for the key decides whether it may sign.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from verify_api.db.signing_keys import SigningKeys
from verify_api.domain.credential import did_web_for
from verify_api.errors import SigningKeyError, SigningKeyStateError
from verify_api.proofs.p256 import P256Signer, generate_p256_signer, load_p256_signer
from verify_api.services.context import key_unusable_reason
from verify_api.services.key_files import Rotation, key_passphrase
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

P256_SUFFIX = ".p256"


@dataclass(frozen=True)
class P256Key:
    signer: P256Signer
    verification_method: str


def p256_key_path(settings: Settings) -> Path | None:
    """`<SIGNING_KEY_PATH stem>.p256<suffix>` beside the Ed25519 key; None when SIGNING_KEY_PATH is unset."""
    if not settings.signing_key_path:
        return None
    path = Path(settings.signing_key_path)
    return path.with_name(f"{path.stem}{P256_SUFFIX}{path.suffix}")


def p256_verification_method(signer: P256Signer, settings: Settings) -> str:
    return f"{did_web_for(settings.base_url)}#{signer.public_key_multibase}"


def write_p256_key_file(path: Path, signer: P256Signer, passphrase: bytes | None) -> None:
    """Write a new key file (0600 from the start; an existing file is an error, never overwritten here)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(signer.private_key_pem(passphrase))


def ensure_p256_key_file_sync(settings: Settings) -> P256Signer | None:
    """Create the P-256 key file beside the Ed25519 one when it is missing; the new signer, or None if it existed."""
    path = p256_key_path(settings)
    if path is None or path.exists():
        return None
    signer = generate_p256_signer()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_p256_key_file(path, signer, key_passphrase(settings))
    return signer


class P256KeyFile:
    """The P-256 key file, read again whenever it changes (a rotation replaces it), so a running process signs
    with the rotated-in key without a restart."""

    def __init__(self) -> None:
        self._loaded: tuple[Path, int, P256Signer] | None = None

    def load_sync(self, settings: Settings) -> P256Key:
        path = p256_key_path(settings)
        if path is None:
            raise SigningKeyError("no P-256 key: SIGNING_KEY_PATH is unset, and the P-256 key file lies beside it")
        try:
            stamp = path.stat().st_mtime_ns
        except OSError as exc:
            raise SigningKeyError(
                f"no P-256 key file {path.name} ({exc.strerror}); `verify-api keys generate` writes one"
            ) from exc
        if self._loaded is None or self._loaded[:2] != (path, stamp):
            signer = load_p256_signer(path.read_bytes(), key_passphrase(settings), source=path.name)
            self._loaded = (path, stamp, signer)
        signer = self._loaded[2]
        return P256Key(signer, p256_verification_method(signer, settings))


P256_KEY_FILE = P256KeyFile()


async def publish_p256_key(conn: Connection, settings: Settings, *, now: datetime) -> str | None:
    """At start-up: enter the P-256 key in the register of keys (so did.json and jwks.json publish it before it
    first signs), when its key file exists; its kid, or None. A retired key stays retired (the insert is a no-op)."""
    path = p256_key_path(settings)
    if path is None or not path.exists():
        return None
    key = await asyncio.to_thread(P256_KEY_FILE.load_sync, settings)
    await SigningKeys(conn).upsert(key.verification_method, key.signer.public_key_multibase, now)
    return key.verification_method


async def usable_p256_key(conn: Connection, settings: Settings, *, now: datetime) -> P256Key:
    """The P-256 key to sign with now: entered in the register of keys the first time (so it is published before
    it signs), share-locked to the caller's transaction, and refused (`SigningKeyError`) when retired or
    compromised, exactly as `services.context.usable_signing_key` refuses the Ed25519 key."""
    key = await asyncio.to_thread(P256_KEY_FILE.load_sync, settings)
    keys = SigningKeys(conn)
    record = await keys.lock(key.verification_method)
    if record is None:
        await keys.upsert(key.verification_method, key.signer.public_key_multibase, now)
        record = await keys.lock(key.verification_method)
    reason = key_unusable_reason(record, key.verification_method)
    if reason is not None:
        raise SigningKeyError(f"{reason}; run `verify-api keys rotate --p256`")
    return key


async def rotate_p256_key(
    conn: Connection,
    settings: Settings,
    *,
    now: datetime,
    also: Callable[[], Awaitable[None]] | None = None,
) -> Rotation:
    """Replace the P-256 key file with a new key: the new key is registered and the old one retired in one
    transaction (with `also`, a further step of the same command, inside it), then the new file replaces the old
    (whose private key is gone); its public key stays published."""
    path = p256_key_path(settings)
    if path is None or not path.exists():
        raise SigningKeyError("no P-256 key file to rotate; `verify-api keys generate` writes one")
    passphrase = key_passphrase(settings)
    old = await asyncio.to_thread(lambda: load_p256_signer(path.read_bytes(), passphrase, source=path.name))
    new = generate_p256_signer()
    pending = path.with_name(f".{path.name}.new")
    pending.unlink(missing_ok=True)
    await asyncio.to_thread(write_p256_key_file, pending, new, passphrase)
    old_kid, new_kid = p256_verification_method(old, settings), p256_verification_method(new, settings)

    async def command() -> None:
        keys = SigningKeys(conn)
        current = await keys.get(old_kid)
        if current is not None and current.retired_at is not None:
            raise SigningKeyStateError(f"the key in {path.name} ({old_kid}) was already retired")
        if current is None:
            await keys.insert(old_kid, old.public_key_multibase, now)
        await keys.insert(new_kid, new.public_key_multibase, now)
        await keys.retire(old_kid, now)
        if also is not None:
            await also()

    try:
        await run_in_transaction(conn, command)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    os.replace(pending, path)
    return Rotation(old_kid=old_kid, new_kid=new_kid, key_path=path)
