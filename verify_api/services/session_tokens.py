"""What the staff console's and the holders' sessions share (services.console_sessions, services.holder_sessions).

A session's token is 32 random bytes (`secrets.token_urlsafe(32)`), sent only in its cookie; the database keeps its
SHA-256, so a copy of a sessions table opens no session (a 256-bit random token cannot be guessed back from its
hash, so a slow hash would only add latency, as for API keys). `last_seen_at` is written at most once a minute.

Each session has its own CSRF secret: every form carries it as a synchronizer token, and a POST whose token does not
match its session's is refused (`check_csrf_token`, a constant-time comparison).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from verify_api.errors import CsrfRefusedError

LAST_SEEN_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_CHARS = 100  # token_urlsafe(32) is 43 characters; anything much longer is not one of ours


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_secret() -> bytes:
    return secrets.token_bytes(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def csrf_token_of(csrf_secret: bytes) -> str:
    """The synchronizer token a session's forms carry."""
    return base64.urlsafe_b64encode(csrf_secret).decode().rstrip("=")


def check_csrf_token(csrf_secret: bytes, presented: str | None) -> None:
    """Refuse a form whose synchronizer token is not this session's (constant-time comparison)."""
    if not presented or not hmac.compare_digest(presented.encode(), csrf_token_of(csrf_secret).encode()):
        raise CsrfRefusedError("the form's CSRF token is missing or not this session's; reload the page and try again")
