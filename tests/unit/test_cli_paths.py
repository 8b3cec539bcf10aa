"""Data and key directories come from settings (DATA_DIR, KEYS_DIR), relative to the working directory by default."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from verify_api.cli.main import main
from verify_api.cli.runtime import dev_key_path, running_url_file
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_defaults_are_relative_to_the_working_directory() -> None:
    settings = load_settings({})
    assert dev_key_path(settings).as_posix() == "keys/dev-signing-key.pem"
    assert running_url_file(settings).as_posix() == ".data/database_url"


def test_keys_generate_writes_the_dev_key_under_keys_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYS_DIR", str(tmp_path / "secrets"))
    monkeypatch.delenv("SIGNING_KEY_PASSPHRASE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["keys", "generate"]) == 0
    key = tmp_path / "secrets" / "dev-signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (tmp_path / "secrets" / "dev-signing-key.history.json").is_file()
    assert not (tmp_path / "keys").exists()
    assert main(["keys", "generate"]) == 1  # never overwritten without --force
