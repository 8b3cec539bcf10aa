"""Each repository module names exactly the statements its .sql file holds: none missing, none left unused."""

import re
from pathlib import Path

import pytest

from verify_api.db import (
    audit_repository,
    key_repository,
    lifecycle_repository,
    organization_repository,
    register_repository,
)
from verify_api.db.queries import NamedSql

MODULES = [audit_repository, key_repository, lifecycle_repository, organization_repository, register_repository]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_a_repository_names_exactly_its_statements(module: object) -> None:
    sql = module.SQL  # type: ignore[attr-defined]
    assert isinstance(sql, NamedSql)
    source = Path(module.__file__).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    named = set(re.findall(r"\bSQL\.(\w+)", source))
    assert named == set(sql.statements)


def test_naming_a_missing_statement_fails_at_once() -> None:
    with pytest.raises(AttributeError, match=r"keys\.sql has no statement named .nope."):
        _ = key_repository.SQL.nope
