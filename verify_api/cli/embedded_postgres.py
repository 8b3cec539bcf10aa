"""A local PostgreSQL cluster for `make run` (persistent, under `.data/`) and the tests (throwaway).

Nobody is trusted: every connection, over TCP on 127.0.0.1 or the Unix socket, authenticates with a password
(SCRAM-SHA-256) generated at initdb and kept in the data dir (`pai_verify_password`, mode 0600, owned by the
server's user); pg_hba.conf is rewritten on every start, so a cluster made by an older version (which trusted
local users) is closed too. The Unix socket lives in the data dir itself (mode 0700), so only the server's user
and root can reach it. The URL handed out carries the password: it works with asyncpg, psql and pg_dump. It holds
development or test data; production sets DATABASE_URL.

Finding the server binaries and running them as an unprivileged user: cli/postgres_tools.py; where that user can
reach them and the data when root runs it from a private folder: cli/postgres_home.py.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from verify_api.cli.postgres_home import reachable_bin_dir, reachable_data_dir
from verify_api.cli.postgres_tools import (
    EmbeddedPostgresError,
    PortInUseError,
    chown_tree,
    find_bin_dir,
    run_tool,
    unprivileged_user,
)

if TYPE_CHECKING:
    import pwd
    from collections.abc import Callable, Iterator

    from verify_api.cli.postgres_tools import Backend

SUPERUSER = "postgres"
LOG_FILE = "postgres.log"
OWNER_FILE = "embedded_owner.pid"
PASSWORD_FILE = "pai_verify_password"  # noqa: S105 - the name of the file that holds it
# Rewritten on every start (the cluster is ours alone): a password for everyone, replication included (a
# pg_basebackup standby), never `trust`.
HBA = """# Written by verify_api at every start of the embedded cluster; edits are lost.
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
local replication all scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256
host replication all ::1/128 scram-sha-256
"""
_MAX_SOCKET_PATH = 100  # sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS
_logger = logging.getLogger(__name__)
_live: set[PostgresCluster] = set()


class PostgresCluster:
    """A running cluster. `stop()` is idempotent and lock-free, so atexit or a signal handler may call it."""

    def __init__(self, data_dir: Path, port: int, bin_dir: Path, password: str, log: Callable[[str], None]) -> None:
        self.data_dir = data_dir
        self.port = port
        self.bin_dir = bin_dir
        self.password = password
        self.url = f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres"
        self.display_url = f"postgresql://{SUPERUSER}:***@127.0.0.1:{port}/postgres"  # for logs: no password
        self._log = log
        self._postmaster_pid = _postmaster_pid(data_dir)
        self._stopped = False

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        _live.discard(self)
        current = _postmaster_pid(self.data_dir)
        if current != self._postmaster_pid:
            why = "was restarted by someone else; leaving it running" if current else "had already stopped"
            self._log(f"PostgreSQL in {self.data_dir} {why}")
            return
        began = time.monotonic()
        _stop_server(self.bin_dir, self.data_dir)
        self._log(f"PostgreSQL stopped in {time.monotonic() - began:.2f}s")

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# PLR0913: keyword-only options of the dev cluster
def start_cluster(  # noqa: PLR0913
    data_dir: Path,
    *,
    port: int | None = None,
    durable: bool = True,
    backend: Backend | None = None,
    timeout: float = 30.0,
    log: Callable[[str], None] = _logger.info,
) -> PostgresCluster:
    """Initialise `data_dir` on first use, then start PostgreSQL on 127.0.0.1 and wait until it answers.

    `durable=False` turns off fsync, synchronous_commit and full_page_writes: a crash may lose or corrupt
    data, which a throwaway test cluster can afford in exchange for writes that never wait on the disk.
    """
    bin_dir = find_bin_dir(backend)
    requested = Path(os.path.abspath(data_dir))
    # One spelling (resolved), as leftover detection matches it in the postmaster's argv.
    if (run_as := unprivileged_user(log)) is not None:
        bin_dir = reachable_bin_dir(bin_dir, run_as, log)
        data_dir = reachable_data_dir(requested, run_as, log)
    else:
        data_dir = requested.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if run_as is not None:
        chown_tree(data_dir, run_as)
    if not (data_dir / "PG_VERSION").is_file():
        began = time.monotonic()
        _initdb(bin_dir, data_dir, durable=durable, timeout=timeout, run_as=run_as)
        log(f"initdb {data_dir} with {bin_dir} took {time.monotonic() - began:.2f}s")
    _clear_leftover_server(bin_dir, data_dir, log)
    password = _ensure_password(bin_dir, data_dir, timeout, run_as, log)
    _write_private_file(data_dir / "pg_hba.conf", HBA, run_as)
    began = time.monotonic()
    chosen_port = port or _free_port()
    for attempts_left in (2, 1, 0) if port is None else (0,):  # a free port can be taken before we bind it
        try:
            _start_server(bin_dir, data_dir, chosen_port, durable, timeout)
            break
        except PortInUseError:
            if not attempts_left:
                raise
            log(f"port {chosen_port} was taken before PostgreSQL could bind it; retrying on another")
            chosen_port = _free_port()
    cluster = PostgresCluster(data_dir, chosen_port, bin_dir, password, log)
    log(f"PostgreSQL started in {time.monotonic() - began:.2f}s at {cluster.display_url}, log in {LOG_FILE}")
    atexit.unregister(stop_all_clusters)  # register once, lazily, rather than at import
    atexit.register(stop_all_clusters)
    _live.add(cluster)
    return cluster


def stop_all_clusters() -> None:
    """Runs at exit; call it from a SIGTERM handler too, as Python skips atexit when killed by a signal."""
    for cluster in list(_live):
        cluster.stop()


@contextlib.contextmanager
def temporary_cluster(
    *, backend: Backend | None = None, log: Callable[[str], None] = _logger.info
) -> Iterator[PostgresCluster]:
    """A non-durable cluster in a fresh temp dir, removed afterwards.

    The temp dir is made traversable (0711) because mkdtemp creates it 0700 for root, and the
    postgres user must pass through it to reach its data directory.
    """
    root = Path(tempfile.mkdtemp(prefix="pai-verify-pg-"))
    try:
        root.chmod(0o711)
        with start_cluster(root / "data", durable=False, backend=backend, log=log) as cluster:
            yield cluster
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _initdb(bin_dir: Path, data_dir: Path, *, durable: bool, timeout: float, run_as: pwd.struct_passwd | None) -> None:
    """initdb with a generated superuser password, read from a file beside the data dir (initdb wants it empty)."""
    password = secrets.token_urlsafe(24)  # URL-safe: it goes into the DATABASE_URL as it is
    pwfile = data_dir.parent / f".{data_dir.name}.pwfile"
    _write_private_file(pwfile, password + "\n", run_as)
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "-E", "UTF8", "--locale=C"]
        initdb += ["--auth=scram-sha-256", f"--pwfile={pwfile}", *([] if durable else ["--no-sync"])]
        run_tool(initdb, data_dir, timeout, "initdb failed")
    finally:
        pwfile.unlink(missing_ok=True)
    _write_private_file(data_dir / PASSWORD_FILE, password, run_as)


def _ensure_password(
    bin_dir: Path, data_dir: Path, timeout: float, run_as: pwd.struct_passwd | None, log: Callable[[str], None]
) -> str:
    """The superuser's password; a cluster made before passwords (it trusted local users) gets one now, set in
    single-user mode so the server never listens while it has none."""
    with contextlib.suppress(FileNotFoundError):
        return (data_dir / PASSWORD_FILE).read_text().strip()
    password = secrets.token_urlsafe(24)
    single = [str(bin_dir / "postgres"), "--single", "-D", str(data_dir), "postgres"]
    statement = f"ALTER ROLE {SUPERUSER} PASSWORD '{password}';\n"  # token_urlsafe: no quote to escape
    run_tool(single, data_dir, timeout, "setting the superuser password failed", stdin=statement)
    _write_private_file(data_dir / PASSWORD_FILE, password, run_as)
    log(f"PostgreSQL in {data_dir} trusted local users; it now requires the password in {PASSWORD_FILE}")
    return password


def _write_private_file(path: Path, text: str, run_as: pwd.struct_passwd | None) -> None:
    """Mode 0600 from the start (never readable by others, even briefly), owned by the server's user."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        if run_as is not None:
            os.fchown(f.fileno(), run_as.pw_uid, run_as.pw_gid)
        os.fchmod(f.fileno(), 0o600)
        f.write(text)


def _start_server(bin_dir: Path, data_dir: Path, port: int, durable: bool, timeout: float) -> None:
    socket_dir = str(data_dir) if len(f"{data_dir}/.s.PGSQL.{port}") <= _MAX_SOCKET_PATH else ""
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {shlex.quote(socket_dir)}"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    log_file = data_dir / LOG_FILE
    log_start = log_file.stat().st_size if log_file.exists() else 0
    pg_ctl = [str(bin_dir / "pg_ctl"), "start", "-D", str(data_dir), "-l", str(log_file), "-w"]
    try:
        run_tool([*pg_ctl, "-t", str(int(timeout)), "-o", options], data_dir, timeout + 10, "pg_ctl start failed")
        _wait_until_ready(bin_dir, port, time.monotonic() + timeout)
    except (EmbeddedPostgresError, subprocess.TimeoutExpired) as error:
        _stop_server(bin_dir, data_dir)
        tail = _read_log_tail(log_file, log_start)
        kind = PortInUseError if "Address already in use" in tail else EmbeddedPostgresError
        raise kind(f"PostgreSQL did not start on port {port}: {error}\n--- {log_file} ---\n{tail}") from error
    (data_dir / OWNER_FILE).write_text(str(os.getpid()))


def _wait_until_ready(bin_dir: Path, port: int, deadline: float) -> None:
    """pg_ctl -w trusts postmaster.pid; a real handshake over TCP proves the URL we hand out works."""
    argv = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, "-t", "1"]
    while subprocess.run(argv, check=False, timeout=5).returncode != 0:  # noqa: S603
        if time.monotonic() > deadline:
            raise EmbeddedPostgresError(f"PostgreSQL is not accepting connections on port {port}")
        time.sleep(0.05)


def _clear_leftover_server(bin_dir: Path, data_dir: Path, log: Callable[[str], None]) -> None:
    """Make a start after an unclean exit work, without taking over a cluster a live process owns.

    A killed postmaster leaves a stale postmaster.pid whose pid may since belong to another process;
    a killed Python process leaves the postmaster running (pg_ctl detaches it into its own session).
    """
    pid = _postmaster_pid(data_dir)
    if pid is None:
        return
    if not _is_postmaster_of(pid, data_dir):
        (data_dir / "postmaster.pid").unlink(missing_ok=True)
        log(f"removed stale postmaster.pid (pid {pid} is not a PostgreSQL server for this data dir)")
        return
    owner = _read_pid(data_dir / OWNER_FILE)
    if owner is not None and _pid_alive(owner):
        raise EmbeddedPostgresError(f"PostgreSQL in {data_dir} is in use by live process {owner}")
    log(f"stopping PostgreSQL pid {pid}, left running by an earlier start whose process has gone")
    _stop_server(bin_dir, data_dir)


def _stop_server(bin_dir: Path, data_dir: Path) -> None:
    pg_ctl = [str(bin_dir / "pg_ctl"), "stop", "-D", str(data_dir), "-w", "-t", "30"]
    with contextlib.suppress(EmbeddedPostgresError, subprocess.TimeoutExpired):
        run_tool([*pg_ctl, "-m", "fast"], data_dir, 40, "pg_ctl stop failed")
        return
    if _postmaster_pid(data_dir) is not None:  # fast shutdown failed or hung: do not leave it running
        run_tool([*pg_ctl, "-m", "immediate"], data_dir, 40, "pg_ctl stop -m immediate failed")


def _postmaster_pid(data_dir: Path) -> int | None:
    return _read_pid(data_dir / "postmaster.pid")


def _read_pid(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(path.read_text().split("\n", 1)[0])
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        pass
    return True


def _is_postmaster_of(pid: int, data_dir: Path) -> bool:
    if not Path("/proc/self").is_dir():  # no procfs (macOS): trust any live pid
        return _pid_alive(pid)
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except PermissionError:  # hidepid: assume the worst, that it is a live server
        return True
    except OSError:
        return False
    return Path(argv[0]).name in ("postgres", "postmaster") and str(data_dir) in argv


def _read_log_tail(log_file: Path, offset: int, lines: int = 30) -> str:
    try:
        with log_file.open("rb") as f:
            f.seek(offset)
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log written)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
