"""The hashed locks (requirements/*.txt, written by `make lock`) agree with pyproject.toml, with each other, with
requirements.lock's versions, and with what this interpreter's venv has installed (`make test` installs dev.txt)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)(?: ; ([^\\\n]+?))?\s*\\?$((?:\n\s+--hash=sha256:[0-9a-f]{64}.*$)*)", re.M)


def _pins(path: Path) -> dict[str, tuple[str, str | None, frozenset[str]]]:
    """name -> (version, environment marker, hashes)."""
    found: dict[str, tuple[str, str | None, frozenset[str]]] = {}
    for name, version, marker, hashes in _PIN.findall(path.read_text()):
        found[str(canonicalize_name(name))] = (
            version,
            marker or None,
            frozenset(re.findall(r"sha256:([0-9a-f]{64})", hashes)),
        )
    return found


RUNTIME = _pins(ROOT / "requirements" / "runtime.txt")
DEV = _pins(ROOT / "requirements" / "dev.txt")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_pin_carries_hashes() -> None:
    assert len(RUNTIME) > 20
    assert all(hashes for _, _, hashes in RUNTIME.values())
    assert all(hashes for _, _, hashes in DEV.values())


def test_runtime_lock_is_the_dev_lock_restricted() -> None:
    """`make run` and `make test` install the same versions, checked against the same hashes."""
    assert {name: DEV.get(name) for name in RUNTIME} == RUNTIME
    assert set(DEV) - set(RUNTIME) >= {"pytest", "mypy", "ruff"}
    assert not {"pytest", "mypy", "ruff", "hypothesis"} & set(RUNTIME)


@pytest.mark.parametrize("group", ["dependencies", "embedded", "dev"])
def test_every_declared_dependency_is_locked(group: str) -> None:
    """A dependency added to pyproject.toml without `make lock` fails here (and `--require-hashes` would refuse)."""
    declared = PROJECT["dependencies"] if group == "dependencies" else PROJECT["optional-dependencies"][group]
    lock = DEV if group == "dev" else RUNTIME
    for requirement in map(Requirement, declared):
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{requirement} is in pyproject.toml but not in the lock: run `make lock`"
        assert requirement.specifier.contains(lock[name][0], prereleases=True), (requirement, lock[name][0])


def test_locks_keep_the_versions_of_requirements_lock() -> None:
    listed = {
        str(canonicalize_name(n)): v
        for n, v in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M)
    }
    assert {name: version for name, (version, _, _) in DEV.items() if name in listed} == {
        name: listed[name] for name in DEV if name in listed
    }
    missing = [name for name, (_, marker, _) in DEV.items() if name not in listed and marker is None]
    assert not missing, f"append these pins to requirements.lock: {missing}"


def test_this_venv_is_installed_from_the_dev_lock() -> None:
    """Under every interpreter `make test PYTHON=...` builds a venv for (3.11 to 3.13)."""
    for name, (version, marker, _) in DEV.items():
        if marker is not None and not Marker(marker).evaluate():
            continue
        assert metadata.version(name) == version, name
