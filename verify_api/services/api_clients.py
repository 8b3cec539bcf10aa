"""Scoped API keys: create, list, revoke, rotate, expire. The secret is shown once; only its SHA-256 is stored.

A 256-bit random secret cannot be brute-forced from its hash, so a slow password hash (argon2) would only cost
latency on every request. The prefix finds the row; the hash comparison is constant-time. Only after the secret
matched does the refusal say that the key was revoked or has expired (a guesser learns nothing).

Creating, revoking and rotating a key are events of the hash-chained log (kinds `api_key_created`,
`api_key_revoked`, `api_key_rotated`; the actor is the key that asked, none from the CLI), never with the secret.
Last use is recorded at most once a minute per key (`LAST_USED_RESOLUTION`), not as a write per request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from verify_api.db.api_clients import ApiClients
from verify_api.db.events import Events
from verify_api.errors import ApiKeyNotFoundError, ApiKeyStateError, AuthenticationError, InvalidInputError
from verify_api.services.holder_keys import retire_holder_keys
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.db.records import ApiKeyRecord

# `prove`: POST /presentations/prove, signing presentations with the client's own holder key (services/holder_keys.py);
# no other scope implies it.
SCOPES = ("assess", "issue", "manage", "prove")
_SECRET_PREFIX = "paiv"  # noqa: S105 - a public label that marks PAI Verify keys, not a secret
# How stale `last_used_at` may be: one write per key per this interval at most, whatever the request rate.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiPrincipal:
    client_id: UUID
    name: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class IssuedApiKey:
    """A key just created or rotated, with its secret: the one time the secret exists outside its holder."""

    key: ApiKeyRecord
    secret: str


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{_SECRET_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise InvalidInputError(f"expiresAt must be in the future; got {expires_at.isoformat()}")


def api_key_status(key: ApiKeyRecord, now: datetime) -> str:
    """active, expired or revoked (revoked wins: it is final)."""
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


# PLR0913: the key's fields, the moment and who asks
async def issue_api_key(  # noqa: PLR0913
    conn: Connection,
    name: str,
    scopes: list[str],
    *,
    now: datetime,
    expires_at: datetime | None = None,
    actor: UUID | None = None,
) -> IssuedApiKey:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInputError(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    if not 1 <= len(name) <= 100:  # the schema's api_clients_name_length
        raise InvalidInputError("the key's name must be 1 to 100 characters")
    _check_expiry(expires_at, now)
    prefix, secret = _new_secret()

    async def command() -> ApiKeyRecord:
        key = await ApiClients(conn).insert(uuid4(), name, prefix, _hash(secret), sorted(set(scopes)), now, expires_at)
        data = {"apiKeyId": key.id, "name": key.name, "scopes": key.scopes, "expiresAt": key.expires_at}
        await Events(conn).append(kind="api_key_created", occurred_at=now, actor=actor, data=data)
        return key

    return IssuedApiKey(key=await run_in_transaction(conn, command), secret=secret)


async def create_api_client(conn: Connection, name: str, scopes: list[str], *, now: datetime) -> tuple[UUID, str]:
    """A key without expiry: (its id, its secret)."""
    issued = await issue_api_key(conn, name, scopes, now=now)
    return issued.key.id, issued.secret


async def list_api_keys(conn: Connection) -> list[ApiKeyRecord]:
    return await ApiClients(conn).list_all()


async def revoke_api_key(conn: Connection, key_id: UUID, *, now: datetime, actor: UUID | None = None) -> ApiKeyRecord:
    """Revoke at once and for good; a second revocation is a conflict that names when the first happened."""

    async def command() -> ApiKeyRecord:
        store = ApiClients(conn)
        revoked = await store.mark_revoked(key_id, now)
        if revoked is None:
            raise _missing_or_revoked(await store.get(key_id), key_id, "revoke")
        await Events(conn).append(kind="api_key_revoked", occurred_at=now, actor=actor, data={"apiKeyId": key_id})
        await retire_holder_keys(conn, key_id, now=now)  # its holder key goes with it
        return revoked

    return await run_in_transaction(conn, command)


async def rotate_api_key(
    conn: Connection,
    key_id: UUID,
    *,
    now: datetime,
    expires_at: datetime | None = None,
    actor: UUID | None = None,
) -> IssuedApiKey:
    """A new secret for the same key (id, name, scopes and history stay); the old secret stops working at once.

    The expiry stays unless a new one is given; an expired key needs a new one, or it would be born expired.
    """
    _check_expiry(expires_at, now)
    prefix, secret = _new_secret()

    async def command() -> ApiKeyRecord:
        store = ApiClients(conn)
        current = await store.get(key_id)
        if current is None or current.revoked_at is not None:
            raise _missing_or_revoked(current, key_id, "rotate")
        new_expiry = expires_at or current.expires_at
        if new_expiry is not None and new_expiry <= now:
            raise ApiKeyStateError(
                f"the API key expired at {new_expiry.isoformat()}; give a new expiresAt to rotate it", id=str(key_id)
            )
        rotated = await store.replace_secret(key_id, prefix, _hash(secret), new_expiry, now)
        if rotated is None:  # revoked between the read and the write
            raise _missing_or_revoked(await store.get(key_id), key_id, "rotate")
        data = {"apiKeyId": key_id, "expiresAt": rotated.expires_at}
        await Events(conn).append(kind="api_key_rotated", occurred_at=now, actor=actor, data=data)
        await retire_holder_keys(conn, key_id, now=now)  # a new holder key on its next presentation
        return rotated

    return IssuedApiKey(key=await run_in_transaction(conn, command), secret=secret)


def _missing_or_revoked(key: ApiKeyRecord | None, key_id: UUID, action: str) -> Exception:
    if key is None or key.revoked_at is None:
        return ApiKeyNotFoundError(f"no API key has the id {key_id}", id=str(key_id))
    return ApiKeyStateError(
        f"cannot {action} the API key: it was revoked at {key.revoked_at.isoformat()}", id=str(key_id)
    )


async def authenticate(conn: Connection, presented: str, *, now: datetime) -> ApiPrincipal:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != _SECRET_PREFIX:  # label, prefix, secret
        raise AuthenticationError("the API key is malformed")
    store = ApiClients(conn)
    client = await store.get_by_prefix(parts[1])
    # Compare even when no row matched, so timing does not reveal which prefixes exist.
    expected = client.secret_hash if client else b"\0" * 32
    if not hmac.compare_digest(expected, _hash(presented)) or client is None:
        raise AuthenticationError("the API key is not valid")
    if client.revoked_at is not None:
        raise AuthenticationError(f"the API key was revoked at {client.revoked_at.isoformat()}")
    if client.expires_at is not None and client.expires_at <= now:
        expired = client.expires_at.isoformat()
        raise AuthenticationError(f"the API key expired at {expired}; rotate it or create a new one")
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        await store.touch_last_used(client.id, now, LAST_USED_RESOLUTION.total_seconds())
    return ApiPrincipal(client_id=client.id, name=client.name, scopes=frozenset(client.scopes))
