"""What every store shares: named SQL loaded from package data, row conversion, and constraint translation.

Each noun module (db/holders.py, db/credentials.py, ...) owns one file `db/sql/<noun>.sql` of named blocks, loaded
with `NamedSql("sql/<noun>.sql")`, and one class deriving `RepositoryBase`. A statement's name is the name of the method
that runs it (tests/unit/test_named_sql.py checks both directions). A statement the code names but the file lacks
fails at import; the base's helpers turn unique, foreign-key and check violations into domain errors by constraint
name, so no store catches asyncpg errors itself.
"""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import msgspec

from verify_api.errors import (
    ConcurrentWriteError,
    ConflictError,
    CredentialConflictError,
    HolderNotFoundError,
    InvalidInputError,
    OrganizationNotFoundError,
    VerifyApiError,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from verify_api.db.pool import Connection

_BLOCK = re.compile(r"^-- name: (\w+) --\n(.*?)(?=^-- name: |\Z)", re.S | re.M)

T = TypeVar("T")


def read_statements(filename: str) -> dict[str, str]:
    """The named blocks of `filename` (a path inside the db package, e.g. "sql/holders.sql": package data read with
    importlib.resources), by name."""
    text = (resources.files(__package__ or "verify_api.db") / filename).read_text(encoding="utf-8")
    return {m.group(1): m.group(2).strip() for m in _BLOCK.finditer(text)}


class NamedSql:
    """The statements of one store's .sql file, as attributes (`SQL.retire`).

    The file is the one list of names; naming a missing one raises at once.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.statements = read_statements(filename)

    def __getattr__(self, name: str) -> str:
        try:
            return self.statements[name]
        except KeyError:
            raise AttributeError(f"{self.filename} has no statement named {name!r}") from None


class SlotTakenError(ConflictError):
    """The randomly drawn status-list index is already in use; draw again."""


class VerificationCodeTakenError(ConflictError):
    """The randomly drawn verification code is already in use; draw again."""


class IdempotencyKeyTakenError(ConflictError):
    """Another request already used this Idempotency-Key."""


# The one table of constraints with a domain meaning, by the name the migrations give them.
_UNIQUE_ERRORS: dict[str, type[VerifyApiError]] = {
    "credentials_revocation_slot_key": SlotTakenError,
    "credentials_suspension_slot_key": SlotTakenError,
    "credentials_verification_code_key": VerificationCodeTakenError,
    "credentials_one_current_per_holder_tier": CredentialConflictError,
    "credentials_one_current_per_organization_tier": CredentialConflictError,
    "idempotency_keys_pkey": IdempotencyKeyTakenError,
    "holder_reissues_pkey": IdempotencyKeyTakenError,
    "holders_email_key": ConflictError,
    "staff_accounts_email_key": ConflictError,
}
_FOREIGN_KEY_ERRORS: dict[str, type[VerifyApiError]] = {
    "organization_staff_holder_id_fkey": HolderNotFoundError,
    "organization_staff_organization_id_fkey": OrganizationNotFoundError,
    "assessments_holder_id_fkey": HolderNotFoundError,
    "assessments_organization_id_fkey": OrganizationNotFoundError,
}
_CONSTRAINT_MESSAGES = {
    "credentials_one_current_per_holder_tier": "the holder already has a current credential of this tier",
    "credentials_one_current_per_organization_tier": "the organisation already has a current credential of this tier",
    "holders_email_key": "a holder with that email already exists",
    "staff_accounts_email_key": "a staff account with that e-mail address already exists",
}


def translate(exc: asyncpg.PostgresError) -> Exception:
    """The domain error a constraint violation means, or `exc` itself when it has no domain meaning."""
    name = getattr(exc, "constraint_name", None) or ""
    if isinstance(exc, asyncpg.UniqueViolationError) and name in _UNIQUE_ERRORS:
        return _UNIQUE_ERRORS[name](_CONSTRAINT_MESSAGES.get(name), constraint=name)
    if isinstance(exc, asyncpg.ForeignKeyViolationError) and name in _FOREIGN_KEY_ERRORS:
        return _FOREIGN_KEY_ERRORS[name]()
    if isinstance(exc, asyncpg.CheckViolationError):
        return InvalidInputError(f"the value breaks the rule {name or 'of the schema'}", constraint=name)
    if isinstance(exc, asyncpg.DeadlockDetectedError | asyncpg.SerializationError):
        # PostgreSQL rolled this transaction back to let a concurrent one through (SQLSTATE 40P01, 40001): the
        # whole command may be tried again (services.transaction). The server's message names backends: not kept.
        return ConcurrentWriteError(sqlstate=exc.sqlstate)
    return exc


@asynccontextmanager
async def transaction(conn: Connection) -> AsyncIterator[None]:
    """`conn.transaction()` (a savepoint inside another), failing with the domain error `translate` gives, for its
    own BEGIN/COMMIT as for any statement run inside it that did not go through a store."""
    try:
        async with conn.transaction():
            yield
    except asyncpg.PostgresError as exc:
        raise translate(exc) from exc


def row_as(row: Any, kind: type[T]) -> T:
    """One row as the struct `kind` (columns the struct lacks are ignored)."""
    return msgspec.convert(dict(row), kind)


def rows_as(rows: Sequence[Any], kind: type[T]) -> list[T]:
    return [msgspec.convert(dict(r), kind) for r in rows]


class RepositoryBase:
    """Takes a connection and leaves the transaction to the service; every statement runs through these helpers,
    which translate constraint violations (`translate`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def _execute(self, query: str, *args: Any) -> str:
        try:
            return await self.conn.execute(query, *args)
        except asyncpg.PostgresError as exc:
            raise translate(exc) from exc

    async def _fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        try:
            return await self.conn.fetch(query, *args)
        except asyncpg.PostgresError as exc:
            raise translate(exc) from exc

    async def _fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        try:
            return await self.conn.fetchrow(query, *args)
        except asyncpg.PostgresError as exc:
            raise translate(exc) from exc

    async def _fetchval(self, query: str, *args: Any) -> Any:
        try:
            return await self.conn.fetchval(query, *args)
        except asyncpg.PostgresError as exc:
            raise translate(exc) from exc

    async def _one(self, kind: type[T], query: str, *args: Any) -> T | None:
        """The statement's one row as `kind`, or None."""
        row = await self._fetchrow(query, *args)
        return None if row is None else msgspec.convert(dict(row), kind)

    async def _all(self, kind: type[T], query: str, *args: Any) -> list[T]:
        return rows_as(await self._fetch(query, *args), kind)

    async def _text(self, query: str, *args: Any) -> str | None:
        """The statement's one value as text, or None."""
        value = await self._fetchval(query, *args)
        return None if value is None else str(value)
