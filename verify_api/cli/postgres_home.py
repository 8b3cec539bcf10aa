"""Where the `postgres` user can reach the server binaries and the data dir when root runs the embedded cluster.

PostgreSQL refuses to run as root, so root runs it as `postgres` (cli/postgres_tools.py). A clone in a private
folder (mode 0700, like /root) is closed to that user: it can neither execute the wheel's binaries in the clone's
venv nor open a data dir under the clone. Loosening the owner's folder is not ours to do. Instead, what the server
must reach moves under one root-owned folder that others may traverse but not list or write (mode 0711),
/var/tmp/pai-verify-postgres (/var/tmp: kept across reboots, unlike /run or /tmp):

- the binaries: the wheel's install tree mirrored by hard links (a copy across filesystems), keyed by its path
  and its `postgres` binary's size and mtime, so an upgraded wheel gets a fresh mirror;
- the data dir: `data-<hash of the requested path>` (owned by postgres, mode 0700), with the requested path a
  symlink to it. Later starts follow the symlink, so the data survives moving the clone; deleting `.data/` leaves
  the mirror behind (remove /var/tmp/pai-verify-postgres/data-* by hand).

Paths the server can already reach (the system's PostgreSQL, a clone under a traversable folder) stay where they
are. Another local user cannot pre-empt the folder: it must be a real directory owned by root.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from verify_api.cli.postgres_tools import EmbeddedPostgresError, can_traverse

if TYPE_CHECKING:
    import pwd
    from collections.abc import Callable

SHARED_ROOT = Path("/var/tmp/pai-verify-postgres")  # noqa: S108 - root-owned, 0711, checked before each use


def reachable_bin_dir(bin_dir: Path, user: pwd.struct_passwd, log: Callable[[str], None]) -> Path:
    """`bin_dir`, or a mirror of its install tree that `user` can execute."""
    if can_traverse(bin_dir, user):
        return bin_dir
    install = bin_dir.parent  # .../<package>/pginstall
    package = install.parent
    libs = package.parent / f"{package.name}.libs"  # auditwheel's bundled libraries, found via $ORIGIN/../../../
    postgres = (bin_dir / "postgres").stat()
    key = _digest(f"{install}\0{postgres.st_size}\0{postgres.st_mtime_ns}")
    mirror = _shared_root() / f"bin-{key}"
    mirrored_bin = mirror / package.name / install.name / bin_dir.name
    if not (mirrored_bin / "postgres").is_file():
        pending = _shared_root() / f".bin-{key}-{os.getpid()}"
        shutil.rmtree(pending, ignore_errors=True)
        shutil.copytree(install, pending / package.name / install.name, symlinks=True, copy_function=_link_or_copy)
        if libs.is_dir():
            shutil.copytree(libs, pending / libs.name, symlinks=True, copy_function=_link_or_copy)
        try:
            pending.rename(mirror)
        except OSError:  # another process mirrored it first
            shutil.rmtree(pending, ignore_errors=True)
        log(f"the {user.pw_name} user cannot reach {bin_dir}; running the mirror of its install in {mirror}")
    return mirrored_bin


def reachable_data_dir(data_dir: Path, user: pwd.struct_passwd, log: Callable[[str], None]) -> Path:
    """The real data dir for `data_dir` (absolute): itself when `user` can reach it, else one under the shared
    root, with `data_dir` made a symlink to it (an existing cluster there is moved, not lost)."""
    if data_dir.is_symlink():
        target = Path(os.readlink(data_dir))
        if target.parent == SHARED_ROOT:
            _shared_root()
            if not target.exists():
                log(f"{target} (the data of {data_dir}) is gone; initialising a new cluster there")
            target.mkdir(mode=0o700, exist_ok=True)
            return target
    resolved = data_dir.resolve()
    resolved.parent.mkdir(parents=True, exist_ok=True)
    if can_traverse(resolved.parent, user):
        return resolved
    target = _shared_root() / f"data-{_digest(str(resolved))}"
    if resolved.is_dir() and any(resolved.iterdir()):
        if target.exists():
            raise EmbeddedPostgresError(f"both {resolved} and {target} hold data; keep one and remove the other")
        shutil.move(resolved, target)  # an existing cluster, from before the folder was closed
    elif resolved.is_dir():
        resolved.rmdir()
    target.mkdir(mode=0o700, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        resolved.unlink()
    resolved.symlink_to(target, target_is_directory=True)
    log(f"the {user.pw_name} user cannot reach {resolved.parent}; its data lives in {target} (symlinked)")
    return target


def _shared_root() -> Path:
    SHARED_ROOT.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        SHARED_ROOT.mkdir(mode=0o711)
    st = SHARED_ROOT.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise EmbeddedPostgresError(
            f"{SHARED_ROOT} is not a directory owned by uid {os.geteuid()} (someone else made it?); remove it"
        )
    if stat.S_IMODE(st.st_mode) != 0o711:
        SHARED_ROOT.chmod(0o711)
    return SHARED_ROOT


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another filesystem, or hard links refused
        shutil.copy2(source, destination)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
