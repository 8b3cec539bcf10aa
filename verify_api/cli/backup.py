"""`verify-api backup DIR` and `verify-api restore DIR`: the database as one consistent dump, and the keys.

A backup is a new directory (mode 0700, files 0600: the register holds personal data):

    database.dump            pg_dump --format=custom: one snapshot of the whole database (pg_dump runs in one
                             REPEATABLE READ transaction), restorable with pg_restore of the same or a newer major
    manifest.json            what it is: format, time, server and pg_dump versions, applied migrations,
                             PUBLIC_BASE_URL, and the SHA-256 of every other file (checked before a restore)
    keys/<name>.history.json the public keys audit checkpoints are pinned to (public, so always included)
    keys/<name>.pem, keys/<name>.p256.pem
                             only with --with-keys, and only when the key files are encrypted (PKCS#8 under
                             SIGNING_KEY_PASSPHRASE): a private key is never written into a backup in clear

Restore goes into an EMPTY database (DATABASE_URL; it refuses one with any table), then applies the migrations this
version has beyond the backup's. With --with-keys it puts the key files at SIGNING_KEY_PATH (refusing to replace
different files); without it, the operator puts back the keys from their own backup (README "Running in
production").

pg_dump/pg_restore come from the system (/usr/lib/postgresql/<major>/bin) or the pgserver wheel, whichever has
the server's major version (else the nearest newer one): pg_dump refuses a newer server than itself. The
password of DATABASE_URL goes to them in PGPASSWORD, never on their command line (visible in `ps`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from verify_api.cli.runtime import active_key_path, command_settings, resolve_database_url
from verify_api.db.migrate import apply_migrations
from verify_api.db.pool import connect
from verify_api.errors import VerifyApiError

if TYPE_CHECKING:
    import argparse

    from verify_api.settings import Settings

FORMAT = "pai-verify-backup/1"
DUMP = "database.dump"
MANIFEST = "manifest.json"
KEYS = "keys"
_ENCRYPTED_PEM = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
_SYSTEM_BIN_ROOT = Path("/usr/lib/postgresql")
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")
_TOOL_TIMEOUT_SECONDS = 3600.0


class BackupError(VerifyApiError):
    """The backup or restore could not be made."""


@dataclass(frozen=True)
class Target:
    """A database as the client tools take it: the URL without its password, and the password apart."""

    url: str
    password: str | None

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        password = unquote(parts.password) if parts.password else None
        netloc = parts.netloc.rsplit("@", 1)
        if len(netloc) == 2 and ":" in netloc[0]:
            netloc[0] = netloc[0].split(":", 1)[0]
        return cls(url=urlunsplit(parts._replace(netloc="@".join(netloc))), password=password)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


def _candidate_bin_dirs() -> list[Path]:
    dirs = sorted(_SYSTEM_BIN_ROOT.glob("*/bin"))
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    if on_path := shutil.which("pg_dump"):
        dirs.append(Path(on_path).resolve().parent)
    return dirs


def _tool_major(tool: Path) -> int | None:
    if not os.access(tool, os.X_OK):
        return None
    done = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    found = _VERSION.search(done.stdout)
    return int(found.group(1)) if done.returncode == 0 and found else None


def find_client_tool(name: str, server_major: int) -> Path:
    """`name` (pg_dump or pg_restore) of the server's major version, else the nearest newer one."""
    found: dict[int, Path] = {}
    for directory in _candidate_bin_dirs():
        tool = directory / name
        major = _tool_major(tool)
        if major is not None and major >= server_major:
            found.setdefault(major, tool)
    if not found:
        raise BackupError(
            f"no {name} for PostgreSQL {server_major} or newer: install postgresql-client-{server_major} "
            "(or the pgserver wheel of that major)"
        )
    return found[min(found)]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run_tool(argv: list[str], target: Target, failure: str) -> None:
    done = subprocess.run(  # noqa: S603 - argv built here, no shell
        argv, capture_output=True, text=True, timeout=_TOOL_TIMEOUT_SECONDS, check=False, env=target.env()
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        if target.password:
            detail = detail.replace(target.password, "***")
        raise BackupError(f"{failure} ({Path(argv[0]).name} exit {done.returncode}): {detail}")


def key_files(settings: Settings) -> tuple[Path, Path, Path]:
    """Where this configuration keeps its keys: the Ed25519 key file (SIGNING_KEY_PATH), the P-256 key file beside
    it, and the public-key history beside it."""
    from verify_api.services.key_history import history_path
    from verify_api.services.p256_keys import p256_key_path

    key = active_key_path(settings)
    p256 = p256_key_path(command_settings(signing_key_path=str(key)))
    assert p256 is not None
    return key, p256, history_path(key)


async def _server_facts(url: str, *, migrations: bool) -> tuple[int, str, list[str]]:
    """The server's major version and version string, and the migrations applied to its database."""
    conn = await connect(url)
    try:
        major = int(await conn.fetchval("SHOW server_version_num")) // 10000
        version = str(await conn.fetchval("SHOW server_version"))
        applied = (
            [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")]
            if migrations
            else []
        )
    finally:
        await conn.close()
    return major, version, applied


def write_backup(settings: Settings, out: Path, *, with_keys: bool) -> dict[str, object]:
    """Write the backup directory `out` (which must not exist, or be empty); return its manifest."""
    key, p256, history = key_files(settings)
    private = [key, p256] if p256.exists() else [key]
    if with_keys:
        for path in private:
            if not path.is_file():
                raise BackupError(f"--with-keys: there is no key file {path}")
            if not path.read_bytes().lstrip().startswith(_ENCRYPTED_PEM):
                raise BackupError(
                    f"--with-keys: {path.name} is not encrypted, and a private key never goes into a backup in "
                    "clear; set SIGNING_KEY_PASSPHRASE for the key files (README), or back them up separately"
                )
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} exists and is not empty; give a new directory")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    out.chmod(0o700)
    with contextlib.ExitStack() as stack:
        url = asyncio.run(resolve_database_url(settings, stack))
        major, version, migrations = asyncio.run(_server_facts(url, migrations=True))
        pg_dump = find_client_tool("pg_dump", major)
        target = Target.of(url)
        dump = out / DUMP
        dump.touch(mode=0o600)
        argv = [str(pg_dump), "--format=custom", "--no-password", f"--file={dump}", f"--dbname={target.url}"]
        _run_tool(argv, target, "pg_dump failed")
    copied: list[Path] = []
    keys_dir = out / KEYS
    for path in ([*private] if with_keys else []) + ([history] if history.is_file() else []):
        keys_dir.mkdir(mode=0o700, exist_ok=True)
        copy = keys_dir / path.name
        copy.touch(mode=0o600)
        copy.write_bytes(path.read_bytes())
        copied.append(copy)
    manifest: dict[str, object] = {
        "format": FORMAT,
        "createdAt": datetime.now(UTC).isoformat(),
        "serverVersion": version,
        "pgDump": str(pg_dump),
        "migrations": migrations,
        "publicBaseUrl": settings.base_url,
        "privateKeysIncluded": with_keys,
        "files": {str(p.relative_to(out)): _sha256(p) for p in [out / DUMP, *copied]},
    }
    (out / MANIFEST).touch(mode=0o600)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(backup: Path) -> dict[str, object]:
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{backup} is not a PAI Verify backup: {MANIFEST} is missing or unreadable") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{backup}/{MANIFEST} is not of the format {FORMAT}")
    files = manifest.get("files")
    if not isinstance(files, dict) or DUMP not in files:
        raise BackupError(f"{backup}/{MANIFEST} lists no {DUMP}")
    for name, expected in files.items():
        path = backup / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{path} is missing or does not match its SHA-256 in {MANIFEST}; the backup is damaged")
    return manifest


async def _user_relations(url: str) -> int:
    conn = await connect(url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
        )
    finally:
        await conn.close()
    return count


async def _migrate(url: str) -> list[str]:
    conn = await connect(url)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


def _restore_keys(settings: Settings, backup: Path, manifest: dict[str, object], *, with_keys: bool) -> list[Path]:
    """Put the backup's key files where this configuration reads them; never replace a different file."""
    wanted = _key_placements(settings, backup, manifest, with_keys=with_keys)
    placed: list[Path] = []
    for source, dest in wanted:
        if dest.exists():
            continue
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        dest.touch(mode=0o600)
        dest.write_bytes(source.read_bytes())
        placed.append(dest)
    return placed


def restore_backup(settings: Settings, backup: Path, *, with_keys: bool) -> tuple[dict[str, object], list[str]]:
    """Restore `backup` into the (empty) database of `settings`; return the manifest and migrations applied after."""
    manifest = read_manifest(backup)
    with contextlib.ExitStack() as stack:
        url = asyncio.run(resolve_database_url(settings, stack))
        if asyncio.run(_user_relations(url)):
            raise BackupError("the target database is not empty; restore into a new, empty database (createdb)")
        _key_placements(settings, backup, manifest, with_keys=with_keys)  # refuse before restoring on a clash
        major, _version, _migrations = asyncio.run(_server_facts(url, migrations=False))
        pg_restore = find_client_tool("pg_restore", major)
        target = Target.of(url)
        argv = [
            str(pg_restore),
            "--no-password",
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={target.url}",
            str(backup / DUMP),
        ]
        _run_tool(argv, target, "pg_restore failed")
        applied = asyncio.run(_migrate(url))
    _restore_keys(settings, backup, manifest, with_keys=with_keys)
    return manifest, applied


def _key_placements(
    settings: Settings, backup: Path, manifest: dict[str, object], *, with_keys: bool
) -> list[tuple[Path, Path]]:
    """(file in the backup, where it goes) for the key files to put back; the backup's names may differ from this
    configuration's (another SIGNING_KEY_PATH), so they are matched by kind."""
    key, p256, history = key_files(settings)
    files = manifest["files"]
    assert isinstance(files, dict)
    stored = {Path(name).name: backup / name for name in files if name.startswith(f"{KEYS}/")}
    wanted: list[tuple[Path, Path]] = []
    if with_keys:
        if not manifest.get("privateKeysIncluded"):
            raise BackupError("--with-keys: this backup holds no private keys; put back the key files yourself")
        ed25519 = next((p for n, p in stored.items() if n.endswith(".pem") and ".p256." not in n), None)
        if ed25519 is None:
            raise BackupError("--with-keys: the backup lists no Ed25519 key file")
        wanted.append((ed25519, key))
        if (saved_p256 := next((p for n, p in stored.items() if ".p256." in n), None)) is not None:
            wanted.append((saved_p256, p256))
    if (saved := next((p for n, p in stored.items() if n.endswith(".history.json")), None)) is not None:
        wanted.append((saved, history))
    for source, dest in wanted:
        if dest.exists() and dest.read_bytes() != source.read_bytes():
            raise BackupError(f"{dest} exists and differs from the backup's {source.name}; move it away first")
    return wanted


def cmd_backup(args: argparse.Namespace) -> int:
    settings = command_settings()
    manifest = write_backup(settings, Path(args.directory), with_keys=args.with_keys)
    files = manifest["files"]
    assert isinstance(files, dict)
    print(f"wrote a backup of {settings.base_url} to {args.directory} (PostgreSQL {manifest['serverVersion']}):")
    for name in files:
        print(f"  {name}")
    if not args.with_keys:
        print("the private signing keys are NOT in it: back up SIGNING_KEY_PATH and its .p256 file separately")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    settings = command_settings()
    manifest, applied = restore_backup(settings, Path(args.directory), with_keys=args.with_keys)
    print(f"restored the backup of {manifest['publicBaseUrl']} made {manifest['createdAt']}")
    if applied:
        print(f"then applied migrations {', '.join(applied)}")
    if manifest["publicBaseUrl"] != settings.base_url:
        print(f"warning: PUBLIC_BASE_URL is {settings.base_url}, the backup's is {manifest['publicBaseUrl']}")
    print("check it: `verify-api audit verify`")
    return 0


def add_backup_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser("backup", help="write a consistent dump of the database (and the key history) to DIR")
    backup.add_argument("directory", help="a new or empty directory")
    backup.add_argument(
        "--with-keys", action="store_true", help="include the signing key files (only when they are encrypted)"
    )
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup DIR into the empty database DATABASE_URL")
    restore.add_argument("directory")
    restore.add_argument("--with-keys", action="store_true", help="also put the backup's key files at SIGNING_KEY_PATH")
    restore.set_defaults(func=cmd_restore)
