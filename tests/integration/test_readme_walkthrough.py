"""The README's walkthrough, run unchanged as a script against a real `verify-api serve` (granian) process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import with_database
from tests.served_app import ROOT, serve_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import DatabasePool


def readme_shell(directory: Path) -> Path:
    """`directory` with `.venv` in it, the virtualenv running this suite: where the README's commands, written for
    `make run`'s `.venv/bin/...`, run unchanged (`make test PYTHON=python3.13` builds `.venv-python3.13` instead)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".venv").symlink_to(Path(sys.prefix))
    return directory


def walkthrough_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Walkthrough", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "README has no bash block under 'Walkthrough'"
    return match.group(1)


@pytest.fixture(scope="module")
def served(
    database_server_url: str, database_pool: DatabasePool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """One server for the module's tests (its own database): starting granian costs seconds."""
    name = database_pool.take()
    try:
        yield from _served(with_database(database_server_url, name), tmp_path_factory.mktemp("walkthrough"))
    finally:
        database_pool.drop_later(name)


def _served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with serve_app(database_url, tmp_path) as app:
        yield app.origin, app.env
    # Secrets stay secret: the server's own log never shows key material.
    assert "PRIVATE KEY" not in app.log_path.read_text()


def test_readme_walkthrough_runs_unchanged(served: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    base, env = served
    result = subprocess.run(
        ["bash", "-c", walkthrough_script()],
        env={**env, "PAI_VERIFY_URL": base},
        cwd=readme_shell(tmp_path / "shell"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lookup = json.loads(result.stdout)
    assert lookup["tier"] == "AIDA"
    assert lookup["status"] == "active"
    assert lookup["verified"] is True
    assert lookup["subject"]["name"] == "Ada Lovelace"


def test_served_app_has_interactive_docs(served: tuple[str, dict[str, str]]) -> None:
    base, _ = served
    with urllib.request.urlopen(f"{base}/docs", timeout=30) as response:
        assert response.status == 200
        page = response.read().decode()
    assert "swagger" in page.lower()
    # Served locally: the docs work with no network (no CDN).
    assert "https://" not in page
    with urllib.request.urlopen(f"{base}/docs-assets/swagger-ui-bundle.js", timeout=30) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{base}/openapi.json", timeout=30) as response:
        assert json.loads(response.read())["info"]["title"] == "PAI Verify"
