"""E-mail to holders: the message of a notification (plain text and HTML from the package's Jinja templates,
pages/templates/mail/), its unsubscribe link, and one sending attempt through SMTP (aiosmtplib) or, with no
SMTP_HOST, into MAIL_DIR as an .eml file.

Each delivery has one Message-ID (`<delivery id@host of PUBLIC_BASE_URL>`), the same on every attempt, so a message
sent again after a crash between the server's acceptance and our record of it can be recognised as the same one.
The unsubscribe link carries HMAC-SHA256(key, holder id) with a key kept in the database (migration 0014); the
messages also carry `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058 one-click).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import os
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiosmtplib
import jinja2

from verify_api.db.outbox import Outbox
from verify_api.errors import HolderNotFoundError, InvalidUnsubscribeTokenError
from verify_api.services.webhooks import AttemptResult

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.outbox import DeliveryWork
    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

TEMPLATES = Path(__file__).resolve().parents[1] / "pages" / "templates" / "mail"
_PERMANENT_SMTP = 500  # 5xx replies are permanent (RFC 5321 section 4.2.1); 4xx and lost connections are retried
_DETAIL = 500

# What each notification tells the holder: (subject, headline, body). Types not here send no e-mail.
WORDING: dict[str, tuple[str, str, str]] = {
    "credential.issued": (
        "Your {tier} credential has been issued",
        "Congratulations: your {tier} credential has been issued.",
        "It is a signed digital credential that anyone can check. Share your badge page or add it to your profile.",
    ),
    "credential.renewed": (
        "Your {tier} credential has been renewed",
        "Your {tier} credential has been renewed; it is now valid until {valid_until}.",
        "The renewed credential replaces the previous one; links to the old one lead to the new one.",
    ),
    "credential.expiring": (
        "Your {tier} credential expires on {valid_until}",
        "Your {tier} credential expires on {valid_until}.",
        "Renew it before then to keep it valid without a gap.",
    ),
    "credential.suspended": (
        "Your {tier} credential has been suspended",
        "Your {tier} credential has been suspended.",
        "While it is suspended, anyone who checks it is told it is not valid. Contact us if you have questions.",
    ),
    "credential.revoked": (
        "Your {tier} credential has been revoked",
        "Your {tier} credential has been revoked.",
        "It is no longer valid. Contact us if you have questions.",
    ),
}
EMAIL_TYPES = frozenset(WORDING)


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def render_page(template: str, /, **values: object) -> str:
    return _environment().get_template(template).render(**values)


def unsubscribe_token(key: bytes, holder_id: UUID) -> str:
    digest = hmac.new(key, b"unsubscribe:" + holder_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def check_unsubscribe_token(key: bytes, holder_id: UUID, token: str) -> None:
    # Bytes, not str: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500 for a mangled link).
    presented = token.encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(unsubscribe_token(key, holder_id).encode(), presented):
        raise InvalidUnsubscribeTokenError("the unsubscribe link is not valid (was it copied whole?)")


def unsubscribe_url(settings: Settings, key: bytes, holder_id: UUID) -> str:
    return f"{settings.base_url}/v1/holders/{holder_id}/unsubscribe?token={unsubscribe_token(key, holder_id)}"


def mail_dir(settings: Settings) -> Path:
    return Path(settings.mail_dir or Path(settings.data_dir) / "mail")


def build_message(settings: Settings, work: DeliveryWork, *, token_key: bytes) -> EmailMessage:
    """The holder's message for a notification: multipart/alternative, plain text then HTML."""
    assert work.email is not None, "only deliveries to a holder with e-mail"
    assert work.holder_id is not None, "only deliveries to a holder"
    data = work.data
    valid_until = str(data.get("validUntil") or "")[:10]
    subject, headline, body = (
        text.format(tier=data.get("tier", ""), valid_until=valid_until) for text in WORDING[work.type]
    )
    unsubscribe = unsubscribe_url(settings, token_key, work.holder_id)
    values = {
        "subject": subject,
        "name": work.subject_name or work.display_name or "",
        "headline": headline,
        "body": body,
        "badge_url": data.get("badgeUrl", settings.base_url),
        "unsubscribe_url": unsubscribe,
        "issuer": settings.issuer_name,
    }
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = work.email
    message["Date"] = format_datetime(work.occurred_at)
    message["Message-ID"] = f"<{work.id}@{urlsplit(settings.base_url).hostname}>"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_page("notice.txt", **values))
    message.add_alternative(render_page("notice.html", **values), subtype="html")
    return message


async def send_message(settings: Settings, message: EmailMessage, delivery_id: UUID) -> AttemptResult:
    """One attempt: SMTP when SMTP_HOST is set, else the mail folder (one file per delivery, so a repeat
    replaces it). Never logs or returns the SMTP password."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    if not settings.smtp_host:
        write_to_folder(mail_dir(settings), message, delivery_id)
        return AttemptResult("sent", None, None, elapsed())
    try:
        _, reply = await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=settings.smtp_timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        outcome = "failed" if codes and min(codes) >= _PERMANENT_SMTP else "retry"
        return AttemptResult(outcome, codes[0] if codes else None, "recipient refused", elapsed())
    except aiosmtplib.SMTPResponseException as exc:
        outcome = "failed" if exc.code >= _PERMANENT_SMTP else "retry"
        return AttemptResult(outcome, exc.code, exc.message[:_DETAIL], elapsed())
    except (aiosmtplib.SMTPException, OSError) as exc:
        return AttemptResult("retry", None, type(exc).__name__, elapsed())
    return AttemptResult("sent", 250, reply[:_DETAIL], elapsed())


def write_to_folder(folder: Path, message: EmailMessage, delivery_id: UUID) -> Path:
    """`<folder>/<delivery id>.eml`, written whole (temporary file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{delivery_id}.eml"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(bytes(message))
        Path(temporary).replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise
    return target


async def set_email_opt_out(conn: Connection, holder_id: UUID, *, opted_out: bool, now: datetime) -> None:
    """The holder's choice: no e-mail at all while opted out (checked when each message is sent)."""
    if not await Outbox(conn).set_email_opt_out(holder_id, now if opted_out else None):
        raise HolderNotFoundError(f"no holder has id {holder_id}")


async def check_unsubscribe_link(conn: Connection, holder_id: UUID, token: str) -> None:
    check_unsubscribe_token(await Outbox(conn).token_key(), holder_id, token)


async def unsubscribe_holder(conn: Connection, holder_id: UUID, token: str, *, now: datetime) -> None:
    """The unsubscribe link's POST (RFC 8058 one-click, or the page's button)."""
    await check_unsubscribe_link(conn, holder_id, token)
    await set_email_opt_out(conn, holder_id, opted_out=True, now=now)
