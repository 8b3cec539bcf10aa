"""Public keys pinned outside the database: the configured key file, and the public-key history kept beside it.

The audit log's checkpoints are verified only against these keys, never against `signing_keys` (a database
writer can insert a key there). Key generation and rotation write the history; it holds public keys only, so it
can be copied, published and kept under version control elsewhere.

Format: `<key file stem>.history.json` in the key file's folder (the dev key's is keys/dev-signing-key.history.json):

    {"keys": [{"kid": "did:web:verify.example.org#z6Mk...", "publicKeyMultibase": "z6Mk...",
               "created": "2026-11-27T09:00:00Z", "retired": "2027-03-01T12:00:00Z"}, ...]}

`publicKeyMultibase` is the Ed25519 Multikey (the `#` fragment of every kid the key signs under); `created` is when
the key was generated (null when it was added to the history later), `retired` when it stopped signing (null for
the active key). Checkpoints signed at or after a key's `retired` are refused.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from verify_api.errors import KeyHistoryError, ProofError
from verify_api.proofs.keys import decode_multikey

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path


class PinnedKey(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    kid: str
    public_key_multibase: str
    created: datetime | None = None
    retired: datetime | None = None


class KeyHistory(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    keys: list[PinnedKey]


_decoder = msgspec.json.Decoder(KeyHistory)
_MAX_HISTORY_BYTES = 1 << 20


class PinnedKeys:
    """The keys a checkpoint may be signed with, by Multikey."""

    def __init__(self, keys: Iterable[PinnedKey]) -> None:
        self._by_multibase: dict[str, PinnedKey] = {}
        for key in keys:
            try:
                decode_multikey(key.public_key_multibase)
            except ProofError as exc:
                raise KeyHistoryError(f"the pinned key {key.kid} is not an Ed25519 Multikey: {exc}") from exc
            known = self._by_multibase.get(key.public_key_multibase)
            # The key file itself pins a key with no window; the history adds the window when it has one.
            if known is None or (known.created is None and known.retired is None):
                self._by_multibase[key.public_key_multibase] = key

    def for_kid(self, kid: str) -> PinnedKey | None:
        """The pinned key a kid names: by its fragment (the Multikey), whatever DID it is published under."""
        return self._by_multibase.get(kid.rpartition("#")[2])

    def __len__(self) -> int:
        return len(self._by_multibase)


def history_path(key_path: Path) -> Path:
    return key_path.with_name(f"{key_path.stem}.history.json")


def read_key_history_sync(path: Path) -> list[PinnedKey]:
    """The history at `path`; empty when there is none yet. A malformed file is an error, never ignored."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise KeyHistoryError(f"cannot read the key history {path.name}: {exc.strerror}") from exc
    if len(data) > _MAX_HISTORY_BYTES:
        raise KeyHistoryError(f"the key history {path.name} is larger than {_MAX_HISTORY_BYTES} bytes")
    try:
        return list(_decoder.decode(data).keys)
    except msgspec.DecodeError as exc:
        raise KeyHistoryError(f"the key history {path.name} is malformed: {exc}") from exc


def _write_history_sync(path: Path, keys: list[PinnedKey]) -> None:
    """Write atomically (a temporary file, then rename), world-readable: it holds public keys only."""
    pending = path.with_name(f".{path.name}.new")
    pending.write_bytes(msgspec.json.format(msgspec.json.encode(KeyHistory(keys=keys)), indent=2) + b"\n")
    os.chmod(pending, 0o644)
    os.replace(pending, path)


def record_key_sync(
    key_path: Path, *, kid: str, public_key_multibase: str, created: datetime, replaces: PinnedKey | None = None
) -> None:
    """Record a new active key in the history beside `key_path`; every other key still active there (and
    `replaces`, added when the history did not know it) is retired at `created`."""
    path = history_path(key_path)
    keys = read_key_history_sync(path)
    if replaces is not None and all(k.public_key_multibase != replaces.public_key_multibase for k in keys):
        keys.append(replaces)
    keys = [
        k if k.retired is not None else msgspec.structs.replace(k, retired=created)
        for k in keys
        if k.public_key_multibase != public_key_multibase
    ]
    keys.append(PinnedKey(kid=kid, public_key_multibase=public_key_multibase, created=created))
    _write_history_sync(path, keys)


def pinned_keys_sync(key_path: Path | None, active: PinnedKey | None, history: Path | None = None) -> PinnedKeys:
    """The configured key (`active`, read from `key_path` by the caller) plus the history beside it, or `history`."""
    path = history if history is not None else (history_path(key_path) if key_path is not None else None)
    keys = read_key_history_sync(path) if path is not None else []
    return PinnedKeys([*keys, *([active] if active is not None else [])])


async def pinned_keys(key_path: Path | None, active: PinnedKey | None, history: Path | None = None) -> PinnedKeys:
    return await asyncio.to_thread(pinned_keys_sync, key_path, active, history)
