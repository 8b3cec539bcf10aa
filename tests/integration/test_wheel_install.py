"""A wheel built from the source tree installs, migrates and serves from a scratch venv, away from the checkout.

The editable install of `make` reads SQL, migrations, templates and contexts straight from the checkout; this test
is what catches a file left out of the package data. Nothing is downloaded: the wheel is built with .venv's
setuptools (no build isolation), installed with --no-deps --no-index, and the scratch venv sees .venv's
dependencies through a .pth file (which lists their folder, not .venv's editable install of verify_api).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import pytest

from tests.conftest import with_database
from tests.served_app import ROOT, free_port

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

# Never part of a clean clone: local state, caches, build output.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".data",
    ".lock-venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*_cache",
    "*.pem",
    "*.history.json",
)


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _build_wheel(work: Path) -> Path:
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    dist = work / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        dist,
        source,
        cwd=work,
    )
    (wheel,) = dist.glob("verify_api-*.whl")
    return wheel


def _scratch_venv(work: Path, wheel: Path) -> Path:
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        wheel,
        cwd=work,
    )
    purelib = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work).strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "project_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return venv


@pytest.fixture
async def empty_database(database_server_url: str) -> AsyncIterator[str]:
    name = f"verify_wheel_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield with_database(database_server_url, name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, response.read()


def test_built_wheel_migrates_and_serves_outside_the_checkout(empty_database: str, tmp_path: Path) -> None:
    venv = _scratch_venv(tmp_path, _build_wheel(tmp_path))
    elsewhere = tmp_path / "deployment"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"SIGNING_KEY_PATH", "SIGNING_KEY_PASSPHRASE", "KEYS_DIR"}}
    env |= {"DATABASE_URL": empty_database, "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}

    where = _run(venv / "bin" / "python", "-c", "import verify_api; print(verify_api.__file__)", cwd=elsewhere, env=env)
    assert Path(where.strip()).is_relative_to(venv), f"imported {where} instead of the installed wheel"

    migrated = _run(venv / "bin" / "verify-api", "migrate", cwd=elsewhere, env=env)
    # Every migration is package data: a wheel that left them out would report "up to date" on an empty database.
    assert migrated.startswith("applied: 0001_foundation"), migrated
    assert "0003_audit_chain_head" in migrated

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env |= {"PORT": str(port), "PUBLIC_BASE_URL": origin}
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [venv / "bin" / "verify-api", "serve"], cwd=elsewhere, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 25
            while True:
                try:
                    status, _ = _get(f"{origin}/health")
                    if status == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the installed server did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
            status, body = _get(f"{origin}/.well-known/did.json")
            assert status == 200
            assert json.loads(body)["id"].startswith("did:web:")
            status, page = _get(f"{origin}/registry")  # templates and static files are package data too
            assert status == 200
            assert b"<html" in page.lower()
            # /docs draws from Swagger UI's files (a dependency's package data) and our start-up script.
            for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css", "/static/docs.js"):
                status, body = _get(f"{origin}{asset}")
                assert status == 200
                assert len(body) > 200, asset
        finally:
            server.terminate()
            server.wait(timeout=15)
    # The dev key went to KEYS_DIR's default, relative to the working directory, not into the installed package.
    assert (elsewhere / "keys" / "dev-signing-key.pem").is_file()
