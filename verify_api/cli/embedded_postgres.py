"""A local PostgreSQL cluster for `make run` (persistent, under `.data/`) and the tests (throwaway).

Authentication is `trust`: the cluster listens on 127.0.0.1 only, its unix socket lives inside the
data directory (mode 0700), and it holds development or test data. Anyone who can reach it already
runs code on this machine. Never point a production deployment at it; production sets DATABASE_URL.

PostgreSQL refuses to run as root. When we are root, initdb and pg_ctl run as the `postgres` system
user (via runuser, setpriv or su) and the data directory is chowned to it.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import pwd
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

Backend = Literal["binaries", "pgserver"]

SUPERUSER = "postgres"
RUN_AS_USER = "postgres"
LOG_FILE = "postgres.log"
OWNER_FILE = "embedded_owner.pid"
_TOOLS = ("initdb", "pg_ctl", "postgres", "pg_isready")
_SYSTEM_BIN_ROOT = Path("/usr/lib/postgresql")
_MAX_SOCKET_PATH = 100  # sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS
_FIX = "install PostgreSQL (`apt-get install postgresql`), or `pip install pgserver`, or set DATABASE_URL"
_logger = logging.getLogger(__name__)
_live: set[PostgresCluster] = set()


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be found, started or reached."""


class PortInUseError(EmbeddedPostgresError):
    """PostgreSQL could not bind its TCP port."""


class PostgresCluster:
    """A running cluster. `stop()` is idempotent and lock-free, so atexit or a signal handler may call it."""

    def __init__(self, data_dir: Path, port: int, bin_dir: Path, log: Callable[[str], None]) -> None:
        self.data_dir = data_dir
        self.port = port
        self.bin_dir = bin_dir
        self.url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
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
    data_dir = data_dir.resolve()  # one spelling, as leftover detection matches it in the postmaster's argv
    data_dir.mkdir(parents=True, exist_ok=True)
    if (run_as := _unprivileged_user(log)) is not None:
        _check_reachable(bin_dir, run_as)
        _check_reachable(data_dir.parent, run_as)
        _chown_tree(data_dir, run_as)
    if not (data_dir / "PG_VERSION").is_file():
        began = time.monotonic()
        initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "--auth=trust", "-U", SUPERUSER, "-E", "UTF8"]
        initdb += ["--locale=C", *([] if durable else ["--no-sync"])]
        _run(initdb, data_dir, timeout, "initdb failed")
        log(f"initdb {data_dir} with {bin_dir} took {time.monotonic() - began:.2f}s")
    _clear_leftover_server(bin_dir, data_dir, log)
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
    cluster = PostgresCluster(data_dir, chosen_port, bin_dir, log)
    log(f"PostgreSQL started in {time.monotonic() - began:.2f}s at {cluster.url}, log in {LOG_FILE}")
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


def find_bin_dir(backend: Backend | None = None) -> Path:
    """Prefer the system's PostgreSQL; fall back to the binaries bundled in the pgserver wheel.

    We only borrow pgserver's binaries: `import pgserver` creates a lock file under XDG_RUNTIME_DIR
    (warning when it is unset), and its server class, as root, runs `useradd pgserver`, chmods every
    parent of the data dir, and listens on a unix socket only. So the package is located, not imported.
    """
    if backend in (None, "binaries") and (found := _system_bin_dir()) is not None:
        return found
    if backend in (None, "pgserver") and (found := _pgserver_bin_dir()) is not None:
        return found
    if backend == "binaries":
        raise EmbeddedPostgresError(f"initdb/pg_ctl not on PATH or in {_SYSTEM_BIN_ROOT}/*/bin; {_FIX}")
    if backend == "pgserver":
        raise EmbeddedPostgresError("pgserver is not installed; `pip install pgserver` (or .[embedded])")
    raise EmbeddedPostgresError(f"no PostgreSQL server binaries found; {_FIX}")


def _system_bin_dir() -> Path | None:
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    found = _SYSTEM_BIN_ROOT.glob("*/bin")  # Debian/Ubuntu keep each major version apart; newest first
    candidates += sorted(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0, reverse=True)
    return next((d for d in candidates if _has_tools(d)), None)


def _pgserver_bin_dir() -> Path | None:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bin_dir if _has_tools(bin_dir) else None


def _has_tools(bin_dir: Path) -> bool:
    return all(os.access(bin_dir / tool, os.X_OK) for tool in _TOOLS)


def _unprivileged_user(log: Callable[[str], None]) -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam(RUN_AS_USER)
    except KeyError:
        msg = f"PostgreSQL refuses to run as root and there is no `{RUN_AS_USER}` user to run it as"
        raise EmbeddedPostgresError(f"{msg}; `useradd --system {RUN_AS_USER}` or run as non-root") from None
    log(f"running PostgreSQL as user {RUN_AS_USER} because we are root")
    return user


def _check_reachable(path: Path, user: pwd.struct_passwd) -> None:
    """We report rather than chmod: loosening a home or pytest dir is the owner's decision, not ours."""
    groups = set(os.getgrouplist(user.pw_name, user.pw_gid))
    for directory in (path, *path.parents):
        st = directory.stat()
        bit = stat.S_IXOTH
        if st.st_uid == user.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        if not st.st_mode & bit:
            raise EmbeddedPostgresError(
                f"PostgreSQL runs as user {user.pw_name} (we are root) but cannot traverse {directory} "
                f"(mode {stat.filemode(st.st_mode)}); use a data dir under a traversable path such as /tmp "
                f"or the repo, or `chmod o+x {directory}`"
            )


def _chown_tree(data_dir: Path, user: pwd.struct_passwd) -> None:
    if data_dir.stat().st_uid == user.pw_uid:
        return
    for parent, _dirs, files in os.walk(data_dir):  # every directory shows up once as `parent`
        for name in (parent, *(os.path.join(parent, f) for f in files)):
            os.chown(name, user.pw_uid, user.pw_gid, follow_symlinks=False)


def _as_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    if runuser := shutil.which("runuser"):
        return [runuser, "-u", RUN_AS_USER, "--", *argv]
    if setpriv := shutil.which("setpriv"):
        user = pwd.getpwnam(RUN_AS_USER)
        return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--", *argv]
    return ["su", "-s", "/bin/sh", RUN_AS_USER, "-c", shlex.join(argv)]


def _run(argv: list[str], data_dir: Path, timeout: float, failure: str) -> None:
    # cwd is the data dir because root's cwd (say /root) may be unreadable to the postgres user.
    argv = _as_user(argv)
    done = subprocess.run(argv, cwd=data_dir, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    if done.returncode != 0:
        raise EmbeddedPostgresError(f"{failure} ({done.returncode}): {(done.stderr or done.stdout).strip()}")


def _start_server(bin_dir: Path, data_dir: Path, port: int, durable: bool, timeout: float) -> None:
    socket_dir = str(data_dir) if len(f"{data_dir}/.s.PGSQL.{port}") <= _MAX_SOCKET_PATH else ""
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {shlex.quote(socket_dir)}"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    log_file = data_dir / LOG_FILE
    log_start = log_file.stat().st_size if log_file.exists() else 0
    pg_ctl = [str(bin_dir / "pg_ctl"), "start", "-D", str(data_dir), "-l", str(log_file), "-w"]
    try:
        _run([*pg_ctl, "-t", str(int(timeout)), "-o", options], data_dir, timeout + 10, "pg_ctl start failed")
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
        _run([*pg_ctl, "-m", "fast"], data_dir, 40, "pg_ctl stop failed")
        return
    if _postmaster_pid(data_dir) is not None:  # fast shutdown failed or hung: do not leave it running
        _run([*pg_ctl, "-m", "immediate"], data_dir, 40, "pg_ctl stop -m immediate failed")


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
