"""The README's "keep a copy of the checkpoints" recipe, run unchanged against a served instance: the saved copy
matches the live log, and `audit compare` says so."""

from __future__ import annotations

import re
import subprocess
from typing import TYPE_CHECKING

from tests.integration.test_readme_walkthrough import readme_shell, walkthrough_script
from tests.served_app import ROOT, serve_app

if TYPE_CHECKING:
    from pathlib import Path


def saved_copy_script() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Tamper-evident history", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "README has no bash block under 'Tamper-evident history'"
    return match.group(1)


def test_readme_saved_copy_recipe_runs_unchanged(database_url: str, tmp_path: Path) -> None:
    with serve_app(database_url, tmp_path, AUDIT_CHECKPOINT_EVERY="2") as app:
        env = {**app.env, "PAI_VERIFY_URL": app.origin}
        walkthrough = subprocess.run(
            ["bash", "-c", walkthrough_script()],
            env=env, cwd=readme_shell(tmp_path / "staff"), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert walkthrough.returncode == 0, walkthrough.stderr
        work = readme_shell(tmp_path / "auditor")
        script = f"set -euo pipefail\nBASE={app.origin}\n{saved_copy_script()}"
        result = subprocess.run(["bash", "-c", script], env=env, cwd=work, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"compared [1-9]\d* saved checkpoints", result.stdout), result.stdout
    assert "the live log still holds every saved checkpoint" in result.stdout
