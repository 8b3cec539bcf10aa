"""Holders' privacy choices: the account's (`holders.public_listing`, `holders.indexable`) and each credential's
(`credential_privacy`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

SQL = NamedSql("sql/holder_privacy.sql")


class AccountChoices(msgspec.Struct, frozen=True):
    public_listing: bool
    indexable: bool


class CredentialChoices(msgspec.Struct, frozen=True):
    credential_id: str
    listed: bool
    indexable: bool


class HolderPrivacy(RepositoryBase):
    async def account(self, holder_id: UUID) -> AccountChoices | None:
        return await self._one(AccountChoices, SQL.account, holder_id)

    async def lock_account(self, holder_id: UUID) -> AccountChoices | None:
        """The holder's choices, their row locked until the transaction ends (changes go one at a time)."""
        return await self._one(AccountChoices, SQL.lock_account, holder_id)

    async def set_account(self, holder_id: UUID, choices: AccountChoices) -> None:
        await self._execute(SQL.set_account, holder_id, choices.public_listing, choices.indexable)

    async def credential_choices(self, holder_id: UUID) -> list[CredentialChoices]:
        return await self._all(CredentialChoices, SQL.credential_choices, holder_id)

    async def set_credential(self, choices: CredentialChoices, now: datetime) -> None:
        await self._execute(SQL.set_credential, choices.credential_id, choices.listed, choices.indexable, now)

    async def page_indexable(self, credential_id: str) -> bool | None:
        """None when the credential has no holder (an organisation's)."""
        found: bool | None = await self._fetchval(SQL.page_indexable, credential_id)
        return found
