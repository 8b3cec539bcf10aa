"""A holder's change of e-mail address (issue 13), confirmed from both addresses.

`request_email_change` (a signed-in holder, on /me) records the change and e-mails a single-use link to each
address, both valid for HOLDER_EMAIL_CHANGE_LINK_HOURS; a newer request cancels the open one (its links stop
working). `confirm_email_change` uses one link (its GET only shows a button, as the sign-in link's) and records that
address's confirmation; the second confirmation applies the change, in the same transaction: the address is
updated (another holder's address is refused by the schema, holders_email_key), a `holder_changed` event records
it, and every session of the holder ends (the account's sign-in address changed). Requests count against the new
address's sign-in limit, so the form cannot be used to flood someone's mailbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from verify_api.db.events import Events
from verify_api.db.holder_accounts import HolderAccounts
from verify_api.db.holder_email_changes import HolderEmailChanges
from verify_api.db.holder_links import HolderLinks
from verify_api.db.holders import Holders
from verify_api.errors import ConflictError, HolderLinkInvalidError, HolderNotFoundError, InvalidInputError
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.holder_mail import enqueue_holder_mail
from verify_api.services.holder_sessions import end_holder_sessions
from verify_api.services.holder_sign_in import address_bucket, checked_email, count_against_limits, new_link
from verify_api.services.session_tokens import token_hash
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.holder_links import LinkPurpose
    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext

CONFIRM_PATH = "/me/email/confirm"


@dataclass(frozen=True)
class ConfirmOutcome:
    applied: bool  # both addresses have confirmed: the change is made
    new_email: str


async def request_email_change(
    conn: Connection, ctx: ServiceContext, holder_id: UUID, new_email_text: str, *, now: datetime
) -> None:
    settings = ctx.settings
    new_email = checked_email(new_email_text)

    async def command() -> None:
        holder = await Holders(conn).lock(holder_id)
        if holder is None:
            raise HolderNotFoundError(f"no holder has id {holder_id}")
        if holder.email is None:
            raise InvalidInputError("this account has no e-mail address to confirm the change from")
        if holder.email.lower() == new_email.lower():
            raise InvalidInputError("that is the address the account has already")
        await count_against_limits(
            HolderLinks(conn), settings, [(address_bucket(new_email), settings.holder_sign_in_per_address)], now
        )
        changes = HolderEmailChanges(conn)
        await changes.cancel_open(holder_id, now)
        change_id = uuid.uuid4()
        expires_at = now + timedelta(hours=settings.holder_email_change_link_hours)
        await changes.insert(change_id, holder_id, holder.email, new_email, now, expires_at)
        sides: tuple[tuple[LinkPurpose, str], ...] = (("email_old", holder.email), ("email_new", new_email))
        for purpose, address in sides:
            url = await new_link(
                conn, settings, holder_id=holder_id, purpose=purpose, email_change_id=change_id, now=now,
                expires_at=expires_at, path=CONFIRM_PATH,
            )  # fmt: skip
            await enqueue_holder_mail(
                conn, holder_id=holder_id, kind=purpose, to_address=address, link=url, now=now,
                send_before=expires_at,
            )  # fmt: skip

    await run_in_transaction(conn, command)


async def check_confirmation_link(conn: Connection, token: str, *, now: datetime) -> str:
    """The link's GET: which address it confirms ("old" or "new"), without using it."""
    if not token or len(token) > 100:
        raise HolderLinkInvalidError()
    found = await HolderLinks(conn).peek(token_hash(token), now)
    if found is None or found.purpose not in ("email_old", "email_new"):
        raise HolderLinkInvalidError()
    return "old" if found.purpose == "email_old" else "new"


async def confirm_email_change(conn: Connection, ctx: ServiceContext, token: str, *, now: datetime) -> ConfirmOutcome:
    """Use one confirmation link; the second of the two applies the change."""
    side = await check_confirmation_link(conn, token, now=now)
    purpose: LinkPurpose = "email_old" if side == "old" else "email_new"

    async def command() -> ConfirmOutcome:
        link = await HolderLinks(conn).consume(token_hash(token), now, purpose)
        if link is None or link.email_change_id is None:
            raise HolderLinkInvalidError()
        change = await HolderEmailChanges(conn).confirm(link.email_change_id, now, purpose)
        if change is None:  # replaced by a newer request, or expired
            raise HolderLinkInvalidError()
        if change.old_confirmed_at is None or change.new_confirmed_at is None:
            return ConfirmOutcome(applied=False, new_email=change.new_email)
        holder = await Holders(conn).lock(change.holder_id)
        if holder is None:
            raise HolderNotFoundError(f"no holder has id {change.holder_id}")
        try:
            await HolderAccounts(conn).set_email(change.holder_id, change.new_email)
        except ConflictError as exc:
            raise ConflictError("another account uses that e-mail address; the change was not made") from exc
        await HolderEmailChanges(conn).mark_applied(change.id, now)
        await Events(conn).append(
            kind="holder_changed",
            occurred_at=now,
            data={
                "holder": str(change.holder_id),
                "changes": {"email": {"old": holder.email, "new": change.new_email}},
                "by": "holder",
            },
        )
        await end_holder_sessions(conn, change.holder_id)
        await checkpoint_after_write(conn, ctx, now=now)
        return ConfirmOutcome(applied=True, new_email=change.new_email)

    return await run_in_transaction(conn, command)
