"""`verify-api keys generate` writes the P-256 key (ES256 JWTs) beside the Ed25519 key, 0600; `keys rotate --p256`
retires it in the register (its public key stays published) and puts a new one in its place.

Before: there was no P-256 key, so nothing could be signed ES256.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tests.conftest import BASE_URL
from verify_api.cli.main import main
from verify_api.db.pool import connect
from verify_api.db.signing_keys import SigningKeys
from verify_api.proofs.p256 import load_p256_signer
from verify_api.services.p256_keys import p256_key_path
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _signing_keys(database_url: str) -> dict[str, object]:
    async def run() -> dict[str, object]:
        conn = await connect(database_url)
        try:
            return {k.kid: k.retired_at for k in await SigningKeys(conn).list_all()}
        finally:
            await conn.close()

    return asyncio.run(run())


def test_keys_generate_then_rotate_p256(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = tmp_path / "issuer.pem"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    monkeypatch.delenv("SIGNING_KEY_PASSPHRASE", raising=False)
    assert main(["keys", "generate", "--path", str(key_path)]) == 0
    p256_path = p256_key_path(load_settings({}, signing_key_path=str(key_path)))
    assert p256_path == tmp_path / "issuer.p256.pem"
    assert p256_path.stat().st_mode & 0o777 == 0o600
    first = load_p256_signer(p256_path.read_bytes(), None, source="test")
    assert first.public_key_multibase.startswith("zDn")

    assert main(["keys", "rotate", "--p256"]) == 0
    out = capsys.readouterr().out
    second = load_p256_signer(p256_path.read_bytes(), None, source="test")
    assert second.public_key_multibase != first.public_key_multibase
    old_kid = f"did:web:verify.test.example#{first.public_key_multibase}"
    new_kid = f"did:web:verify.test.example#{second.public_key_multibase}"
    assert f"retired: {old_kid}" in out
    keys = _signing_keys(database_url)
    assert keys[old_kid] is not None  # retired, still published
    assert keys[new_kid] is None
    assert not list(tmp_path.glob(".issuer.p256.pem.new"))


def test_keys_compromise_of_the_active_p256_key_rotates_it_first(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Compromising the P-256 key replaces the P-256 key file (never the Ed25519 one), so ES256 signing goes on."""
    key_path = tmp_path / "issuer.pem"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    monkeypatch.delenv("SIGNING_KEY_PASSPHRASE", raising=False)
    assert main(["keys", "generate", "--path", str(key_path)]) == 0
    ed25519_pem = key_path.read_bytes()
    p256_path = tmp_path / "issuer.p256.pem"
    first = load_p256_signer(p256_path.read_bytes(), None, source="test")
    kid = f"did:web:verify.test.example#{first.public_key_multibase}"
    assert main(["keys", "rotate", "--p256"]) == 0  # registers the first key (retired) and a second, active
    second = load_p256_signer(p256_path.read_bytes(), None, source="test")
    kid = f"did:web:verify.test.example#{second.public_key_multibase}"
    capsys.readouterr()
    assert main(["keys", "compromise", kid, "--since", "2026-11-27T09:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert f"{kid} was the active P-256 key: rotated to" in out
    assert key_path.read_bytes() == ed25519_pem
    third = load_p256_signer(p256_path.read_bytes(), None, source="test")
    assert third.public_key_multibase not in (first.public_key_multibase, second.public_key_multibase)
    keys = _signing_keys(database_url)
    assert keys[kid] is not None
    assert keys[f"did:web:verify.test.example#{third.public_key_multibase}"] is None
