"""The `credential_offers` table (OID4VCI credential offers with their pre-authorized code) and `wallet_deliveries`
(what each offer delivered). Codes, transaction codes and access tokens are found by their SHA-256, never stored."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/credential_offers.sql")


class NewCredentialOffer(msgspec.Struct, frozen=True):
    """An offer to insert, columns in the order the statement writes them."""

    id: UUID
    credential_id: str
    configuration_ids: list[str]
    code_hash: bytes
    tx_code_hash: bytes | None
    created_at: datetime
    created_by: UUID | None
    expires_at: datetime


class OfferAtToken(msgspec.Struct, frozen=True):
    """An offer as the Token Endpoint reads it (locked)."""

    id: UUID
    credential_id: str
    configuration_ids: list[str]
    tx_code_hash: bytes | None
    tx_code_failures: int
    expires_at: datetime
    redeemed_at: datetime | None


class AuthorizedOffer(msgspec.Struct, frozen=True):
    """The offer a live access token was issued for: what the Credential Endpoint may deliver."""

    id: UUID
    credential_id: str
    configuration_ids: list[str]


class CredentialOffers(RepositoryBase):
    async def insert(self, offer: NewCredentialOffer) -> None:
        await self._execute(SQL.insert, *msgspec.structs.astuple(offer))

    async def lock_by_code(self, code_hash: bytes) -> OfferAtToken | None:
        return await self._one(OfferAtToken, SQL.lock_by_code, code_hash)

    async def redeem(self, offer_id: UUID, now: datetime, token_hash: bytes, token_expires_at: datetime) -> bool:
        return await self._fetchval(SQL.redeem, offer_id, now, token_hash, token_expires_at) is not None

    async def count_tx_code_failure(self, offer_id: UUID) -> int:
        failures: int = await self._fetchval(SQL.count_tx_code_failure, offer_id)
        return failures

    async def revoke_token(self, offer_id: UUID, now: datetime) -> None:
        await self._execute(SQL.revoke_token, offer_id, now)

    async def by_access_token(self, token_hash: bytes, now: datetime) -> AuthorizedOffer | None:
        return await self._one(AuthorizedOffer, SQL.by_access_token, token_hash, now)

    async def lock_offer(self, offer_id: UUID) -> None:
        await self._execute(SQL.lock_offer, offer_id)

    async def record_delivery(self, offer_id: UUID, configuration_id: str, copy_id: str, now: datetime) -> bool:
        """False when this offer already delivered this configuration (nothing is written)."""
        return await self._fetchval(SQL.record_delivery, offer_id, configuration_id, copy_id, now) is not None
