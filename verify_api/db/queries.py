"""Loads a .sql file of named blocks into a struct with one field per statement.

A statement the code names but the file lacks (or one left unused there) fails at import, not at the first
request that needs it. Each repository module owns one .sql file and one such struct (e.g. queries.sql and
Queries for repository.py), so features grow side by side without editing one shared list.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING, TypeVar

import msgspec

if TYPE_CHECKING:
    from verify_api.db.pool import Connection

_BLOCK = re.compile(r"^-- name: (\w+) --\n(.*?)(?=^-- name: |\Z)", re.S | re.M)


class Queries(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    insert_holder: str
    get_holder: str
    insert_organization: str
    get_organization: str
    insert_staff_link: str
    insert_assessment: str
    list_holder_assessments: str
    list_organization_assessments: str
    link_credential_assessments: str
    invalidate_credential_assessments: str
    list_holder_credentials: str
    list_organization_credentials: str
    supersede_lapsed_credential: str
    upsert_signing_key: str
    list_signing_keys: str
    get_signing_key: str
    lock_signing_key: str
    current_status_list: str
    lock_status_list_opening: str
    free_status_indexes: str
    lock_status_slot: str
    status_slot_taken: str
    bump_status_list_allocation: str
    insert_status_list: str
    insert_credential: str
    get_credential: str
    get_vc_api_credential: str
    find_vc_api_credential_id: str
    find_credential_id_by_status_entry: str
    get_credential_id_by_code: str
    insert_idempotency_key: str
    get_idempotency_key: str
    insert_api_client: str
    get_api_client_by_prefix: str
    search_organizations: str
    ping: str


QueriesT = TypeVar("QueriesT", bound=msgspec.Struct)


def read_statements(filename: str) -> dict[str, str]:
    """The named blocks of `filename` (package data beside this module, read with importlib.resources), by name."""
    text = (resources.files(__package__ or "verify_api.db") / filename).read_text(encoding="utf-8")
    return {m.group(1): m.group(2).strip() for m in _BLOCK.finditer(text)}


def load_queries(filename: str, kind: type[QueriesT]) -> QueriesT:
    """Read `filename` (beside this module) into `kind`, a Struct with forbid_unknown_fields=True."""
    return msgspec.convert(read_statements(filename), kind)


class NamedSql:
    """The statements of one repository's .sql file, as attributes (`SQL.retire_signing_key`).

    The file is the one list of names: tests/unit/test_named_sql.py checks that each repository module names
    exactly the statements its file holds, and naming a missing one raises at once.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.statements = read_statements(filename)

    def __getattr__(self, name: str) -> str:
        try:
            return self.statements[name]
        except KeyError:
            raise AttributeError(f"{self.filename} has no statement named {name!r}") from None


class RepositoryBase:
    """What every repository shares: it takes a connection and leaves the transaction to the service."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn


SQL = load_queries("queries.sql", Queries)
