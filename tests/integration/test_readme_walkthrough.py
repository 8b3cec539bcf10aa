"""The README's walkthrough, run unchanged as a script against a real `verify-api serve` (granian) process."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]


def walkthrough_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Walkthrough", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "README has no bash block under 'Walkthrough'"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    key_path = tmp_path / "key.pem"
    subprocess.run(
        [sys.executable, "-m", "verify_api", "keys", "generate", "--path", str(key_path)],
        check=True,
        capture_output=True,
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SIGNING_KEY_PATH": str(key_path),
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("SIGNING_KEY_PASSPHRASE", None)
    log_path = tmp_path / "server.log"
    log_file = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "verify_api", "serve"],
        env=env,
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base, env
    finally:
        server.terminate()
        server.wait(timeout=15)
        log_file.close()
        # Secrets stay secret: the server's own log never shows key material.
        assert "PRIVATE KEY" not in log_path.read_text()


def test_readme_walkthrough_runs_unchanged(served: tuple[str, dict[str, str]]) -> None:
    base, env = served
    result = subprocess.run(
        ["bash", "-c", walkthrough_script()],
        env={**env, "PAI_VERIFY_URL": base},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lookup = json.loads(result.stdout)
    assert lookup["tier"] == "AIDA"
    assert lookup["status"] == "active"
    assert lookup["verified"] is True
    assert lookup["subject"]["name"] == "Ada Lovelace"


def test_served_app_has_interactive_docs(served: tuple[str, dict[str, str]]) -> None:
    base, _ = served
    with urllib.request.urlopen(f"{base}/docs", timeout=5) as response:
        assert response.status == 200
        assert b"swagger" in response.read().lower()
    with urllib.request.urlopen(f"{base}/openapi.json", timeout=5) as response:
        assert json.loads(response.read())["info"]["title"] == "PAI Verify"
