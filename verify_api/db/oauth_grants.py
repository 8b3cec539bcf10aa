"""The `oauth_codes`, `oauth_grants` and `oauth_tokens` tables: what the Open Badges API authorization server hands
out, each secret found by its SHA-256 (the services hash; the tables never see a secret)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/oauth_grants.sql")
TokenKind = Literal["access", "refresh"]


class AuthorizationCodeRecord(msgspec.Struct, frozen=True):
    code_hash: bytes
    client_id: str
    holder_id: UUID
    redirect_uri: str
    scope: str
    code_challenge: str
    created_at: datetime
    expires_at: datetime


class LiveAccessToken(msgspec.Struct, frozen=True):
    grant_id: UUID
    scope: str
    expires_at: datetime
    client_id: str
    holder_id: UUID


class UsedRefreshToken(msgspec.Struct, frozen=True):
    grant_id: UUID
    scope: str
    client_id: str
    holder_id: UUID


class ClientToken(msgspec.Struct, frozen=True):
    grant_id: UUID
    kind: TokenKind
    revoked: bool


class OAuthGrants(RepositoryBase):
    async def insert_code(self, code: AuthorizationCodeRecord) -> None:
        await self._execute(
            SQL.insert_code,
            code.code_hash,
            code.client_id,
            code.holder_id,
            code.redirect_uri,
            code.scope,
            code.code_challenge,
            code.created_at,
            code.expires_at,
        )

    async def use_code(self, code_hash: bytes, now: datetime) -> AuthorizationCodeRecord | None:
        """The code, marked used by this call; None when it is unknown or was used already."""
        return await self._one(AuthorizationCodeRecord, SQL.use_code, code_hash, now)

    async def code_was_used(self, code_hash: bytes) -> bool:
        return bool(await self._fetchval(SQL.code_was_used, code_hash))

    async def delete_expired_codes(self, now: datetime) -> None:
        await self._execute(SQL.delete_expired_codes, now)

    # PLR0913: one argument per column the statement writes
    async def insert_grant(  # noqa: PLR0913
        self, grant_id: UUID, code_hash: bytes, client_id: str, holder_id: UUID, scope: str, now: datetime
    ) -> None:
        await self._execute(SQL.insert_grant, grant_id, code_hash, client_id, holder_id, scope, now)

    async def revoke_grant_of_code(self, code_hash: bytes, now: datetime) -> None:
        await self._execute(SQL.revoke_grant_of_code, code_hash, now)

    async def revoke_grant(self, grant_id: UUID, now: datetime) -> None:
        await self._execute(SQL.revoke_grant, grant_id, now)

    # PLR0913: one argument per column the statement writes
    async def insert_token(  # noqa: PLR0913
        self, token_hash: bytes, grant_id: UUID, kind: TokenKind, scope: str, now: datetime, expires_at: datetime
    ) -> None:
        await self._execute(SQL.insert_token, token_hash, grant_id, kind, scope, now, expires_at)

    async def live_access_token(self, token_hash: bytes, now: datetime) -> LiveAccessToken | None:
        return await self._one(LiveAccessToken, SQL.live_access_token, token_hash, now)

    async def use_refresh_token(self, token_hash: bytes, client_id: str, now: datetime) -> UsedRefreshToken | None:
        """The refresh token's grant, the token revoked by this call; None when it is not a live one of this client."""
        return await self._one(UsedRefreshToken, SQL.use_refresh_token, token_hash, client_id, now)

    async def token_of_client(self, token_hash: bytes, client_id: str) -> ClientToken | None:
        return await self._one(ClientToken, SQL.token_of_client, token_hash, client_id)

    async def revoke_token(self, token_hash: bytes, now: datetime) -> None:
        await self._execute(SQL.revoke_token, token_hash, now)

    async def delete_expired_tokens(self, now: datetime) -> None:
        await self._execute(SQL.delete_expired_tokens, now)
