"""The one place a signing-key file is read or written (start-up, the running key source, rotation, the CLI).

A key file is a PKCS#8 PEM, encrypted when SIGNING_KEY_PASSPHRASE is set, created 0600 from the start so the
private key is never readable by others, not even briefly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from verify_api.errors import SigningKeyError
from verify_api.proofs.keys import load_signer, private_key_pem

if TYPE_CHECKING:
    from pathlib import Path

    from verify_api.proofs.keys import Signer
    from verify_api.settings import Settings


def key_passphrase(settings: Settings) -> bytes | None:
    """SIGNING_KEY_PASSPHRASE as bytes, None when unset (the key file is then unencrypted)."""
    return settings.signing_key_passphrase.encode() if settings.signing_key_passphrase else None


def read_key_file(path: Path, passphrase: bytes | None) -> Signer:
    """The signer in the key file at `path`; an unreadable or undecodable file is a `SigningKeyError`."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing key file {path.name}: {exc.strerror}") from exc
    return load_signer(pem, passphrase, source=path.name)


def write_key_file(path: Path, signer: Signer, passphrase: bytes | None) -> None:
    """Write `signer` to a new file at `path` (0600; an existing file is an error, never overwritten here)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_key_pem(signer, passphrase))


@dataclass(frozen=True)
class Rotation:
    """A key file replaced by a new key (Ed25519 or P-256): the kids before and after, and where the key lives."""

    old_kid: str
    new_kid: str
    key_path: Path
    # Retired private-key copies deleted from beside the key (left by earlier versions; never for a P-256 key).
    removed: list[Path] = field(default_factory=list)
