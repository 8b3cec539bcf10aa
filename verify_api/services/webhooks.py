"""Webhooks: subscriptions, Standard Webhooks signing, target checks and one delivery attempt over HTTP.

Signing follows the Standard Webhooks specification
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md, "Signature scheme"):
the secret is `whsec_` + base64 of random bytes; the signed content is `{webhook-id}.{webhook-timestamp}.{body}`;
the signature is HMAC-SHA256 under the decoded secret, sent base64-encoded as `webhook-signature: v1,<sig>`.
Hand-written (a dozen lines of the standard library): the `standardwebhooks` package would add its HTTP client,
dateutil and Deprecated for the same HMAC; tests check it against the specification's example values.

Targets are checked when a subscription is made and again before every attempt: the host is resolved and every
address must be public (no private, loopback, link-local, multicast, reserved or unspecified address) unless
WEBHOOK_ALLOW_PRIVATE_TARGETS is set; the request then goes to the address that was checked (the host name kept
for `Host` and TLS), so a DNS answer cannot change between the check and the connection. Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID, uuid4

import httpx
import msgspec

from verify_api.db.outbox import AttemptRecord
from verify_api.db.webhooks import DeliveryRecord, SubscriptionRecord, Webhooks
from verify_api.errors import DeliveryNotFoundError, InvalidInputError, SubscriptionNotFoundError, WebhookTargetError

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
# Every event type a subscription may ask for (README "Notifications and webhooks").
EVENT_TYPES = (
    "credential.issued",
    "credential.renewed",
    "credential.suspended",
    "credential.reinstated",
    "credential.revoked",
    "credential.expiring",
    "credential.expired",
    "holder.changed",
    "organization.at_risk",
)
_RESPONSE_EXCERPT = 500
_MAX_URL = 2000
_RESOLVE_SECONDS = 5.0


# --- Standard Webhooks, "Signature scheme" --------------------------------------------------------------------


def generate_secret() -> str:
    """A new signing secret: `whsec_` + base64 of 32 random bytes (the spec asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after the `whsec_` prefix."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    """`{webhook-id}.{webhook-timestamp}.{body}`, the bytes the signature covers."""
    return f"{msg_id}.{timestamp}.".encode() + body


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,` + base64(HMAC-SHA256(key, signed content))."""
    digest = hmac.new(secret_key(secret), signed_content(msg_id, timestamp, body), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }


# --- target checks ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedTarget:
    url: str  # the URL with the checked address in place of the host name
    host: str  # the original host[:port], for the Host header
    sni_hostname: str | None  # the host name TLS checks the certificate against (https only)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url_shape(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute http(s) URL without credentials or fragment, else a 422."""
    if len(url) > _MAX_URL:
        raise WebhookTargetError(f"the webhook URL is longer than {_MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookTargetError(f"the webhook URL is malformed: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookTargetError("the webhook URL must be an absolute http:// or https:// URL")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise WebhookTargetError("the webhook URL must not carry credentials or a fragment")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_target(url: str, *, allow_private: bool) -> CheckedTarget:
    """Resolve the URL's host and refuse it unless every address is public (or private ones are allowed)."""
    scheme, host, port = check_url_shape(url)
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), _RESOLVE_SECONDS
        )
    except (OSError, UnicodeError, TimeoutError) as exc:
        raise WebhookTargetError(f"the webhook host {host!r} does not resolve") from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise WebhookTargetError(f"the webhook host {host!r} does not resolve")
    refused = [a for a in addresses if not _is_public(a)]
    if refused and not allow_private:
        raise WebhookTargetError(
            f"the webhook host {host!r} resolves to a private, loopback, link-local or otherwise non-public "
            f"address ({refused[0]}); webhooks go to public addresses only"
        )
    address = addresses[0]
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    parts = urlsplit(url)
    return CheckedTarget(
        url=urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")),
        host=parts.netloc.rsplit("@", 1)[-1],
        sni_hostname=host if scheme == "https" else None,
    )


# --- one attempt --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    outcome: str  # "sent" or "retry"
    status_code: int | None
    detail: str | None
    latency_ms: int


async def post_webhook(  # noqa: PLR0913 - one argument per part of the message
    client: httpx.AsyncClient,
    *,
    url: str,
    secret: str,
    msg_id: str,
    body: bytes,
    timestamp: int,
    allow_private: bool,
) -> AttemptResult:
    """POST one signed message; 2xx is delivered, anything else (3xx included: redirects are not followed), a
    timeout or a refused target is tried again later."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        target = await check_target(url, allow_private=allow_private)
    except WebhookTargetError as exc:
        return AttemptResult("retry", None, str(exc), elapsed())
    headers = webhook_headers(secret, msg_id, timestamp, body) | {"host": target.host}
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
    try:
        response = await client.post(target.url, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return AttemptResult("retry", None, f"{type(exc).__name__}: {exc}"[:_RESPONSE_EXCERPT], elapsed())
    excerpt = response.text[:_RESPONSE_EXCERPT] if response.content else None
    outcome = "sent" if 200 <= response.status_code < 300 else "retry"
    return AttemptResult(outcome, response.status_code, excerpt, elapsed())


def webhook_client(settings: Settings) -> httpx.AsyncClient:
    # trust_env=False: no proxy or .netrc from the environment may see a signed message or reroute it.
    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False, http2=False
    )


# --- subscriptions ------------------------------------------------------------------------------------------


Subscription = SubscriptionRecord


class NewSubscription(msgspec.Struct, frozen=True):
    record: SubscriptionRecord
    secret: str  # shown once, when made


def check_event_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown or not event_types:
        raise InvalidInputError(
            f"event types must be some of: {', '.join(EVENT_TYPES)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return sorted(set(event_types), key=EVENT_TYPES.index)


async def create_subscription(  # noqa: PLR0913 - the subscription's fields
    conn: Connection,
    settings: Settings,
    *,
    url: str,
    event_types: list[str],
    description: str | None,
    now: datetime,
    actor: UUID | None,
) -> NewSubscription:
    types = check_event_types(event_types)
    await check_target(url, allow_private=settings.webhook_allow_private_targets)
    secret = generate_secret()
    record = await Webhooks(conn).insert_subscription(uuid4(), url, types, secret, description, now, actor)
    return NewSubscription(record=record, secret=secret)


async def list_subscriptions(conn: Connection) -> list[SubscriptionRecord]:
    return await Webhooks(conn).list_subscriptions()


async def all_subscriptions(conn: Connection) -> list[SubscriptionRecord]:
    """Every subscription, active or disabled (active first): the console lists both, marked."""
    return await Webhooks(conn).all_subscriptions()


async def get_subscription(conn: Connection, subscription_id: UUID) -> SubscriptionRecord:
    found = await Webhooks(conn).get_subscription(subscription_id)
    if found is None:
        raise SubscriptionNotFoundError(f"no webhook subscription has id {subscription_id}")
    return found


async def disable_subscription(conn: Connection, subscription_id: UUID, *, now: datetime) -> None:
    """Stop sending to it; its deliveries not yet sent are skipped, its log stays."""
    if not await Webhooks(conn).disable_subscription(subscription_id, now):
        await get_subscription(conn, subscription_id)  # 404 when unknown; already disabled is done


class DeliveryLog(msgspec.Struct, frozen=True):
    delivery: DeliveryRecord
    attempts: list[AttemptRecord]


async def delivery_log(
    conn: Connection, subscription_id: UUID, *, before: tuple[datetime, UUID] | None, limit: int
) -> list[DeliveryLog]:
    await get_subscription(conn, subscription_id)
    store = Webhooks(conn)
    deliveries = await store.subscription_deliveries(subscription_id, before, limit)
    attempts: dict[UUID, list[AttemptRecord]] = {d.id: [] for d in deliveries}
    for attempt in await store.attempts_of(list(attempts)):
        attempts[attempt.delivery_id].append(attempt)
    return [DeliveryLog(delivery=d, attempts=attempts[d.id]) for d in deliveries]


async def redeliver(conn: Connection, delivery_id: UUID, *, now: datetime) -> None:
    """Send a delivery again (same webhook-id or Message-ID), now, with a fresh retry window. One being sent is
    left alone (it is already being sent)."""
    store = Webhooks(conn)
    if not await store.redeliver(delivery_id, now) and await store.delivery_state(delivery_id) is None:
        raise DeliveryNotFoundError(f"no delivery has id {delivery_id}")
