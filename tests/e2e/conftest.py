"""Browser fixtures: the real app served by `verify-api serve` on a free 127.0.0.1 port, and a headless Chromium.

Screenshots go to `test-artifacts/e2e/` (git-ignored). Without a Chromium on PATH the tests are skipped, saying
how to get one; `make test` installs Debian's `chromium` where it can.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import api_key
from tests.e2e.cdp import Page, browser_page, find_chromium

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("no Chromium on PATH: `apt-get install chromium` (as root; `make test` does it where it can)")
    return found


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The app in a granian process, as deployed; yields its origin (also its PUBLIC_BASE_URL)."""
    port = free_port()
    key_path = tmp_path / "key.pem"
    subprocess.run(
        [sys.executable, "-m", "verify_api", "keys", "generate", "--path", str(key_path)],
        check=True,
        capture_output=True,
    )
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "SIGNING_KEY_PATH": str(key_path), "PORT": str(port)}
    env |= {"PUBLIC_BASE_URL": base, "VERIFY_RATE_LIMIT_PER_MINUTE": "1000"}
    env.pop("SIGNING_KEY_PASSPHRASE", None)
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "verify_api", "serve"], env=env, cwd=ROOT, stdout=log,
                                  stderr=subprocess.STDOUT)  # fmt: skip
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
            yield base
        finally:
            server.terminate()
            server.wait(timeout=15)


@pytest.fixture
async def admin_auth(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue', 'manage'])}"}


@pytest.fixture
async def page(chromium: str, tmp_path: Path) -> AsyncIterator[Page]:
    async with browser_page(chromium, tmp_path / "profile", tmp_path / "chromium.log") as tab:
        yield tab
