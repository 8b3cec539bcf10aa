"""`verify-api backup` and `restore` end to end against the real test PostgreSQL: issue, back up, restore into a new
database, and the restored service answers the same credential as valid and its audit chain verifies."""

from __future__ import annotations

import asyncio
import json
import stat
import uuid
from typing import TYPE_CHECKING

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, api_key, with_database
from tests.factories import make_aida
from verify_api.app import create_app
from verify_api.cli.main import main
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

PASSPHRASE = "correct horse battery staple"


async def _issue(database_url: str, key_path: Path) -> tuple[str, bytes]:
    """An AIDA credential issued through the API under the key file: its id and its signed document."""
    settings = load_settings(
        {"SIGNING_KEY_PASSPHRASE": PASSPHRASE},
        database_url=database_url,
        public_base_url=BASE_URL,
        signing_key_path=str(key_path),
    )
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
    async with AsyncTestClient(app=create_app(settings), base_url=BASE_URL) as client:
        credential = await make_aida(client, headers)
        document = (await client.get(f"/v1/credentials/{credential['id']}/vc")).content
    return credential["id"], document


async def _answers(database_url: str, key_path: Path, credential_id: str, document: bytes) -> tuple[str, bool]:
    settings = load_settings(
        {"SIGNING_KEY_PASSPHRASE": PASSPHRASE},
        database_url=database_url,
        public_base_url=BASE_URL,
        signing_key_path=str(key_path),
    )
    async with AsyncTestClient(app=create_app(settings), base_url=BASE_URL) as client:
        looked_up = (await client.get(f"/v1/credentials/{credential_id}")).json()
        verified = await client.post("/v1/verify", content=document, headers={"Content-Type": "application/json"})
    return looked_up["status"], verified.json()["verified"]


async def _create_database(server_url: str) -> str:
    name = f"verify_restored_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    finally:
        await admin.close()
    return with_database(server_url, name)


async def _drop_database(server_url: str, url: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


def test_backup_restores_into_a_new_database_with_the_same_answers(
    database_url: str,
    database_server_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_path = tmp_path / "site-a" / "issuer.pem"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    monkeypatch.setenv("SIGNING_KEY_PASSPHRASE", PASSPHRASE)
    assert main(["keys", "generate", "--path", str(key_path)]) == 0
    credential_id, document = asyncio.run(_issue(database_url, key_path))
    assert main(["audit", "checkpoint"]) == 0

    backup = tmp_path / "backup"
    capsys.readouterr()
    assert main(["backup", str(backup), "--with-keys"]) == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    assert set(manifest["files"]) == {
        "database.dump",
        "keys/issuer.pem",
        "keys/issuer.p256.pem",
        "keys/issuer.history.json",
    }
    assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert stat.S_IMODE((backup / "database.dump").stat().st_mode) == 0o600
    for name in ("issuer.pem", "issuer.p256.pem"):
        assert (backup / "keys" / name).read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")

    # Restore on "another machine": a new empty database, key files put back under another path.
    restored_url = asyncio.run(_create_database(database_server_url))
    try:
        restored_key = tmp_path / "site-b" / "issuer.pem"
        monkeypatch.setenv("DATABASE_URL", restored_url)
        monkeypatch.setenv("SIGNING_KEY_PATH", str(restored_key))
        assert main(["restore", str(backup), "--with-keys"]) == 0
        assert restored_key.read_bytes() == key_path.read_bytes()
        assert main(["restore", str(backup)]) == 2  # a second time: the database is no longer empty
        assert "not empty" in capsys.readouterr().err

        status, verified = asyncio.run(_answers(restored_url, restored_key, credential_id, document))
        assert (status, verified) == ("active", True)
        capsys.readouterr()
        assert main(["audit", "verify"]) == 0
        out = capsys.readouterr().out
        assert "the event log is intact" in out
        assert "1 signed checkpoints" in out
    finally:
        asyncio.run(_drop_database(database_server_url, restored_url))


def test_backup_refuses_to_put_a_clear_private_key_in_a_backup(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = tmp_path / "issuer.pem"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    monkeypatch.delenv("SIGNING_KEY_PASSPHRASE", raising=False)
    assert main(["keys", "generate", "--path", str(key_path)]) == 0
    capsys.readouterr()
    assert main(["backup", str(tmp_path / "backup"), "--with-keys"]) == 2
    assert "is not encrypted" in capsys.readouterr().err
    assert not (tmp_path / "backup").exists()


def test_restore_refuses_a_damaged_backup(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(tmp_path / "issuer.pem"))
    backup = tmp_path / "backup"
    assert main(["backup", str(backup)]) == 0
    assert not (backup / "keys").exists()  # no key file, no history: nothing to copy
    dump = backup / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["restore", str(backup)]) == 2
    assert "does not match its SHA-256" in capsys.readouterr().err
