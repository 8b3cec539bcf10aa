"""Staff accounts of the console: create, list, disable, reset a password, and sign in with lockout.

Passwords are hashed with argon2id (RFC 9106) through argon2-cffi, with the cost the settings give
(STAFF_PASSWORD_*: RFC 9106's second recommended option by default). The encoded hash carries its parameters, so
when the settings change, the next successful sign-in hashes the password again with the new ones (rehash on
sign-in). Hashing takes tens of milliseconds of CPU, so it runs in a worker thread, never on the event loop.

Signing in answers the same `SignInRefusedError` for an unknown address, a wrong password, a locked and a disabled
account, and costs one argon2id verification in each case (an unknown address is checked against a dummy hash of
the same parameters), so neither the answer nor its timing tells a guesser which addresses exist. After
CONSOLE_MAX_FAILED_ATTEMPTS failures in a row the account is locked for CONSOLE_LOCKOUT_MINUTES; while locked, even
the right password is refused.

A role is a set of the API's scopes (services.api_clients.SCOPES), checked by the same scope check as API keys
(api.auth.check_scope). Creating, disabling and resetting an account are events of the hash-chained log
(`staff_account_created`, `staff_account_disabled`, `staff_password_reset`; the actor is the staff account that
acted, none from the CLI), never with the password or its hash.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from verify_api.db.console_sessions import ConsoleSessions
from verify_api.db.events import Events
from verify_api.db.staff_accounts import StaffAccountRecord, StaffAccounts
from verify_api.errors import (
    InvalidInputError,
    SignInRefusedError,
    StaffAccountNotFoundError,
    StaffAccountStateError,
)
from verify_api.services.api_clients import SCOPES
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

# Each role's scopes, as an API key's: what the console lets its holder see and do.
ROLES: dict[str, frozenset[str]] = {
    "assessor": frozenset({"assess"}),
    "issuer": frozenset({"assess", "issue"}),
    "admin": frozenset(SCOPES) - {"prove"},  # `prove` signs with an API client's own holder key; staff have none
}
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024  # argon2 takes any length; this bounds the work one request can ask for
MAX_EMAIL_CHARS = 254  # RFC 5321's path limit, as the schema's staff_accounts_email_length


@dataclass(frozen=True)
class StaffPrincipal:
    """A signed-in staff member: the actor of what they do, with their role's scopes."""

    staff_id: UUID
    email: str
    role: str

    @property
    def scopes(self) -> frozenset[str]:
        return ROLES.get(self.role, frozenset())


@functools.cache
def password_hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


def hasher_for(settings: Settings) -> PasswordHasher:
    return password_hasher(
        settings.staff_password_time_cost, settings.staff_password_memory_kib, settings.staff_password_parallelism
    )


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of the same cost for unknown addresses to be checked against (made once per process and cost)."""
    return hasher.hash("no staff account has this address")


def check_password_rules(password: str) -> str:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidInputError(f"a staff password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")
    if "\x00" in password:
        raise InvalidInputError("a staff password must not contain U+0000")
    return password


def check_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or len(email) > MAX_EMAIL_CHARS or any(c.isspace() for c in email):
        raise InvalidInputError(f"{email[:100]!r} is not an e-mail address")
    if "\x00" in email:
        raise InvalidInputError("an e-mail address must not contain U+0000")
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInputError(f"role must be one of {', '.join(ROLES)}; got {role[:40]!r}")
    return role


async def hash_password(settings: Settings, password: str) -> str:
    return await asyncio.to_thread(hasher_for(settings).hash, check_password_rules(password))


def _password_matches_sync(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def password_matches(hasher: PasswordHasher, stored: str, password: str) -> bool:
    return await asyncio.to_thread(_password_matches_sync, hasher, stored, password)


# PLR0913: the account's fields, the moment and who asks
async def create_staff_account(  # noqa: PLR0913
    conn: Connection,
    settings: Settings,
    email: str,
    role: str,
    password: str,
    *,
    now: datetime,
    actor: UUID | None = None,
) -> StaffAccountRecord:
    email, role = check_email(email), check_role(role)
    password_hash = await hash_password(settings, password)

    async def command() -> StaffAccountRecord:
        account = await StaffAccounts(conn).insert(uuid4(), email, password_hash, role, now)
        data = {"staffId": account.id, "email": account.email, "role": account.role}
        await Events(conn).append(kind="staff_account_created", occurred_at=now, actor=actor, data=data)
        return account

    return await run_in_transaction(conn, command)


async def list_staff_accounts(conn: Connection) -> list[StaffAccountRecord]:
    return await StaffAccounts(conn).list_all()


async def find_staff_account(conn: Connection, email: str) -> StaffAccountRecord:
    account = await StaffAccounts(conn).get_by_email(email.strip())
    if account is None:
        raise StaffAccountNotFoundError(f"no staff account has the e-mail address {email[:100]!r}")
    return account


async def disable_staff_account(
    conn: Connection, email: str, *, now: datetime, actor: UUID | None = None
) -> StaffAccountRecord:
    """Disable for good and end the account's sessions at once."""

    async def command() -> StaffAccountRecord:
        account = await find_staff_account(conn, email)
        disabled = await StaffAccounts(conn).mark_disabled(account.id, now)
        if disabled is None:
            assert account.disabled_at is not None
            raise StaffAccountStateError(f"the staff account was disabled at {account.disabled_at.isoformat()}")
        await ConsoleSessions(conn).delete_for_staff(account.id)
        data = {"staffId": account.id}
        await Events(conn).append(kind="staff_account_disabled", occurred_at=now, actor=actor, data=data)
        return disabled

    return await run_in_transaction(conn, command)


# PLR0913: the account, the new password, the moment and who asks
async def reset_staff_password(  # noqa: PLR0913
    conn: Connection,
    settings: Settings,
    email: str,
    password: str,
    *,
    now: datetime,
    actor: UUID | None = None,
) -> StaffAccountRecord:
    """A new password; the lockout is lifted and every session of the account ends."""
    password_hash = await hash_password(settings, password)

    async def command() -> StaffAccountRecord:
        account = await find_staff_account(conn, email)
        if account.disabled_at is not None:
            raise StaffAccountStateError(f"the staff account was disabled at {account.disabled_at.isoformat()}")
        updated = await StaffAccounts(conn).replace_password(account.id, password_hash)
        assert updated is not None, "the account was read in this transaction"
        await ConsoleSessions(conn).delete_for_staff(account.id)
        data = {"staffId": account.id}
        await Events(conn).append(kind="staff_password_reset", occurred_at=now, actor=actor, data=data)
        return updated

    return await run_in_transaction(conn, command)


async def sign_in(conn: Connection, settings: Settings, email: str, password: str, *, now: datetime) -> StaffPrincipal:
    """The account whose address and password these are, or `SignInRefusedError` (the same for every reason)."""
    hasher = hasher_for(settings)
    dummy = await asyncio.to_thread(_dummy_hash, hasher)  # made at the first sign-in of any kind, not an unknown one's
    store = StaffAccounts(conn)
    account = await store.get_by_email(email.strip()[:MAX_EMAIL_CHARS]) if "\x00" not in email else None
    password = password[:MAX_PASSWORD_CHARS]
    stored = account.password_hash if account is not None else dummy
    matches = await password_matches(hasher, stored, password)  # always one verification, whoever asks
    if account is None or account.disabled_at is not None:
        raise SignInRefusedError
    if account.locked_until is not None and account.locked_until > now:
        raise SignInRefusedError
    if not matches:
        lockout_seconds = settings.console_lockout_minutes * 60.0
        await store.record_failed_attempt(account.id, now, settings.console_max_failed_attempts, lockout_seconds)
        raise SignInRefusedError
    # The settings' cost changed since this hash was made: redo it now, while the password is at hand.
    rehashed = await asyncio.to_thread(hasher.hash, password) if hasher.check_needs_rehash(stored) else None
    await store.record_sign_in(account.id, now, rehashed)
    return StaffPrincipal(staff_id=account.id, email=account.email, role=account.role)
