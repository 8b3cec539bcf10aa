"""Holders' privacy choices (issue 13): listed in the public directory or not, indexable by search engines or not,
for the account and narrowed per credential.

One command, `change_privacy`, for the holder on /me and for staff (PATCH /v1/holders/{id}/privacy, the console):
under the holder's row lock it applies what really changes and records one `holder_changed` event with the old and
new values and who made it (`by`: "holder" or "staff"; a staff change also names its actor). So staff can never
override a choice silently: the holder sees the change in the history on /me, and the event feed and webhooks carry
`holder.changed` (its field names only, as for corrections).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec

from verify_api.db.events import Events
from verify_api.db.holder_privacy import AccountChoices, CredentialChoices, HolderPrivacy
from verify_api.errors import CredentialNotFoundError, HolderNotFoundError, InvalidInputError
from verify_api.holder_privacy_schemas import CredentialPrivacyView, HolderPrivacyView
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.holder_privacy_schemas import HolderPrivacyChange
    from verify_api.services.context import ServiceContext

ChangedBy = Literal["holder", "staff"]
MAX_CREDENTIAL_CHANGES = 100


def privacy_view(account: AccountChoices, credentials: list[CredentialChoices]) -> HolderPrivacyView:
    return HolderPrivacyView(
        public_listing=account.public_listing,
        indexable=account.indexable,
        credentials=[CredentialPrivacyView(c.credential_id, c.listed, c.indexable) for c in credentials],
    )


async def holder_privacy(conn: Connection, holder_id: UUID) -> HolderPrivacyView:
    store = HolderPrivacy(conn)
    account = await store.account(holder_id)
    if account is None:
        raise HolderNotFoundError(f"no holder has id {holder_id}")
    return privacy_view(account, await store.credential_choices(holder_id))


def _given(value: bool | msgspec.UnsetType, current: bool) -> bool:
    return current if isinstance(value, msgspec.UnsetType) else value


def _changes_of(
    account: AccountChoices, credentials: dict[str, CredentialChoices], change: HolderPrivacyChange
) -> tuple[AccountChoices, list[CredentialChoices], dict[str, dict[str, Any]]]:
    """The new account choices, the credentials whose choices change, and the event's {field: {old, new}}."""
    found: dict[str, dict[str, Any]] = {}
    new_account = AccountChoices(
        public_listing=_given(change.public_listing, account.public_listing),
        indexable=_given(change.indexable, account.indexable),
    )
    for name, old, new in (
        ("publicListing", account.public_listing, new_account.public_listing),
        ("indexable", account.indexable, new_account.indexable),
    ):
        if old != new:
            found[name] = {"old": old, "new": new}
    changed: list[CredentialChoices] = []
    for item in change.credentials:
        current = credentials.get(item.credential_id)
        if current is None:
            raise CredentialNotFoundError(f"the holder has no credential with id {item.credential_id!r}")
        updated = CredentialChoices(
            item.credential_id, _given(item.listed, current.listed), _given(item.indexable, current.indexable)
        )
        for name, old, new in (
            ("listed", current.listed, updated.listed),
            ("indexable", current.indexable, updated.indexable),
        ):
            if old != new:
                found[f"credential {item.credential_id} {name}"] = {"old": old, "new": new}
        if updated != current:
            credentials[item.credential_id] = updated
            changed.append(updated)
    return new_account, changed, found


async def change_privacy(  # noqa: PLR0913 (who and when, keyword-only, beside the change)
    conn: Connection,
    ctx: ServiceContext,
    holder_id: UUID,
    change: HolderPrivacyChange,
    *,
    now: datetime,
    by: ChangedBy,
    actor: UUID | None = None,
) -> HolderPrivacyView:
    """Apply the choices that change and record them as one `holder_changed` event, in one transaction (nothing is
    written when nothing changes)."""
    if len(change.credentials) > MAX_CREDENTIAL_CHANGES:
        raise InvalidInputError(f"at most {MAX_CREDENTIAL_CHANGES} credentials per change")

    async def command() -> HolderPrivacyView:
        store = HolderPrivacy(conn)
        account = await store.lock_account(holder_id)
        if account is None:
            raise HolderNotFoundError(f"no holder has id {holder_id}")
        credentials = {c.credential_id: c for c in await store.credential_choices(holder_id)}
        new_account, changed, changes = _changes_of(account, credentials, change)
        if not changes:
            return privacy_view(account, list(credentials.values()))
        if new_account != account:
            await store.set_account(holder_id, new_account)
        for choices in changed:
            await store.set_credential(choices, now)
        await Events(conn).append(
            kind="holder_changed",
            occurred_at=now,
            actor=actor,
            data={"holder": str(holder_id), "changes": changes, "by": by},
        )
        await checkpoint_after_write(conn, ctx, now=now)
        return privacy_view(new_account, list(credentials.values()))

    return await run_in_transaction(conn, command)


async def page_indexable(conn: Connection, credential_id: str) -> bool:
    """May search engines index this person's credential page: when both the holder and the credential allow it."""
    return bool(await HolderPrivacy(conn).page_indexable(credential_id))
