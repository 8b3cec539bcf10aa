"""Scoped API keys. The secret is shown once; only its SHA-256 is stored.

A 256-bit random secret cannot be brute-forced from its hash, so a slow password hash would only cost latency.
The prefix finds the row; the hash comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from verify_api.db.api_clients import ApiClients
from verify_api.errors import AuthenticationError, InvalidInputError

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection

SCOPES = ("assess", "issue", "manage")
_SECRET_PREFIX = "paiv"  # noqa: S105 - a public label that marks PAI Verify keys, not a secret


@dataclass(frozen=True)
class ApiPrincipal:
    client_id: UUID
    name: str
    scopes: frozenset[str]


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def create_api_client(conn: Connection, name: str, scopes: list[str], *, now: datetime) -> tuple[UUID, str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInputError(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    prefix = secrets.token_hex(6)
    secret = f"{_SECRET_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    client_id = uuid4()
    await ApiClients(conn).insert(client_id, name, prefix, _hash(secret), sorted(set(scopes)), now)
    return client_id, secret


async def authenticate(conn: Connection, presented: str) -> ApiPrincipal:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != _SECRET_PREFIX:
        raise AuthenticationError("the API key is malformed")
    client = await ApiClients(conn).get_by_prefix(parts[1])
    # Compare even when no row matched, so timing does not reveal which prefixes exist.
    expected = client.secret_hash if client else b"\0" * 32
    if not hmac.compare_digest(expected, _hash(presented)) or client is None:
        raise AuthenticationError("the API key is not valid")
    return ApiPrincipal(client_id=client.id, name=client.name, scopes=frozenset(client.scopes))
