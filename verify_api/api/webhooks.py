"""Webhook subscriptions, their delivery log and redelivery, holders' e-mail preferences and the unsubscribe link
(README "Notifications and webhooks"). Subscriptions need the `manage` scope; the unsubscribe link is public and
proves itself with its signed token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast
from uuid import UUID

import msgspec
from litestar import Response, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from verify_api.api.deps import Call, Conn, Now, SettingsDep
from verify_api.api.routes import example, public, scoped
from verify_api.errors import InvalidInputError
from verify_api.services import mail, webhooks
from verify_api.webhook_schemas import (
    AttemptView,
    CreatedWebhookView,
    CreateWebhookRequest,
    DeliveryList,
    DeliveryState,
    DeliveryView,
    EmailPreferencesRequest,
    EmailPreferencesView,
    EventType,
    WebhookList,
    WebhookView,
)

_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "Cache-Control": "no-store",
}
Token = Annotated[str, QueryParameter(min_length=1, max_length=100, description="the token of the e-mail's link")]


def webhook_view(record: webhooks.Subscription) -> WebhookView:
    return msgspec.convert(record, WebhookView, from_attributes=True)


@scoped(
    post,
    "/webhooks",
    scope="manage",
    operation_id="CreateWebhook",
    summary="Subscribe a URL to events",
    status_code=HTTP_201_CREATED,
    description="Events of the chosen types are POSTed to the URL, signed as the Standard Webhooks specification "
    "says (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The URL must resolve to public addresses only "
    "(422 otherwise). The answer holds the signing secret, shown this once.",
    body_examples=[
        example(
            "The CRM, told of every change of standing",
            CreateWebhookRequest(
                url="https://crm.example.org/hooks/pai-verify",
                event_types=["credential.issued", "credential.revoked", "credential.suspended"],
                description="CRM sync",
            ),
        )
    ],
)
async def create_webhook(conn: Conn, call: Call, data: JSONBody[CreateWebhookRequest]) -> CreatedWebhookView:
    made = await webhooks.create_subscription(
        conn,
        call.ctx.settings,
        url=data.url,
        event_types=list(data.event_types),
        description=data.description,
        now=call.now,
        actor=call.actor,
    )
    return CreatedWebhookView(webhook=webhook_view(made.record), secret=made.secret)


@scoped(
    get,
    "/webhooks",
    scope="manage",
    operation_id="ListWebhooks",
    summary="List the webhook subscriptions",
    description="Every active subscription, never its secret.",
)
async def list_webhooks(conn: Conn) -> WebhookList:
    return WebhookList(webhooks=[webhook_view(s) for s in await webhooks.list_subscriptions(conn)])


@scoped(
    get,
    "/webhooks/{subscription_id:uuid}",
    scope="manage",
    operation_id="GetWebhook",
    summary="One webhook subscription",
    description="The subscription (disabled ones too), never its secret.",
)
async def get_webhook(conn: Conn, subscription_id: FromPath[UUID]) -> WebhookView:
    return webhook_view(await webhooks.get_subscription(conn, subscription_id))


@scoped(
    delete,
    "/webhooks/{subscription_id:uuid}",
    scope="manage",
    operation_id="DeleteWebhook",
    summary="Stop a webhook subscription",
    description="Nothing more is sent to it (deliveries not yet sent are skipped); its delivery log stays readable.",
)
async def delete_webhook(conn: Conn, now: Now, subscription_id: FromPath[UUID]) -> None:
    await webhooks.disable_subscription(conn, subscription_id, now=now)


def _before(cursor: str | None) -> tuple[datetime, UUID] | None:
    if not cursor:
        return None
    try:
        at, _, last = cursor.partition("_")
        return datetime.fromisoformat(at), UUID(last)
    except ValueError as exc:
        raise InvalidInputError("`before` must be a cursor from an earlier answer") from exc


@scoped(
    get,
    "/webhooks/{subscription_id:uuid}/deliveries",
    scope="manage",
    operation_id="ListWebhookDeliveries",
    problems=[422],  # a cursor or token that is not one of ours
    summary="The delivery log of a subscription",
    description="Newest first: each delivery's state and every attempt (time, latency, HTTP status, the start of "
    "the response or the error).",
)
async def list_deliveries(
    conn: Conn,
    subscription_id: FromPath[UUID],
    before: Annotated[str | None, QueryParameter(max_length=100, required=False)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
) -> DeliveryList:
    logs = await webhooks.delivery_log(conn, subscription_id, before=_before(before), limit=limit)
    views = [
        DeliveryView(
            id=entry.delivery.id,
            event_id=f"evt_{entry.delivery.notification_seq}",
            type=cast("EventType", entry.delivery.type),
            state=cast("DeliveryState", entry.delivery.state),
            attempts=entry.delivery.attempts,
            created_at=entry.delivery.created_at,
            next_attempt_at=entry.delivery.next_attempt_at if entry.delivery.state == "pending" else None,
            finished_at=entry.delivery.finished_at,
            last_error=entry.delivery.last_error,
            log=[msgspec.convert(a, AttemptView, from_attributes=True) for a in entry.attempts],
        )
        for entry in logs
    ]
    last = logs[-1].delivery if len(logs) == limit else None
    return DeliveryList(
        deliveries=views, next_cursor=None if last is None else f"{last.created_at.isoformat()}_{last.id}"
    )


@scoped(
    post,
    "/deliveries/{delivery_id:uuid}/redeliver",
    scope="manage",
    operation_id="RedeliverDelivery",
    summary="Send a delivery again",
    status_code=202,
    description="Queue a webhook delivery (or an e-mail) to be sent again now, with the same `webhook-id` (or "
    "Message-ID), and a fresh retry window.",
)
async def redeliver(conn: Conn, now: Now, delivery_id: FromPath[UUID]) -> None:
    await webhooks.redeliver(conn, delivery_id, now=now)


@scoped(
    put,
    "/holders/{holder_id:uuid}/email-preferences",
    scope="manage",
    operation_id="SetHolderEmailPreferences",
    summary="Opt a holder out of (or back into) e-mail",
    description="While opted out, the holder is sent no e-mail about their credentials (webhooks are unaffected).",
    body_examples=[example("Opt out", EmailPreferencesRequest(opted_out=True))],
)
async def set_email_preferences(
    conn: Conn, now: Now, holder_id: FromPath[UUID], data: JSONBody[EmailPreferencesRequest]
) -> EmailPreferencesView:
    await mail.set_email_opt_out(conn, holder_id, opted_out=data.opted_out, now=now)
    return EmailPreferencesView(holder_id=holder_id, opted_out=data.opted_out)


@public(
    get,
    "/holders/{holder_id:uuid}/unsubscribe",
    operation_id="UnsubscribePage",
    problems=[422],  # a cursor or token that is not one of ours
    summary="The unsubscribe link of an e-mail",
    description="A page asking the holder to confirm (a GET changes nothing: mail scanners open links); its button "
    "POSTs to the same URL.",
    media_type="text/html",
)
async def unsubscribe_page(conn: Conn, settings: SettingsDep, holder_id: FromPath[UUID], token: Token) -> Response[str]:
    await mail.check_unsubscribe_link(conn, holder_id, token)
    action = f"/v1/holders/{holder_id}/unsubscribe?token={token}"
    body = mail.render_page("unsubscribe.html", issuer=settings.issuer_name, done=False, action=action)
    return Response(body, media_type="text/html", headers=_PAGE_HEADERS)


@public(
    post,
    "/holders/{holder_id:uuid}/unsubscribe",
    operation_id="Unsubscribe",
    summary="Stop e-mail to a holder (one-click)",
    description="RFC 8058 one-click unsubscribe (the `List-Unsubscribe-Post` of every e-mail) and the page's button.",
    media_type="text/html",
    status_code=200,
)
async def unsubscribe(
    conn: Conn, settings: SettingsDep, now: Now, holder_id: FromPath[UUID], token: Token
) -> Response[str]:
    await mail.unsubscribe_holder(conn, holder_id, token, now=now)
    body = mail.render_page("unsubscribe.html", issuer=settings.issuer_name, done=True, action="")
    return Response(body, media_type="text/html", headers=_PAGE_HEADERS)


WEBHOOK_HANDLERS = [
    create_webhook,
    list_webhooks,
    get_webhook,
    delete_webhook,
    list_deliveries,
    redeliver,
    set_email_preferences,
    unsubscribe_page,
    unsubscribe,
]
