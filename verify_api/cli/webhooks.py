"""`verify-api webhooks create | list | delete | deliveries | redeliver`: webhook subscriptions and their delivery
log (the same use cases as /v1/webhooks). A secret is printed once, alone on the last line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from verify_api.cli.runtime import command_settings, run_with_connection
from verify_api.errors import VerifyApiError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Awaitable, Callable

    from verify_api.db.pool import Connection
    from verify_api.services.webhooks import DeliveryLog, NewSubscription, Subscription


T = TypeVar("T")


def _uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise SystemExit(f"verify-api: {text!r} is not a {what} id (a UUID)") from None


def _listed(sub: Subscription) -> dict[str, object]:
    return {
        "id": str(sub.id),
        "url": sub.url,
        "eventTypes": sub.event_types,
        "description": sub.description,
        "created": sub.created_at.isoformat(),
    }


def _run(work: Callable[[Connection], Awaitable[T]]) -> T:
    try:
        return run_with_connection(command_settings(), work, migrate=True)
    except VerifyApiError as exc:
        raise SystemExit(f"verify-api: {exc.detail}") from None


def cmd_webhooks_create(args: argparse.Namespace) -> int:
    from verify_api.services.webhooks import create_subscription

    settings = command_settings()
    types = [t.strip() for t in args.events.split(",") if t.strip()]

    async def run(conn: Connection) -> NewSubscription:
        return await create_subscription(
            conn, settings, url=args.url, event_types=types, description=args.description,
            now=datetime.now(UTC), actor=None,
        )  # fmt: skip

    made: NewSubscription = _run(run)
    print(f"subscribed {made.record.url} (webhook {made.record.id}) to {','.join(made.record.event_types)}")
    print("the signing secret is shown once:")
    print(made.secret)
    return 0


def cmd_webhooks_list(args: argparse.Namespace) -> int:
    from verify_api.services.webhooks import list_subscriptions

    subs: list[Subscription] = _run(list_subscriptions)
    print(json.dumps([_listed(s) for s in subs], indent=2))
    return 0


def cmd_webhooks_delete(args: argparse.Namespace) -> int:
    from verify_api.services.webhooks import disable_subscription

    subscription_id = _uuid(args.id, "webhook")

    async def run(conn: Connection) -> None:
        await disable_subscription(conn, subscription_id, now=datetime.now(UTC))

    _run(run)
    print(f"webhook {subscription_id} stopped; its delivery log stays")
    return 0


def cmd_webhooks_deliveries(args: argparse.Namespace) -> int:
    from verify_api.services.webhooks import delivery_log

    subscription_id = _uuid(args.id, "webhook")

    async def run(conn: Connection) -> list[DeliveryLog]:
        return await delivery_log(conn, subscription_id, before=None, limit=args.limit)

    logs: list[DeliveryLog] = _run(run)
    out = [
        {
            "id": str(e.delivery.id),
            "eventId": f"evt_{e.delivery.notification_seq}",
            "type": e.delivery.type,
            "state": e.delivery.state,
            "attempts": [
                {
                    "at": a.started_at.isoformat(),
                    "statusCode": a.status_code,
                    "latencyMs": a.latency_ms,
                    "outcome": a.outcome,
                    "detail": a.detail,
                }
                for a in e.attempts
            ],
        }
        for e in logs
    ]
    print(json.dumps(out, indent=2))
    return 0


def cmd_webhooks_redeliver(args: argparse.Namespace) -> int:
    from verify_api.services.webhooks import redeliver

    delivery_id = _uuid(args.id, "delivery")

    async def run(conn: Connection) -> None:
        await redeliver(conn, delivery_id, now=datetime.now(UTC))

    _run(run)
    print(f"delivery {delivery_id} queued to be sent again")
    return 0


def add_webhook_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hooks = sub.add_parser("webhooks", help="webhook subscriptions").add_subparsers(
        dest="webhooks_command", required=True
    )
    create = hooks.add_parser("create", help="subscribe a URL; prints the signing secret alone on the last line")
    create.add_argument("url")
    create.add_argument("--events", required=True, help="comma-separated event types, e.g. credential.issued")
    create.add_argument("--description")
    create.set_defaults(func=cmd_webhooks_create)
    hooks.add_parser("list", help="active subscriptions (JSON), never secrets").set_defaults(func=cmd_webhooks_list)
    delete = hooks.add_parser("delete", help="stop a subscription (its log stays)")
    delete.add_argument("id")
    delete.set_defaults(func=cmd_webhooks_delete)
    deliveries = hooks.add_parser("deliveries", help="a subscription's delivery log (JSON), newest first")
    deliveries.add_argument("id")
    deliveries.add_argument("--limit", type=int, default=50)
    deliveries.set_defaults(func=cmd_webhooks_deliveries)
    again = hooks.add_parser("redeliver", help="send a delivery again (same webhook-id)")
    again.add_argument("id", help="the delivery's id, as `webhooks deliveries` shows it")
    again.set_defaults(func=cmd_webhooks_redeliver)
