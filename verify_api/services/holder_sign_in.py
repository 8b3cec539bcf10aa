"""Holder sign-in without a password (issue 13): an e-mailed link that works once, within
HOLDER_SIGN_IN_LINK_MINUTES.

`request_sign_in_link` is all the answer waits on, and it does the same work whether or not a holder has the
address: the address is checked for shape, both rate limits are counted and recorded, and that is all. The answer
("if an account uses that address, a link is on its way") goes out, and only then `make_sign_in_link` (the
answer's background task) looks the address up and, for a known one, stores a link (its token's SHA-256) and queues
its message in one transaction; the outbox dispatcher sends it (services/holder_mail.py). So neither the answer nor
its timing says whether the address is known (before, the two extra writes of a known address made its answer a
few milliseconds slower, measurably), and it never waits on a mail server either.

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
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from verify_api.db.holder_accounts import HolderAccounts
from verify_api.db.holder_links import HolderLinks
from verify_api.db.holders import Holders
from verify_api.errors import HolderLinkInvalidError, InvalidInputError, SignInRateLimitedError
from verify_api.services.holder_mail import enqueue_holder_mail
from verify_api.services.holder_sessions import OpenedHolderSession, open_holder_session
from verify_api.services.session_tokens import MAX_TOKEN_CHARS, token_hash
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.holder_links import HolderLinkRecord, LinkPurpose
    from verify_api.db.pool import Connection, Pool
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

log = logging.getLogger("verify_api")
MAX_EMAIL_CHARS = 254  # RFC 5321 section 4.5.3.1.3 (a path of 256 octets, less the angle brackets)
SIGN_IN_PATH = "/me/sign-in/link"
IPV6_CLIENT_PREFIX = 64
MAX_NEXT_CHARS = 2000  # an authorization request of the Open Badges API, with its state and challenge, fits


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


def same_origin_path(value: str | None) -> str | None:
    r"""`value` when it is a path on this site (with its query), where a holder may be sent after signing in; None
    for anything else, so `next=` can never send them to another origin (an open redirect).

    Only printable ASCII, starting with one "/" and never "//" or a backslash: the URL Standard's parser
    (https://url.spec.whatwg.org/#concept-basic-url-parser) reads "//host" and, for http(s), "/\host" as another
    host, and strips tabs, newlines and leading spaces before it looks, so "/\t/host" would be "//host" to a browser.
    """
    if not value or len(value) > MAX_NEXT_CHARS or not value.startswith("/") or value.startswith("//"):
        return None
    if any(not 0x21 <= ord(char) <= 0x7E or char == "\\" for char in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def link_url(settings: Settings, path: str, token: str, next_path: str | None = None) -> str:
    """The e-mailed link; with `next_path`, the sign-in link sends the holder there once used (same-origin only)."""
    url = f"{settings.base_url}{path}?token={quote(token, safe='')}"
    checked = same_origin_path(next_path)
    return f"{url}&next={quote(checked, safe='')}" if checked is not None else url


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
    next_path: str | None = None,
) -> str:
    """Store a new single-use link (its token's SHA-256) and return its URL: the one time the token exists."""
    token = secrets.token_urlsafe(32)
    await HolderLinks(conn).insert(token_hash(token), holder_id, purpose, email_change_id, now, expires_at)
    return link_url(settings, path, token, next_path)


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


@dataclass(frozen=True)
class SignInRequest:
    """A request counted against the limits, whose link is still to be made (`make_sign_in_link`)."""

    email: str
    next_path: str | None
    at: datetime


async def request_sign_in_link(  # noqa: PLR0913 (who asks, from where, when, and where to go after, keyword-only)
    conn: Connection,
    ctx: ServiceContext,
    email_text: str,
    *,
    client: str,
    now: datetime,
    next_path: str | None = None,
) -> SignInRequest:
    """POST /me/sign-in, the part its answer waits on: check the address's shape and count the request against both
    limits (SignInRateLimitedError when one is reached). Nothing here depends on whether a holder has the address:
    the caller answers, then calls `make_sign_in_link` (so neither the answer nor its timing can tell)."""
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

    await run_in_transaction(conn, command)
    return SignInRequest(email=email, next_path=same_origin_path(next_path), at=now)


async def make_sign_in_link(conn: Connection, ctx: ServiceContext, asked: SignInRequest) -> None:
    """After the answer: if a holder has the address, store a link (its token's SHA-256) and queue its message, in
    one transaction (the outbox dispatcher sends it, services/holder_mail.py); else nothing."""
    settings = ctx.settings

    async def command() -> None:
        holder = await HolderAccounts(conn).find_by_email(asked.email)
        if holder is None or holder.email is None:
            return
        expires_at = asked.at + timedelta(minutes=settings.holder_sign_in_link_minutes)
        url = await new_link(
            conn, settings, holder_id=holder.id, purpose="sign_in", email_change_id=None, now=asked.at,
            expires_at=expires_at, path=SIGN_IN_PATH, next_path=asked.next_path,
        )  # fmt: skip
        await enqueue_holder_mail(
            conn, holder_id=holder.id, kind="sign_in", to_address=holder.email, link=url, now=asked.at,
            send_before=expires_at,
        )  # fmt: skip

    await run_in_transaction(conn, command)


async def make_sign_in_link_after_answer(pool: Pool, ctx: ServiceContext, asked: SignInRequest) -> None:
    """`make_sign_in_link` as the answer's background task, on a connection of its own (the request's is gone). A
    failure is logged, never the address: the holder, told a link may be on its way, can ask again."""
    try:
        async with pool.acquire() as conn:
            await make_sign_in_link(conn, ctx, asked)
    except Exception:  # after the answer nothing else can report it, and the task must not crash the worker
        log.exception("a sign-in link could not be made")


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


async def sign_in_link_address(conn: Connection, token: str, *, now: datetime) -> str:
    """The sign-in link's GET: still usable? and the address it signs in as, which its page shows, so a holder sent
    someone else's link (to sign them in to an account not theirs, a login CSRF) sees that it is not theirs. Only the
    link's holder, who received it at that address, can see it."""
    link = await check_link(conn, token, "sign_in", now=now)
    holder = await Holders(conn).get(link.holder_id)
    if holder is None or holder.email is None:
        raise HolderLinkInvalidError()
    return holder.email


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
