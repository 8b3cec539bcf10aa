"""The `oauth_clients` table: Open Badges API clients registered by RFC 7591 dynamic client registration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/oauth_clients.sql")


class OAuthClientRecord(msgspec.Struct, frozen=True):
    client_id: str
    secret_hash: bytes
    metadata: dict[str, Any]
    redirect_uris: list[str]
    scope: str
    grant_types: list[str]
    created_at: datetime


class OAuthClients(RepositoryBase):
    async def insert(self, client: OAuthClientRecord) -> None:
        await self._execute(
            SQL.insert,
            client.client_id,
            client.secret_hash,
            client.metadata,
            client.redirect_uris,
            client.scope,
            client.grant_types,
            client.created_at,
        )

    async def get(self, client_id: str) -> OAuthClientRecord | None:
        return await self._one(OAuthClientRecord, SQL.get, client_id)
