"""Holder sign-in without a password (issue 13): an e-mailed link that works once, within
HOLDER_SIGN_IN_LINK_MINUTES.

`request_sign_in_link` answers the same whether or not a holder has the address (it returns nothing and raises
nothing that depends on it), and does the same work up to the point where a link is made: the address is checked
for shape, both rate limits are counted and recorded, and only then, for a known address, a link is stored (its
token's SHA-256) and its message queued, in the same transaction. Nothing is sent in the request (the outbox
dispatcher sends it, services/holder_mail.py), so the answer's timing does not wait on a mail server either.

The rate limits: HOLDER_SIGN_IN_PER_ADDRESS requests per address and HOLDER_SIGN_IN_PER_CLIENT per client (its IP
address; an IPv6 client by its /64) within HOLDER_SIGN_IN_WINDOW_MINUTES, counted whether or not the address is
known (so the limit itself reveals nothing), exactly (a sliding log under a per-bucket advisory lock), and kept only
as SHA-256 digests. A refused request is not counted, so waiting is always enough.

The link's page shows a button (GET reads the link without using it); its POST uses it (`sign_in_with_link`), so a
mail scanner that fetches links does not burn it. Using it opens a holder session (services.holder_sessions).
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from verify_api.db.holder_accounts import HolderAccounts
from verify_api.db.holder_links import HolderLinks
from verify_api.errors import HolderLinkInvalidError, InvalidInputError, SignInRateLimitedError
from verify_api.services.holder_mail import enqueue_holder_mail
from verify_api.services.holder_sessions import OpenedHolderSession, open_holder_session
from verify_api.services.session_tokens import MAX_TOKEN_CHARS, token_hash
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.holder_links import HolderLinkRecord, LinkPurpose
    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

MAX_EMAIL_CHARS = 254  # RFC 5321 section 4.5.3.1.3 (a path of 256 octets, less the angle brackets)
SIGN_IN_PATH = "/me/sign-in/link"
IPV6_CLIENT_PREFIX = 64


def checked_email(text: str) -> str:
    """The address as typed (trimmed), if it has the shape of one; InvalidInputError otherwise."""
    email = text.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or len(email) > MAX_EMAIL_CHARS or any(c.isspace() for c in email):
        raise InvalidInputError("type the e-mail address your credentials were issued to, e.g. ada@example.org")
    return email


def address_bucket(email: str) -> bytes:
    return hashlib.sha256(b"holder-sign-in:address:" + email.lower().encode()).digest()


def client_bucket(client: str) -> bytes:
    """One client: its IP address, an IPv6 one by its /64 (a host is handed a whole one)."""
    try:
        address = ipaddress.ip_address(client)
        key = (
            str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
            if address.version == 6
            else str(address)
        )
    except ValueError:
        key = client
    return hashlib.sha256(b"holder-sign-in:client:" + key.encode()).digest()


def link_url(settings: Settings, path: str, token: str) -> str:
    return f"{settings.base_url}{path}?token={quote(token, safe='')}"


async def new_link(  # noqa: PLR0913 (what the link is for, keyword-only)
    conn: Connection,
    settings: Settings,
    *,
    holder_id: UUID,
    purpose: LinkPurpose,
    email_change_id: UUID | None,
    now: datetime,
    expires_at: datetime,
    path: str,
) -> str:
    """Store a new single-use link (its token's SHA-256) and return its URL: the one time the token exists."""
    token = secrets.token_urlsafe(32)
    await HolderLinks(conn).insert(token_hash(token), holder_id, purpose, email_change_id, now, expires_at)
    return link_url(settings, path, token)


async def count_against_limits(
    links: HolderLinks, settings: Settings, buckets: list[tuple[bytes, int]], now: datetime
) -> None:
    since = now - timedelta(minutes=settings.holder_sign_in_window_minutes)
    for bucket, _ in sorted(buckets):  # always in the same order: two requests never wait on each other crosswise
        await links.lock_bucket(bucket)
    for bucket, limit in buckets:
        if await links.count_requests(bucket, since) >= limit:
            oldest = await links.oldest_request(bucket, since)
            wait = (oldest - since).total_seconds() if oldest is not None else 60.0
            raise SignInRateLimitedError(max(1, int(wait) + 1))
    for bucket, _ in buckets:
        await links.record_request(bucket, now)


async def request_sign_in_link(
    conn: Connection, ctx: ServiceContext, email_text: str, *, client: str, now: datetime
) -> None:
    """POST /me/sign-in: count the request, and e-mail a sign-in link if a holder has this address. The caller's
    answer must be the same either way."""
    settings = ctx.settings
    email = checked_email(email_text)
    buckets = [
        (address_bucket(email), settings.holder_sign_in_per_address),
        (client_bucket(client), settings.holder_sign_in_per_client),
    ]

    async def command() -> None:
        links = HolderLinks(conn)
        await links.forget_requests(now - timedelta(minutes=settings.holder_sign_in_window_minutes))
        await links.delete_expired(now)
        await count_against_limits(links, settings, buckets, now)
        holder = await HolderAccounts(conn).find_by_email(email)
        if holder is None or holder.email is None:
            return
        expires_at = now + timedelta(minutes=settings.holder_sign_in_link_minutes)
        url = await new_link(
            conn, settings, holder_id=holder.id, purpose="sign_in", email_change_id=None, now=now,
            expires_at=expires_at, path=SIGN_IN_PATH,
        )  # fmt: skip
        await enqueue_holder_mail(
            conn, holder_id=holder.id, kind="sign_in", to_address=holder.email, link=url, now=now,
            send_before=expires_at,
        )  # fmt: skip

    await run_in_transaction(conn, command)


def _hash_of(token: str) -> bytes:
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise HolderLinkInvalidError()
    return token_hash(token)


async def check_link(conn: Connection, token: str, purpose: LinkPurpose, *, now: datetime) -> HolderLinkRecord:
    """The link's GET: still usable for `purpose`? Reads only (a prefetching mail scanner uses nothing up)."""
    found = await HolderLinks(conn).peek(_hash_of(token), now)
    if found is None or found.purpose != purpose:
        raise HolderLinkInvalidError()
    return found


async def consume_link(conn: Connection, token: str, purpose: LinkPurpose, *, now: datetime) -> HolderLinkRecord:
    """Use the link up (one guarded UPDATE: of two racing requests one gets it); HolderLinkInvalidError when it was
    used, expired, is for something else, or is not one of ours."""
    found = await HolderLinks(conn).consume(_hash_of(token), now, purpose)
    if found is None:
        raise HolderLinkInvalidError()
    return found


async def sign_in_with_link(conn: Connection, ctx: ServiceContext, token: str, *, now: datetime) -> OpenedHolderSession:
    """The link page's POST: use the sign-in link and open a session for its holder, in one transaction."""

    async def command() -> OpenedHolderSession:
        link = await consume_link(conn, token, "sign_in", now=now)
        return await open_holder_session(conn, ctx.settings, link.holder_id, now=now)

    return await run_in_transaction(conn, command)
