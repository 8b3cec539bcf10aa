"""The outbox: audit events (and what time changes) become notifications, notifications become deliveries
(an e-mail to the holder, a POST to each matching webhook subscription), and the dispatcher sends them.

Nothing is lost: the translator reads `events` after the number it last translated, in one transaction with the
notifications and deliveries it makes and the cursor it moves. Event numbers follow commit order (the chain head's
row lock, migration 0003, is held until the appending transaction commits), so an event that commits late still
has a number above the cursor. Nothing is made twice: notifications are unique per source event (or per scan
finding) and deliveries per (notification, target).

Sending is at least once, with the window made as small as it can be: a delivery is claimed (`sending`, one more
attempt, a lease of NOTIFY_LEASE_SECONDS), sent, and its outcome recorded at once. Only a crash (or a lost
database) after the receiver accepted the message and before that record commits sends it again, after the lease,
and then with the same `webhook-id` (the notification's `evt_<n>`) or the same Message-ID (the delivery's id), so a
receiver can drop the repeat. Failures are tried again with exponential backoff and jitter for NOTIFY_RETRY_HOURS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.db.event_chain import format_occurred_at
from verify_api.db.organizations import Organizations
from verify_api.db.outbox import AttemptRecord, DeliveryWork, NewNotification, Outbox, SourceEvent
from verify_api.domain.credential import credential_url
from verify_api.domain.lifecycle import RENEWAL_REASONS
from verify_api.observability.metrics import count_delivery_attempt, set_outbox_depth
from verify_api.services.holder_mail import send_holder_mail_due
from verify_api.services.mail import EMAIL_TYPES, build_message, mail_dir, send_message
from verify_api.services.organization_rules import standing_of
from verify_api.services.transaction import run_in_transaction
from verify_api.services.webhooks import AttemptResult, post_webhook, webhook_client

if TYPE_CHECKING:
    import httpx

    from verify_api.db.outbox import CredentialDue
    from verify_api.db.pool import Connection, Pool
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

log = logging.getLogger("verify_api")

_TRANSLATE_BATCH = 500
_SCAN_LIMIT = 1000
# Renewals that tell the holder "renewed"; a correction of details re-issues under a new id ("issued").
_RENEWED = frozenset(RENEWAL_REASONS) - {"details_corrected"}
_STATUS_TYPES = {
    "credential_suspended": "credential.suspended",
    "credential_reinstated": "credential.reinstated",
    "credential_revoked": "credential.revoked",
}


# --- translation ----------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else format_occurred_at(value)


def credential_payload(  # noqa: PLR0913 - one argument per field of the payload
    base_url: str, credential_id: str, *, tier: str | None, holder_id: Any, organization_id: Any, valid_until: Any
) -> dict[str, Any]:
    """What every credential notification says (never the holder's e-mail: webhooks and the feed are not private
    to the holder)."""
    return {
        "credentialId": credential_id,
        "tier": tier,
        "holderId": None if holder_id is None else str(holder_id),
        "organizationId": None if organization_id is None else str(organization_id),
        "validUntil": _iso(valid_until),
        "url": credential_url(base_url, credential_id),
        "badgeUrl": f"{base_url}/c/{credential_id}",
    }


def notification_type(event: SourceEvent, renewal_reason: str | None) -> str | None:
    """The notification an audit event is, if any (README "Notifications and webhooks" lists them)."""
    if event.kind.startswith("holder_"):
        return "holder.changed"
    if event.tier is None or event.credential_id is None:
        return None  # not a register entry (a VC API credential) or not about a credential
    if event.kind == "credential_issued":
        return "credential.renewed" if renewal_reason in _RENEWED else "credential.issued"
    return _STATUS_TYPES.get(event.kind)


def notification_of(event: SourceEvent, base_url: str, renewal_reason: str | None) -> NewNotification | None:
    kind = notification_type(event, renewal_reason)
    if kind is None:
        return None
    if kind == "holder.changed":
        # services/corrections.py records {"holder": id, "changes": {field: {old, new}}}; only the field names are
        # sent (the old and new e-mail stay out of webhooks and the feed).
        holder = event.data.get("holder") or event.data.get("holderId")
        if holder is None:
            return None
        changes = event.data.get("changes")
        changed = sorted(changes) if isinstance(changes, dict) else sorted(event.data.get("changed", []) or [])
        data: dict[str, Any] = {"holderId": str(holder), "changed": changed}
        return NewNotification(kind, event.occurred_at, None, None, None, data, source_event=event.seq)
    assert event.credential_id is not None
    data = credential_payload(
        base_url,
        event.credential_id,
        tier=event.tier,
        holder_id=event.holder_id,
        organization_id=event.organization_id,
        valid_until=event.valid_until,
    )
    if kind in ("credential.issued", "credential.renewed"):
        data["predecessorId"] = event.data.get("predecessor")
    else:
        data["reason"] = event.data.get("reason")
    return NewNotification(
        kind, event.occurred_at, event.credential_id, event.holder_id, event.organization_id, data,
        source_event=event.seq,
    )  # fmt: skip


async def enqueue(outbox: Outbox, new: NewNotification, now: datetime) -> bool:
    """Store the notification and its deliveries; False when it was already stored (nothing is added)."""
    seq = await outbox.insert_notification(new)
    if seq is None:
        return False
    await outbox.enqueue_webhooks(seq, new.type, now)
    if new.type in EMAIL_TYPES and new.holder_id is not None:
        await outbox.enqueue_email(seq, new.holder_id, now)
    return True


async def translate_events(conn: Connection, ctx: ServiceContext, *, limit: int = _TRANSLATE_BATCH) -> int:
    """Turn the events after the cursor into notifications and deliveries; how many events were read (0 while
    another translator holds the cursor)."""

    async def command() -> int:
        outbox = Outbox(conn)
        cursor = await outbox.lock_cursor()
        if cursor is None:
            return 0
        events = await outbox.events_after(cursor.event_seq, limit)
        now = ctx.clock()
        for event in events:
            renewal_reason = None
            predecessor = event.data.get("predecessor")
            if event.kind == "credential_issued" and predecessor and event.credential_id:
                renewal_reason = await outbox.supersession_reason(str(predecessor), event.credential_id)
            new = notification_of(event, ctx.settings.base_url, renewal_reason)
            if new is not None:
                await enqueue(outbox, new, now)
        if events:
            await outbox.advance_cursor(events[-1].seq)
        return len(events)

    return await run_in_transaction(conn, command, keeps_cached_answers=True)  # writes only the outbox


def _due_notification(base_url: str, kind: str, due: CredentialDue, now: datetime) -> NewNotification:
    data = credential_payload(
        base_url, due.id, tier=due.tier, holder_id=due.holder_id, organization_id=due.organization_id,
        valid_until=due.valid_until,
    )  # fmt: skip
    key = f"{kind.removeprefix('credential.')}:{due.id}"
    return NewNotification(kind, now, due.id, due.holder_id, due.organization_id, data, derived_key=key)


async def scan_time_changes(conn: Connection, ctx: ServiceContext) -> int:
    """What time alone changes, each enqueued once: credentials expiring within EXPIRY_NOTICE_DAYS, credentials
    that expired, organisations at risk (a new finding each time one falls at risk)."""

    async def command() -> int:
        outbox = Outbox(conn)
        cursor = await outbox.lock_cursor()
        if cursor is None:
            return 0
        now, base_url, made = ctx.clock(), ctx.settings.base_url, 0
        horizon = now + timedelta(days=ctx.settings.expiry_notice_days)
        for due in await outbox.expiring_credentials(now, horizon, _SCAN_LIMIT):
            made += await enqueue(outbox, _due_notification(base_url, "credential.expiring", due, now), now)
        for due in await outbox.expired_credentials(cursor.expired_scanned_to, now):
            made += await enqueue(outbox, _due_notification(base_url, "credential.expired", due, now), now)
        await outbox.advance_expired_scan(now)
        for org_id in await Organizations(conn).certified_organizations():
            standing = await standing_of(conn, ctx, org_id, now=now)
            if not standing.at_risk:
                continue
            data = {
                "organizationId": str(org_id),
                "reason": standing.reason,
                "since": _iso(standing.since),
                "suspendsAt": _iso(standing.suspends_at),
                "detail": standing.detail,
            }
            key = f"at_risk:{org_id}:{_iso(standing.since)}"
            new = NewNotification("organization.at_risk", now, None, None, org_id, data, derived_key=key)
            made += await enqueue(outbox, new, now)
        return made

    return await run_in_transaction(conn, command, keeps_cached_answers=True)  # writes only the outbox


# --- retries ----------------------------------------------------------------------------------------------------


def backoff_step(attempt: int, settings: Settings) -> float:
    """The nominal wait after failed attempt `attempt` (1-based): base * 2^(attempt-1), at most the cap."""
    exponent = min(attempt - 1, 62)
    return float(min(settings.notify_retry_max_seconds, settings.notify_retry_base_seconds * 2.0**exponent))


def retry_delay(attempt: int, settings: Settings, rng: random.Random | None = None) -> float:
    """The wait drawn for the next attempt: uniform in the upper half of the step ("equal jitter"), so attempts of
    many deliveries failing together spread out but every wait is at least half its step."""
    step = backoff_step(attempt, settings)
    return step / 2 + (rng or random).random() * step / 2


def next_state(
    result: AttemptResult, attempt: int, retry_since: datetime, now: datetime, settings: Settings
) -> tuple[str, datetime | None]:
    """(state, next attempt) after an attempt: sent, failed for good, or pending again until the retry window
    (NOTIFY_RETRY_HOURS from the first attempt or the last redelivery) has passed."""
    if result.outcome == "sent":
        return "sent", None
    if result.outcome == "failed" or now - retry_since >= timedelta(hours=settings.notify_retry_hours):
        return "failed", None
    return "pending", now + timedelta(seconds=retry_delay(attempt, settings))


# --- the dispatcher ---------------------------------------------------------------------------------------------


def webhook_message_id(work: DeliveryWork) -> str:
    return f"evt_{work.notification_seq}"


def webhook_body(work: DeliveryWork) -> bytes:
    """The Standard Webhooks payload shape: type, timestamp, data (the feed's items add the id)."""
    return msgspec.json.encode(
        {"type": work.type, "timestamp": format_occurred_at(work.occurred_at), "data": work.data}
    )


class Dispatcher:
    """One per process (the app's lifespan): translates, scans and sends in a loop. Any number may run at once
    over one database; they share the work through the cursor's lock and SKIP LOCKED claims."""

    def __init__(self, ctx: ServiceContext, pool: Pool) -> None:
        self.ctx, self.pool, self.settings = ctx, pool, ctx.settings
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = asyncio.Event()
        self._next_scan = 0.0
        self._token_key: bytes | None = None

    async def open(self) -> None:
        """What sending needs (the HTTP client, the unsubscribe links' key), without starting the loop."""
        self._client = webhook_client(self.settings)
        async with self.pool.acquire() as conn:
            self._token_key = await Outbox(conn).token_key()

    async def start(self) -> None:
        await self.open()
        if not self.settings.smtp_host:
            log.info("SMTP_HOST is not set: e-mail to holders is written to %s", mail_dir(self.settings).resolve())
        self._task = asyncio.create_task(self._run(), name="notification-dispatcher")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let the round in progress finish (its claims recorded), then stop."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            busy = False
            try:
                busy = await self.run_once()
            except Exception:  # a lost database, a bug: logged, and the next round tries again
                log.exception("notification dispatcher: this round failed; the next one tries again")
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.settings.notify_poll_seconds)

    async def run_once(self) -> bool:
        """One round; True when there may be more work at once."""
        loop = asyncio.get_running_loop()
        async with self.pool.acquire() as conn:
            translated = await translate_events(conn, self.ctx)
            if loop.time() >= self._next_scan:
                await scan_time_changes(conn, self.ctx)
                self._next_scan = loop.time() + self.settings.notify_scan_seconds
        sent = await self.send_due()
        sent += await send_holder_mail_due(self.pool, self.ctx)  # holders' sign-in links (services/holder_mail.py)
        async with self.pool.acquire() as conn:
            set_outbox_depth(await Outbox(conn).depth())
        return translated >= _TRANSLATE_BATCH or sent >= self.settings.notify_batch_size

    async def send_due(self) -> int:
        work = await self.claim()
        await asyncio.gather(*(self.deliver(w) for w in work))
        return len(work)

    async def claim(self) -> list[DeliveryWork]:
        """Take up to NOTIFY_BATCH_SIZE due deliveries under a lease (one more attempt each)."""
        now = self.ctx.clock()
        lease = now + timedelta(seconds=self.settings.notify_lease_seconds)
        async with self.pool.acquire() as conn:
            outbox = Outbox(conn)
            claimed = await outbox.claim_due(now, lease, self.settings.notify_batch_size)
            return await outbox.delivery_work(claimed) if claimed else []

    async def deliver(self, work: DeliveryWork) -> None:
        try:
            result = await self.attempt(work)
        except Exception as exc:  # a bug in one message must not hold up the others; it is retried and logged
            log.exception("delivery %s: the attempt failed unexpectedly", work.id)
            result = AttemptResult("retry", None, type(exc).__name__, 0)
        await self.record(work, result)

    async def attempt(self, work: DeliveryWork) -> AttemptResult | None:
        """Send it once; None when it is not to be sent (opted out, no e-mail, subscription disabled)."""
        if work.channel == "email":
            if work.email is None or work.email_opt_out_at is not None:
                return None
            assert self._token_key is not None
            message = build_message(self.settings, work, token_key=self._token_key)
            return await send_message(self.settings, message, work.id)
        if work.disabled_at is not None or work.url is None or work.secret is None:
            return None
        assert self._client is not None
        return await post_webhook(
            self._client,
            url=work.url,
            secret=work.secret,
            msg_id=webhook_message_id(work),
            body=webhook_body(work),
            timestamp=int(self.ctx.clock().timestamp()),
            allow_private=self.settings.webhook_allow_private_targets,
        )

    async def record(self, work: DeliveryWork, result: AttemptResult | None) -> None:
        now = self.ctx.clock()
        error: str | None
        if result is None:
            state, next_at, error = "skipped", None, "opted out or no longer subscribed"
        else:
            state, next_at = next_state(result, work.attempts, work.retry_since, now, self.settings)
            error = None if state == "sent" else (result.detail or f"status {result.status_code}")
            count_delivery_attempt(work.channel, result.outcome)
        finished = now if next_at is None else None

        async def command() -> bool:
            outbox = Outbox(conn)
            recorded = await outbox.finish_attempt(
                work.id, work.attempts, state=state, next_attempt_at=next_at or now, finished_at=finished,
                last_error=error,
            )  # fmt: skip
            if result is not None:
                started = now - timedelta(milliseconds=result.latency_ms)
                await outbox.insert_attempt(
                    AttemptRecord(
                        work.id,
                        work.attempts,
                        started.astimezone(UTC),
                        result.latency_ms,
                        result.status_code,
                        result.outcome if state != "failed" else "failed",
                        result.detail,
                    )
                )
            return recorded

        async with self.pool.acquire() as conn:
            if not await run_in_transaction(conn, command, keeps_cached_answers=True):
                log.warning("delivery %s: its lease ran out before this attempt was recorded", work.id)
