"""The layering of verify_api/, checked over its source with `ast` (type-only imports count: a dependency is one).

A unit is a first-level subpackage (`api`, `db`, ...) or a root module (`app`, `settings`, ...). The rules are those
each layer's `__init__.py` states (README "How the code is laid out").
"""

from __future__ import annotations

import ast
import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "verify_api"

# Third-party imports only some units may make: module prefix -> the units allowed to import it.
EXTERNAL_OWNERS: dict[str, frozenset[str]] = {
    "cryptography.hazmat": frozenset({"proofs"}),
    "asyncpg": frozenset({"db"}),
    "litestar": frozenset({"api", "app"}),
}
# Our own units only some units may import: unit -> the units allowed to import it.
INTERNAL_OWNERS: dict[str, frozenset[str]] = {
    "api": frozenset({"app"}),
    "cli": frozenset({"__main__"}),
}
# What a unit may import of ours, when that is restricted (inner layers): unit -> allowed units.
# Storage and badges may use the domain's value types (tiers, statuses, dates); domain itself looks at nothing outward.
INWARD_ONLY: dict[str, frozenset[str]] = {
    "domain": frozenset({"errors", "settings"}),
    "proofs": frozenset({"errors", "strict_json", "caching"}),
    "badges": frozenset({"errors", "domain"}),
    "db": frozenset({"errors", "domain", "settings"}),
    "observability": frozenset({"errors", "settings"}),
}
# Today's known violations, each with why it is not fixed here. Keep this list shrinking.
KNOWN_VIOLATIONS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Import:
    unit: str
    path: Path
    module: str


def _unit(package_dir: Path, path: Path) -> str:
    parts = path.relative_to(package_dir).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _resolve(package: str, path: Path, package_dir: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    here = [package, *path.relative_to(package_dir).parent.parts]
    base = here[: len(here) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


@functools.cache
def _import_nodes(source: str) -> tuple[ast.Import | ast.ImportFrom, ...]:
    """The import statements of one file's text: parsed once per distinct text, as every test that plants a line
    re-reads the whole package (a planted file has new text, so it is parsed afresh)."""
    return tuple(node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import | ast.ImportFrom))


def collect_imports(package_dir: Path) -> list[Import]:
    package = package_dir.name
    found: list[Import] = []
    for path in sorted(package_dir.rglob("*.py")):
        unit = _unit(package_dir, path)
        for node in _import_nodes(path.read_text(encoding="utf-8")):
            if isinstance(node, ast.Import):
                found.extend(Import(unit, path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(package, path, package_dir, node)
                found.append(Import(unit, path, module))
                if module == package:  # `from verify_api import cli` imports the unit `cli`
                    found.extend(Import(unit, path, f"{package}.{alias.name}") for alias in node.names)
    return found


def _internal_unit(package: str, module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == package and len(parts) > 1 else None


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(unit: str, trail: list[str]) -> list[str] | None:
        if unit in trail:
            return [*trail[trail.index(unit) :], unit]
        if unit in done:
            return None
        for target in sorted(graph.get(unit, ())):
            if cycle := visit(target, [*trail, unit]):
                return cycle
        done.add(unit)
        return None

    for unit in sorted(graph):
        if cycle := visit(unit, []):
            return cycle
    return None


def import_violations(package_dir: Path) -> set[str]:
    """Every broken rule, as `<unit> imports <what> (<file>)`, plus one line per cycle between units."""
    package = package_dir.name
    rel_root = package_dir.parent
    found: set[str] = set()
    graph: dict[str, set[str]] = {}
    for imp in collect_imports(package_dir):
        where = imp.path.relative_to(rel_root).as_posix()
        target = _internal_unit(package, imp.module)
        if target is None:
            for prefix, owners in EXTERNAL_OWNERS.items():
                if (imp.module == prefix or imp.module.startswith(prefix + ".")) and imp.unit not in owners:
                    found.add(f"{imp.unit} imports {prefix} ({where})")
            continue
        if target == imp.unit:
            continue
        graph.setdefault(imp.unit, set()).add(target)
        if target in INTERNAL_OWNERS and imp.unit not in INTERNAL_OWNERS[target]:
            found.add(f"{imp.unit} imports {target} ({where})")
        if imp.unit in INWARD_ONLY and target not in INWARD_ONLY[imp.unit]:
            found.add(f"{imp.unit} imports {target} ({where})")
    if cycle := _find_cycle(graph):
        found.add("import cycle: " + " -> ".join(cycle))
    return found


def test_the_package_keeps_its_import_rules() -> None:
    violations = import_violations(PACKAGE_DIR)
    assert violations - KNOWN_VIOLATIONS == set()
    # A known violation that is gone must leave the list, so the list only shrinks.
    assert KNOWN_VIOLATIONS - violations == set()


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "verify_api"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.sql", "*.json*", "*.ttf"))
    return copy


def _plant(package_dir: Path, module: str, line: str) -> None:
    path = package_dir / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("module", "line", "violation"),
    [
        (
            "services/health.py",
            "from cryptography.hazmat.primitives import hashes",
            "services imports cryptography.hazmat",
        ),
        ("verification/report.py", "import asyncpg", "verification imports asyncpg"),
        ("services/health.py", "from litestar import get", "services imports litestar"),
        ("services/health.py", "from verify_api.api import problems", "services imports api"),
        ("domain/codes.py", "from verify_api.services import health", "domain imports services"),
        ("db/pool.py", "from verify_api import schemas", "db imports schemas"),
    ],
)
def test_a_planted_violation_is_caught(package_copy: Path, module: str, line: str, violation: str) -> None:
    assert import_violations(package_copy) == KNOWN_VIOLATIONS
    _plant(package_copy, module, line)
    assert f"{violation} (verify_api/{module})" in import_violations(package_copy)


def test_a_planted_cycle_is_caught(package_copy: Path) -> None:
    # errors is imported by nearly everything; errors importing schemas closes a loop schemas -> domain -> errors.
    _plant(package_copy, "errors.py", "from verify_api.schemas import Check")
    cycles = [v for v in import_violations(package_copy) if v.startswith("import cycle: ")]
    assert len(cycles) == 1
    assert {"errors", "schemas"} <= set(cycles[0].removeprefix("import cycle: ").split(" -> "))


def test_relative_and_type_only_imports_count(tmp_path: Path) -> None:
    package = tmp_path / "verify_api"
    (package / "domain").mkdir(parents=True)
    (package / "db").mkdir()
    (package / "__init__.py").write_text("")
    (package / "db" / "__init__.py").write_text("")
    (package / "domain" / "__init__.py").write_text("")
    (package / "domain" / "rules.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..db import records\n"
    )
    assert import_violations(package) == {"domain imports db (verify_api/domain/rules.py)"}


def test_every_layer_states_its_rule() -> None:
    for init in sorted(PACKAGE_DIR.glob("*/__init__.py")):
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring, f"{init.relative_to(PACKAGE_DIR.parent)} has no docstring stating its rule"
        assert "Rule:" in docstring, f"{init.relative_to(PACKAGE_DIR.parent)} does not state its rule (`Rule: ...`)"
