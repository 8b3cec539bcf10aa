"""Serve an ASGI app factory in a child process (granian or uvicorn) and stop it for sure.

Each server runs in its own session, so stopping it signals the whole process group (granian's workers
included) and nothing else. Servers still running when the bench exits for any reason are stopped by the
`finally` of `serve`, and as a last resort by an atexit hook.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterator

Server = Literal["granian", "uvicorn"]
_live: set[subprocess.Popen[bytes]] = set()


@dataclass(frozen=True)
class RunningServer:
    server: Server
    workers: int
    host: str
    port: int
    process_group: int

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def cpu_seconds(self) -> float:
        """User+system CPU time used so far by every live process of the server (master and workers)."""
        return process_group_cpu_seconds(self.process_group)

    def wait_until_quiet(self, *, busy_share: float = 0.05, settle: float = 0.5, timeout: float = 30.0) -> float:
        """Wait until the server's start-up work is done (seconds waited): its processes used under `busy_share` of
        one core over `settle` seconds. A served app does work of its own after answering /health (the RDFC
        template self-check thread, the outbox dispatcher's first scan, the change feed subscription): measured
        inside a load's window it would be charged to the requests, which a long-running server never pays."""
        started = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - started < timeout:
            time.sleep(settle)
            now = self.cpu_seconds()
            if now - before < busy_share * settle:
                break
            before = now
        return time.monotonic() - started


def process_group_cpu_seconds(pgid: int) -> float:
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # field 5, pgrp
            ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15, utime and stime
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_command(server: Server, target: str, *, host: str, port: int, workers: int) -> list[str]:
    if server == "granian":
        return [
            sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--workers", str(workers),
            "--host", host, "--port", str(port), "--no-access-log", "--log-level", "warning", target,
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", "--factory", target, "--workers", str(workers),
        "--host", host, "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    _live.discard(proc)
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)
    # Workers outlive a master killed hard; the group id is still ours to clean up.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _stop_all() -> None:
    for proc in list(_live):
        _stop(proc, grace=3.0)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the server exited with {proc.returncode} before answering:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the server did not answer {url} within {timeout:.0f}s:\n{tail}")
        time.sleep(0.1)


@contextlib.contextmanager
def serve(
    server: Server,
    target: str,
    *,
    env: dict[str, str],
    log_dir: Path,
    workers: int = 1,
    ready_path: str = "/health",
    timeout: float = 60.0,
    cwd: Path | None = None,
) -> Iterator[RunningServer]:
    host, port = "127.0.0.1", free_port()
    log_path = log_dir / f"{server}-{target.replace(':', '.')}-{workers}w-{port}.log"
    atexit.unregister(_stop_all)
    atexit.register(_stop_all)
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            server_command(server, target, host=host, port=port, workers=workers),
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _live.add(proc)
    try:
        running = RunningServer(server=server, workers=workers, host=host, port=port, process_group=proc.pid)
        _wait_ready(proc, running.origin + ready_path, log_path, timeout)
        yield running
    finally:
        _stop(proc)
