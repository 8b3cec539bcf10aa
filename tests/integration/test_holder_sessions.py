"""Holder sessions (services.holder_sessions) against the real PostgreSQL: opened and resumed by their token, kept
only as the token's SHA-256, ended by sign-out, by the idle and the absolute limits, and by an address change; the
CSRF secret is per session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from verify_api.db.holders import Holders
from verify_api.db.records import HolderRecord
from verify_api.errors import CsrfRefusedError
from verify_api.services.holder_sessions import (
    check_holder_csrf_token,
    end_holder_session,
    end_holder_sessions,
    open_holder_session,
    resume_holder_session,
)
from verify_api.services.session_tokens import token_hash

if TYPE_CHECKING:
    import asyncpg

    from verify_api.settings import Settings

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def make_holder_row(conn: asyncpg.Connection, email: str = "ada@example.org") -> uuid.UUID:
    holder = HolderRecord(uuid.uuid4(), "Ada Lovelace", email, public_listing=False, created_at=T0)
    return (await Holders(conn).insert(holder)).id


async def test_holder_session_resumes_by_token_and_stores_only_its_hash(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    holder_id = await make_holder_row(conn)
    opened = await open_holder_session(conn, settings, holder_id, now=T0)
    assert opened.expires_at == T0 + timedelta(hours=settings.holder_session_absolute_hours)
    session = await resume_holder_session(conn, settings, opened.token, now=T0 + timedelta(minutes=5))
    assert session is not None
    assert session.holder_id == holder_id
    stored = await conn.fetch("SELECT token_hash, csrf_secret FROM holder_sessions")
    assert [bytes(r["token_hash"]) for r in stored] == [token_hash(opened.token)]
    assert opened.token.encode() not in bytes(stored[0]["token_hash"])
    assert await resume_holder_session(conn, settings, opened.token + "x", now=T0) is None
    assert await resume_holder_session(conn, settings, "", now=T0) is None
    assert await resume_holder_session(conn, settings, "a" * 500, now=T0) is None


async def test_holder_session_ends_after_the_idle_limit_unless_used(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    holder_id = await make_holder_row(conn)
    opened = await open_holder_session(conn, settings, holder_id, now=T0)
    idle = timedelta(minutes=settings.holder_session_idle_minutes)
    # Used just before the idle limit: the limit counts from then.
    assert await resume_holder_session(conn, settings, opened.token, now=T0 + idle - timedelta(minutes=1)) is not None
    assert await resume_holder_session(conn, settings, opened.token, now=T0 + 2 * idle - timedelta(minutes=2))
    assert await resume_holder_session(conn, settings, opened.token, now=T0 + 3 * idle) is None


async def test_holder_session_ends_at_the_absolute_limit_however_busy(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    holder_id = await make_holder_row(conn)
    opened = await open_holder_session(conn, settings, holder_id, now=T0)
    step = timedelta(minutes=settings.holder_session_idle_minutes // 2)
    at = T0
    while at + step < opened.expires_at:
        at += step
        assert await resume_holder_session(conn, settings, opened.token, now=at) is not None
    assert await resume_holder_session(conn, settings, opened.token, now=opened.expires_at) is None


async def test_holder_session_ends_at_sign_out_and_at_an_address_change(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    holder_id = await make_holder_row(conn)
    first = await open_holder_session(conn, settings, holder_id, now=T0)
    second = await open_holder_session(conn, settings, holder_id, now=T0)
    third = await open_holder_session(conn, settings, holder_id, now=T0)
    assert len({first.token, second.token, third.token}) == 3
    session = await resume_holder_session(conn, settings, first.token, now=T0)
    assert session is not None
    await end_holder_session(conn, session)
    assert await resume_holder_session(conn, settings, first.token, now=T0) is None
    assert await resume_holder_session(conn, settings, second.token, now=T0) is not None
    await end_holder_sessions(conn, holder_id)
    assert await resume_holder_session(conn, settings, second.token, now=T0) is None
    assert await resume_holder_session(conn, settings, third.token, now=T0) is None


async def test_holder_csrf_token_is_the_sessions_own(conn: asyncpg.Connection, settings: Settings) -> None:
    holder_id = await make_holder_row(conn)
    mine = await resume_holder_session(
        conn, settings, (await open_holder_session(conn, settings, holder_id, now=T0)).token, now=T0
    )
    other = await resume_holder_session(
        conn, settings, (await open_holder_session(conn, settings, holder_id, now=T0)).token, now=T0
    )
    assert mine is not None
    assert other is not None
    check_holder_csrf_token(mine, mine.csrf_token)
    for wrong in (other.csrf_token, "", None, mine.csrf_token[:-1]):
        with pytest.raises(CsrfRefusedError, match="CSRF token"):
            check_holder_csrf_token(mine, wrong)
