"""`verify-api serve` refuses to start with an unusable signing key, saying why and never showing the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]


def serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verify_api", "serve"],
        env={**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_with_wrong_passphrase_stops_with_clear_message(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    subprocess.run(
        [sys.executable, "-m", "verify_api", "keys", "generate", "--path", str(key)],
        env={**os.environ, "SIGNING_KEY_PASSPHRASE": "correct horse"},
        check=True,
        capture_output=True,
    )
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    result = serve({"SIGNING_KEY_PATH": str(key), "SIGNING_KEY_PASSPHRASE": "wrong horse"})
    assert result.returncode == 2
    assert "passphrase" in result.stderr
    assert "PRIVATE KEY" not in result.stderr + result.stdout


@pytest.mark.parametrize("passphrase", [None, b"s3cret"], ids=["plain", "encrypted"])
def test_serve_with_non_ed25519_key_stops_with_clear_message(tmp_path: Path, passphrase: bytes | None) -> None:
    key = tmp_path / "rsa.pem"
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    key.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
    )
    env = {"SIGNING_KEY_PATH": str(key)} | ({"SIGNING_KEY_PASSPHRASE": passphrase.decode()} if passphrase else {})
    result = serve(env)
    assert result.returncode == 2
    assert "RSA" in result.stderr
    assert "Ed25519" in result.stderr
    assert "PRIVATE KEY" not in result.stderr + result.stdout


def test_serve_with_missing_key_file_stops_with_clear_message(tmp_path: Path) -> None:
    result = serve({"SIGNING_KEY_PATH": str(tmp_path / "absent.pem")})
    assert result.returncode == 2
    assert "cannot read the signing key file absent.pem" in result.stderr
