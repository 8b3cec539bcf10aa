"""The embedded PostgreSQL against real initdb/pg_ctl binaries and real asyncpg connections."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import pytest

from verify_api.cli import postgres_tools
from verify_api.cli.embedded_postgres import start_cluster, temporary_cluster
from verify_api.cli.postgres_tools import Backend, EmbeddedPostgresError, PortInUseError, find_bin_dir

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[2]


def _skip_unless_available(backend: Backend) -> None:
    try:
        find_bin_dir(backend)
    except EmbeddedPostgresError as error:
        pytest.skip(f"{backend} backend unavailable here: {error}")


def _fetchval(url: str, sql: str) -> object:
    async def fetchval() -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    return asyncio.run(fetchval())


def _wait_until_gone(pid: int) -> None:
    """SIGKILL is asynchronous. A zombie (empty cmdline) counts as gone: in a container nobody may reap it."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if not Path(f"/proc/{pid}/cmdline").read_bytes():
                return
        except FileNotFoundError:
            return
        time.sleep(0.01)
    pytest.fail(f"pid {pid} survived SIGKILL")


@pytest.fixture
def data_root() -> Iterator[Path]:
    """Not tmp_path: /tmp/pytest-of-root is 0700, so the postgres user (used as root) cannot pass it."""
    root = Path(tempfile.mkdtemp(prefix="pai-verify-test-"))
    root.chmod(0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _venv_closed_to_others() -> bool:
    """Whether a folder above the venv (where pgserver keeps its binaries) is closed to other users (a root-only
    clone, mode 0700): the postgres user that root runs the cluster as cannot reach them there."""
    return any(not (parent.stat().st_mode & 0o001) for parent in Path(sys.prefix).resolve().parents)


@pytest.mark.parametrize("backend", ["binaries", "pgserver"])
def test_start_cluster_persists_data_across_restarts(data_root: Path, backend: Backend) -> None:
    _skip_unless_available(backend)
    data_dir = data_root / "data"
    if backend == "pgserver" and os.geteuid() == 0 and _venv_closed_to_others():
        # Known limit (issue 10): the binaries must be reachable by postgres; until then the answer is this clear
        # error naming the folder and the fix, never a half-started cluster.
        with pytest.raises(EmbeddedPostgresError, match=r"cannot traverse .*chmod o\+x"):
            start_cluster(data_dir, durable=False, backend=backend)
        return
    with start_cluster(data_dir, durable=False, backend=backend) as cluster:
        assert cluster.url.startswith("postgresql://postgres@127.0.0.1:")
        assert _fetchval(cluster.url, "select 1") == 1
        assert _fetchval(cluster.url, "show listen_addresses") == "127.0.0.1"
        assert _fetchval(cluster.url, "show unix_socket_directories") == str(cluster.data_dir)
        assert _fetchval(cluster.url, "show fsync") == "off"
        _fetchval(cluster.url, "create table kept as select 'still here' as v")
    cluster.stop()  # a second stop is a no-op

    with start_cluster(data_dir, durable=True, backend=backend) as cluster:
        assert _fetchval(cluster.url, "select v from kept") == "still here"
        assert _fetchval(cluster.url, "show fsync") == "on"


def test_start_cluster_recovers_after_postmaster_is_killed(data_root: Path) -> None:
    _skip_unless_available("binaries")
    # durable: with synchronous_commit=off a SIGKILL may rightly lose the last commit
    cluster = start_cluster(data_root / "data", backend="binaries")
    _fetchval(cluster.url, "create table kept as select 7 as v")
    postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    _wait_until_gone(postmaster)

    with start_cluster(cluster.data_dir, backend="binaries") as again:
        assert _fetchval(again.url, "select v from kept") == 7
        cluster.stop()  # the stale handle must not stop the new server
        assert _fetchval(again.url, "select 1") == 1


def test_start_cluster_takes_over_server_only_once_its_owner_has_died(data_root: Path) -> None:
    _skip_unless_available("binaries")
    data_dir = data_root / "data"
    script = "; ".join(
        [
            "import sys, time, pathlib, verify_api.cli.embedded_postgres as pg",
            "pg.start_cluster(pathlib.Path(sys.argv[1]), durable=False, backend='binaries')",
            "print('up', flush=True)",
            "time.sleep(60)",
        ]
    )
    argv = [sys.executable, "-c", script, str(data_dir)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=REPO) as owner:
        try:
            assert owner.stdout is not None
            assert owner.stdout.readline().strip() == "up"
            with pytest.raises(EmbeddedPostgresError, match=f"in use by live process {owner.pid}"):
                start_cluster(data_dir, durable=False, backend="binaries")
        finally:
            owner.kill()

    with start_cluster(data_dir, durable=False, backend="binaries") as cluster:
        assert _fetchval(cluster.url, "select 1") == 1


def test_start_cluster_reports_port_in_use_with_log_tail(data_root: Path) -> None:
    _skip_unless_available("binaries")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError, match=r"(?s)postgres\.log.*Address already in use"):
            start_cluster(data_root / "data", port=port, durable=False, backend="binaries")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands PostgreSQL to another user")
def test_start_cluster_rejects_parent_the_postgres_user_cannot_traverse(data_root: Path) -> None:
    _skip_unless_available("binaries")
    locked = data_root / "locked"
    locked.mkdir(mode=0o700)
    with pytest.raises(EmbeddedPostgresError, match=r"user postgres \(we are root\) but cannot traverse .*locked"):
        start_cluster(locked / "data", backend="binaries")


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        (
            None,
            "no PostgreSQL server binaries found; install PostgreSQL .*`pip install pgserver`.*DATABASE_URL",
        ),
        ("binaries", "initdb/pg_ctl not on PATH"),
        ("pgserver", "pgserver is not installed; `pip install pgserver`"),
    ],
)
def test_start_cluster_explains_missing_backend(
    data_root: Path, monkeypatch: pytest.MonkeyPatch, backend: Backend | None, message: str
) -> None:
    monkeypatch.setenv("PATH", str(data_root))
    monkeypatch.setattr(postgres_tools, "_SYSTEM_BIN_ROOT", data_root)
    monkeypatch.delitem(sys.modules, "pgserver", raising=False)
    monkeypatch.setattr(sys, "path", [str(data_root)])
    with pytest.raises(EmbeddedPostgresError, match=message):
        start_cluster(data_root / "data", backend=backend)
    assert not (data_root / "data").exists()


def test_temporary_cluster_removes_its_directory() -> None:
    _skip_unless_available("binaries")
    with temporary_cluster(backend="binaries") as cluster:
        assert _fetchval(cluster.url, "show fsync") == "off"
    assert not cluster.data_dir.parent.exists()
