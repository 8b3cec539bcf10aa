"""Key generation and rotation pin public keys beside the key file, so `audit verify` needs no private key and
no key from the database: it keeps verifying checkpoints of a rotated-out key whose private key is gone."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tests.conftest import BASE_URL
from verify_api.cli.main import main
from verify_api.db.events import Events
from verify_api.db.pool import connect
from verify_api.services.key_history import history_path

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _append_events(database_url: str, n: int) -> None:
    async def run() -> None:
        conn = await connect(database_url)
        try:
            for _ in range(n):
                await Events(conn).append(kind="test", occurred_at=datetime.now(UTC))
        finally:
            await conn.close()

    asyncio.run(run())


def test_rotated_key_stays_pinned_after_its_private_key_is_gone(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = tmp_path / "issuer.pem"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    assert main(["keys", "generate", "--path", str(key_path)]) == 0
    history = json.loads(history_path(key_path).read_text())["keys"]
    assert [(k["kid"].split("#")[0], k["retired"]) for k in history] == [("did:web:verify.test.example", None)]

    _append_events(database_url, 3)
    assert main(["audit", "checkpoint"]) == 0
    assert main(["keys", "rotate"]) == 0
    history = json.loads(history_path(key_path).read_text())["keys"]
    assert len(history) == 2
    assert history[0]["retired"] is not None
    assert history[1]["retired"] is None
    _append_events(database_url, 3)
    assert main(["audit", "checkpoint"]) == 0
    for retired_copy in tmp_path.glob("issuer.retired-*.pem"):
        retired_copy.unlink()
    capsys.readouterr()

    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "checked 6 events and 2 signed checkpoints against 2 pinned keys" in out
    assert "the event log is intact" in out


def test_verify_needs_no_passphrase_when_the_history_pins_the_key(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = tmp_path / "issuer.pem"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    monkeypatch.setenv("SIGNING_KEY_PASSPHRASE", "correct horse")
    assert main(["keys", "generate", "--path", str(key_path)]) == 0
    _append_events(database_url, 2)
    assert main(["audit", "checkpoint"]) == 0
    monkeypatch.delenv("SIGNING_KEY_PASSPHRASE")  # an auditor without the secret
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    captured = capsys.readouterr()
    assert "against 1 pinned keys" in captured.out
    assert "pinning the keys of issuer.history.json only" in captured.err
    history_path(key_path).unlink()
    assert main(["audit", "verify"]) == 2  # nothing pinned: the check cannot run


def test_compare_refuses_a_bad_saved_copy(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = tmp_path / "issuer.pem"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    assert main(["keys", "generate", "--path", str(key_path)]) == 0
    saved = tmp_path / "saved.json"
    forged = {
        "seq": 1,
        "entryHash": "00" * 32,
        "signedAt": "2026-11-27T09:00:00Z",
        "kid": "did:web:attacker.example#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "signature": "00" * 64,
        "version": 2,
    }
    saved.write_text(json.dumps({"checkpoints": [forged], "next": None}))
    capsys.readouterr()
    assert main(["audit", "compare", str(saved)]) == 1
    assert "saved checkpoint at entry 1 (2026-11-27T09:00:00+00:00): cannot be trusted" in capsys.readouterr().out
    for hostile in ({**forged, "seq": 2**64}, {**forged, "signedAt": "2026-11-27T09:00:00"}, [1]):
        saved.write_text(json.dumps({"checkpoints": [hostile]}))
        assert main(["audit", "compare", str(saved)]) == 2
        assert "is not a saved copy of GET /v1/audit/checkpoints" in capsys.readouterr().err
