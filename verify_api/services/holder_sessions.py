"""Holder sessions: opened when a holder follows their sign-in link, found by their cookie's token, ended at
sign-out or by time (issue 13). Modelled on services/console_sessions.py.

The token is 32 random bytes (`secrets.token_urlsafe(32)`), sent only in the `HOLDER_SESSION_COOKIE` cookie; the
database keeps its SHA-256, so a copy of the table opens no session (a 256-bit random token cannot be guessed back
from its hash, so a slow hash would only add latency). A session ends HOLDER_SESSION_IDLE_MINUTES after its last
request and HOLDER_SESSION_ABSOLUTE_HOURS after sign-in, whichever is first; a change of the holder's e-mail address
ends all of their sessions. `last_seen_at` is written at most once a minute per session.

Each session has its own CSRF secret: every form of /me carries it as a synchronizer token (`csrf_token`), and a
POST whose token does not match its session's is refused (`check_holder_csrf_token`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from verify_api.db.holder_sessions import HolderSessions
from verify_api.services.session_tokens import (
    LAST_SEEN_RESOLUTION,
    MAX_TOKEN_CHARS,
    check_csrf_token,
    csrf_token_of,
    new_csrf_secret,
    new_session_token,
    token_hash,
)

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

HOLDER_SESSION_COOKIE = "holder_session"


@dataclass(frozen=True)
class OpenedHolderSession:
    """A session just opened: its token, the one time it exists outside the cookie."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class HolderSession:
    holder_id: UUID
    token_hash: bytes
    csrf_secret: bytes
    expires_at: datetime

    @property
    def csrf_token(self) -> str:
        return csrf_token_of(self.csrf_secret)


def idle_limit(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.holder_session_idle_minutes)


async def open_holder_session(
    conn: Connection, settings: Settings, holder_id: UUID, *, now: datetime
) -> OpenedHolderSession:
    """A new session (a new token at every sign-in, so no token chosen before it can be fixed on a browser)."""
    store = HolderSessions(conn)
    await store.delete_expired(now, idle_limit(settings).total_seconds())  # housekeeping, one statement
    token = new_session_token()
    expires_at = now + timedelta(hours=settings.holder_session_absolute_hours)
    await store.insert(token_hash(token), holder_id, now, expires_at, new_csrf_secret())
    return OpenedHolderSession(token=token, expires_at=expires_at)


async def resume_holder_session(
    conn: Connection, settings: Settings, token: str, *, now: datetime
) -> HolderSession | None:
    """The live session of this cookie token, or None (unknown, ended, expired, idle too long)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    hashed = token_hash(token)
    store = HolderSessions(conn)
    found = await store.get_live(hashed, now, idle_limit(settings).total_seconds())
    if found is None:
        return None
    if now - found.last_seen_at >= LAST_SEEN_RESOLUTION:
        await store.touch(hashed, now, LAST_SEEN_RESOLUTION.total_seconds())
    return HolderSession(found.holder_id, hashed, found.csrf_secret, found.expires_at)


async def end_holder_session(conn: Connection, session: HolderSession) -> None:
    await HolderSessions(conn).delete(session.token_hash)


async def end_holder_sessions(conn: Connection, holder_id: UUID) -> None:
    """Every session of the holder (their sign-in address changed: links and sessions of the old one end)."""
    await HolderSessions(conn).delete_for_holder(holder_id)


def check_holder_csrf_token(session: HolderSession, presented: str | None) -> None:
    """Refuse a form whose synchronizer token is not this session's (services.session_tokens)."""
    check_csrf_token(session.csrf_secret, presented)
