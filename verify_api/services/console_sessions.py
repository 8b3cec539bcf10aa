"""Console sessions: opened at sign-in, found by their cookie's token, ended at sign-out or by time.

The token is 32 random bytes (`secrets.token_urlsafe(32)`), sent only in the session cookie; the database keeps its
SHA-256, so a copy of the table opens no session (a 256-bit random token cannot be guessed back from its hash, so a
slow hash would only add latency, as for API keys). A session ends CONSOLE_SESSION_IDLE_MINUTES after its last page
and CONSOLE_SESSION_ABSOLUTE_HOURS after sign-in, whichever is first; disabling the account or resetting its password
ends all of its sessions. `last_seen_at` is written at most once a minute per session.

Each session has its own CSRF secret: every form of the console carries it as a synchronizer token
(`csrf_token`), and a POST whose token does not match its session's is refused (`check_csrf_token`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from verify_api.db.console_sessions import ConsoleSessions
from verify_api.services.session_tokens import (
    LAST_SEEN_RESOLUTION,
    MAX_TOKEN_CHARS,
    csrf_token_of,
    new_csrf_secret,
    new_session_token,
    token_hash,
)
from verify_api.services.session_tokens import check_csrf_token as check_session_csrf_secret
from verify_api.services.staff_accounts import StaffPrincipal

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.settings import Settings


@dataclass(frozen=True)
class OpenedSession:
    """A session just opened: its token, the one time it exists outside the cookie."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class ConsoleSession:
    principal: StaffPrincipal
    token_hash: bytes
    csrf_secret: bytes
    expires_at: datetime

    @property
    def csrf_token(self) -> str:
        return csrf_token_of(self.csrf_secret)


def idle_limit(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.console_session_idle_minutes)


async def open_session(
    conn: Connection, settings: Settings, principal: StaffPrincipal, *, now: datetime
) -> OpenedSession:
    """A new session (a new token at every sign-in, so no token chosen before it can be fixed on a browser)."""
    store = ConsoleSessions(conn)
    await store.delete_expired(now, idle_limit(settings).total_seconds())  # housekeeping, one statement
    token = new_session_token()
    expires_at = now + timedelta(hours=settings.console_session_absolute_hours)
    await store.insert(token_hash(token), principal.staff_id, now, expires_at, new_csrf_secret())
    return OpenedSession(token=token, expires_at=expires_at)


async def resume_session(conn: Connection, settings: Settings, token: str, *, now: datetime) -> ConsoleSession | None:
    """The live session of this cookie token, or None (unknown, ended, expired, idle too long, account disabled)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    hashed = token_hash(token)
    store = ConsoleSessions(conn)
    found = await store.get_live(hashed, now, idle_limit(settings).total_seconds())
    if found is None:
        return None
    if now - found.last_seen_at >= LAST_SEEN_RESOLUTION:
        await store.touch(hashed, now, LAST_SEEN_RESOLUTION.total_seconds())
    principal = StaffPrincipal(staff_id=found.staff_id, email=found.email, role=found.role)
    return ConsoleSession(principal, hashed, found.csrf_secret, found.expires_at)


async def end_session(conn: Connection, session: ConsoleSession) -> None:
    await ConsoleSessions(conn).delete(session.token_hash)


def check_csrf_token(session: ConsoleSession, presented: str | None) -> None:
    """Refuse a form whose synchronizer token is not this session's (services.session_tokens)."""
    check_session_csrf_secret(session.csrf_secret, presented)
