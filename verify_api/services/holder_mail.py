"""A holder's account messages: the sign-in link, and the two confirmations of an address change (issue 13).

They are queued in the transaction that makes the link (`enqueue_holder_mail`), so a link is mailed exactly when it
exists, and sent by the outbox dispatcher (services/outbox.py `Dispatcher.run_once` calls `send_holder_mail_due`)
through services/mail.py (SMTP, or MAIL_DIR without SMTP_HOST), from the templates mail/account.txt and .html.
They are not notifications: notifications are public (GET /v1/events, webhooks) and kept, while these carry a
secret. The link is stored in clear only here, only until the message is sent, fails for good, or its link expires
(`send_before`): then it is erased. Sending is at least once under a lease, like the deliveries; retries wait
NOTIFY_RETRY_BASE_SECONDS doubling, and stop when the link expires.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from verify_api.db.holder_email_changes import HolderEmailChanges
from verify_api.db.holder_mail import HolderMail, MailKind, MailState
from verify_api.services.mail import render_page, send_message

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.holder_mail import HolderMailWork
    from verify_api.db.pool import Connection, Pool
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

_BATCH = 20
_LEASE = timedelta(seconds=60)
_DETAIL = 500

# What each message says: (subject, headline, the link's words, body).
ACCOUNT_WORDING: dict[str, tuple[str, str, str, str]] = {
    "sign_in": (
        "Your sign-in link for {site}",
        "Follow this link to sign in to your credentials page. It works once, within {lifetime}.",
        "Sign in",
        "The link opens a page with a Sign in button: press it to sign in.",
    ),
    "email_old": (
        "Confirm the change of your e-mail address on {site}",
        "Someone asked to change the e-mail address of your credentials page to {new_email}. If it was you, "
        "confirm it with this link (it works once, within {lifetime}).",
        "Confirm the change",
        "The change is made once this address and the new one have both confirmed it. If it was not you, do not "
        "follow the link: without this address's confirmation nothing changes.",
    ),
    "email_new": (
        "Confirm your new e-mail address on {site}",
        "Confirm that this is the new e-mail address of your credentials page with this link (it works once, "
        "within {lifetime}).",
        "Confirm this address",
        "The change is made once this address and the old one have both confirmed it.",
    ),
}


async def enqueue_holder_mail(  # noqa: PLR0913 (the message's parts, keyword-only)
    conn: Connection,
    *,
    holder_id: UUID,
    kind: MailKind,
    to_address: str,
    link: str,
    now: datetime,
    send_before: datetime,
) -> None:
    """Queue the message in the caller's transaction (so it exists exactly when its link does)."""
    await HolderMail(conn).enqueue(uuid.uuid4(), holder_id, kind, to_address, link, now, send_before)


def lifetime_words(minutes: int) -> str:
    """How long a link works, as a person says it: "15 minutes", "1 hour", "24 hours" (not "1440 minutes")."""
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def build_holder_message(
    settings: Settings, work: HolderMailWork, *, name: str, extra: dict[str, str] | None = None
) -> EmailMessage:
    """The message: multipart/alternative, plain text then HTML. One Message-ID per queued message."""
    site = urlsplit(settings.base_url).hostname or settings.base_url
    minutes = max(1, round((work.send_before - work.created_at).total_seconds() / 60))
    values = {"site": site, "lifetime": lifetime_words(minutes), "new_email": "", **(extra or {})}
    subject, headline, action, body = (text.format(**values) for text in ACCOUNT_WORDING[work.kind])
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = work.to_address
    message["Date"] = format_datetime(work.created_at)
    message["Message-ID"] = f"<{work.id}@{site}>"
    message["Auto-Submitted"] = "auto-generated"
    context = {
        "subject": subject,
        "name": name,
        "headline": headline,
        "action": action,
        "body": body,
        "link": work.link,
        "issuer": settings.issuer_name,
        "site": site,
    }
    message.set_content(render_page("account.txt", **context))
    message.add_alternative(render_page("account.html", **context), subtype="html")
    return message


def retry_wait(settings: Settings, attempt: int) -> timedelta:
    return timedelta(
        seconds=min(settings.notify_retry_max_seconds, settings.notify_retry_base_seconds * 2.0 ** min(attempt - 1, 30))
    )


async def send_holder_mail_due(pool: Pool, ctx: ServiceContext) -> int:
    """One round of the dispatcher: drop what expired unsent, claim what is due, send each once, record each. The
    number claimed."""
    now = ctx.clock()
    async with pool.acquire() as conn:
        store = HolderMail(conn)
        await store.drop_expired(now)
        claimed = await store.claim_due(now, now + _LEASE, _BATCH)
    for work in claimed:
        await _send_one(pool, ctx, work)
    return len(claimed)


async def _send_one(pool: Pool, ctx: ServiceContext, work: HolderMailWork) -> None:
    settings = ctx.settings
    async with pool.acquire() as conn:
        name = await HolderMail(conn).holder_display_name(work.holder_id) or ""
        extra = {"new_email": await _new_email_of(conn, work)} if work.kind == "email_old" else None
    result = await send_message(settings, build_holder_message(settings, work, name=name, extra=extra), work.id)
    now = ctx.clock()
    state: MailState
    finished: datetime | None
    if result.outcome == "sent":
        state, next_at, finished, error = "sent", now, now, None
    else:
        retry_at = now + retry_wait(settings, work.attempts)
        final = result.outcome == "failed" or retry_at >= work.send_before
        state, next_at = ("failed", now) if final else ("pending", retry_at)
        finished = now if final else None
        error = (result.detail or f"status {result.status_code}")[:_DETAIL]
    async with pool.acquire() as conn:
        await HolderMail(conn).finish(work.id, work.attempts, state, next_at, finished, error)


async def _new_email_of(conn: Connection, work: HolderMailWork) -> str:
    return await HolderEmailChanges(conn).pending_new_email(work.holder_id) or ""
