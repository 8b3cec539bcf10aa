"""The real app served by `verify-api serve` (granian) on a free 127.0.0.1 port, as deployed.

Shared by the README walkthrough test and the browser tests.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from verify_api.cli.main import main

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ServedApp:
    origin: str
    env: dict[str, str]
    log_path: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_app(database_url: str, work_dir: Path, **settings: str) -> Iterator[ServedApp]:
    """Generate a key, start `verify-api serve`, wait for /health, and stop it afterwards."""
    port = free_port()
    key_path = work_dir / "key.pem"
    # `keys generate` in this process (as tests/integration/test_key_history_cli.py runs it): the same command,
    # without starting another interpreter to import the package once more.
    assert main(["keys", "generate", "--path", str(key_path)]) == 0
    origin = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "SIGNING_KEY_PATH": str(key_path), "PORT": str(port)}
    env |= {"PUBLIC_BASE_URL": origin, "NOTIFY_DISPATCH": "false", **settings}  # as tests/conftest.py: no outbox
    env.pop("SIGNING_KEY_PASSPHRASE", None)
    log_path = work_dir / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "verify_api", "serve"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            # Generous: on a shared 2-core machine under load, importing and starting can take half a minute.
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{origin}/health", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
            yield ServedApp(origin=origin, env=env, log_path=log_path)
        finally:
            server.terminate()
            server.wait(timeout=15)
