"""Wallet copies in the register (`credentials` rows of kind 'wallet_copy'): a certification re-signed for a wallet
key, sharing the status of the certification it names in `status_of`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.settings import Cryptosuite, JoseSecuring

SQL = NamedSql("sql/wallet_copies.sql")


class NewWalletCopy(msgspec.Struct, frozen=True):
    """A wallet copy to insert, in the order the statement writes the columns."""

    document: bytes
    cryptosuite: Cryptosuite | JoseSecuring
    signing_key_id: str
    revocation_list: str
    revocation_index: int
    suspension_list: str
    suspension_index: int
    id: str
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    issued_by: UUID | None
    document_id: str
    status_of: str


class WalletCopyRecord(msgspec.Struct, frozen=True):
    """A wallet copy with the key that signed it (its own key window; its status is `status_of`'s)."""

    id: str
    status_of: str
    document: bytes
    cryptosuite: Cryptosuite | JoseSecuring
    signing_key_id: str
    issued_at: datetime
    key_multibase: str
    key_compromised_since: datetime | None
    key_created_at: datetime
    key_retired_at: datetime | None


class WalletCopies(RepositoryBase):
    async def insert(self, copy: NewWalletCopy) -> None:
        await self._execute(SQL.insert, *msgspec.structs.astuple(copy))

    async def find_by_document_id(self, document_id: str) -> WalletCopyRecord | None:
        return await self._one(WalletCopyRecord, SQL.find_by_document_id, document_id)
