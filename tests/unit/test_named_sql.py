"""Each store module (a db/ module with `SQL = NamedSql("sql/<noun>.sql")`) runs exactly the statements its file
holds, and each statement is run by the store method of the same name: none missing, none left unused."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import verify_api.db
from verify_api.db import signing_keys
from verify_api.db.queries import NamedSql, RepositoryBase

DB_DIR = Path(verify_api.db.__file__).parent
MODULES = [importlib.import_module(f"verify_api.db.{m.name}") for m in pkgutil.iter_modules([str(DB_DIR)])]
STORE_MODULES = [m for m in MODULES if isinstance(getattr(m, "SQL", None), NamedSql)]
EXPECTED = {
    "api_clients", "assessments", "credentials", "events", "health", "holders", "idempotency_keys",
    "organizations", "signing_keys", "status_lists",
}  # fmt: skip


def _name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]


def _stores(module: ModuleType) -> list[type[RepositoryBase]]:
    return [
        c
        for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, RepositoryBase) and c.__module__ == module.__name__
    ]


def test_the_nouns_are_stores() -> None:
    assert {_name(m) for m in STORE_MODULES} >= EXPECTED


@pytest.mark.parametrize("module", STORE_MODULES, ids=_name)
def test_a_store_names_exactly_its_statements(module: ModuleType) -> None:
    sql = module.SQL
    assert sql.filename == f"sql/{_name(module)}.sql"
    named = set(re.findall(r"\bSQL\.(\w+)", inspect.getsource(module)))
    assert named == set(sql.statements)


@pytest.mark.parametrize("module", STORE_MODULES, ids=_name)
def test_each_statement_is_run_by_the_method_of_its_name(module: ModuleType) -> None:
    (store,) = _stores(module)
    for name in module.SQL.statements:
        method = getattr(store, name, None)
        assert method is not None, f"{store.__name__} has no method {name!r} for the statement of that name"
        runs = re.findall(r"\bSQL\.(\w+)", inspect.getsource(method))
        assert runs == [name], f"{store.__name__}.{name} must run SQL.{name} and nothing else"


def test_every_sql_file_belongs_to_a_store() -> None:
    files = {p.name for p in (DB_DIR / "sql").glob("*.sql")}
    assert files == {f"{_name(m)}.sql" for m in STORE_MODULES}
    assert not list(DB_DIR.glob("*.sql")), "statements live in db/sql/<noun>.sql"


def test_naming_a_missing_statement_fails_at_once() -> None:
    with pytest.raises(AttributeError, match=r"signing_keys\.sql has no statement named .nope."):
        _ = signing_keys.SQL.nope
