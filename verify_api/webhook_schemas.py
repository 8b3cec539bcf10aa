"""Wire structs of webhooks, deliveries, the event feed and e-mail preferences (README "Notifications and
webhooks"). A subscription's secret appears only in the answer that created it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from verify_api.schemas import Request, Response

EventType = Literal[
    "credential.issued",
    "credential.renewed",
    "credential.suspended",
    "credential.reinstated",
    "credential.revoked",
    "credential.expiring",
    "credential.expired",
    "holder.changed",
    "organization.at_risk",
]
DeliveryState = Literal["pending", "sending", "sent", "failed", "skipped"]


class CreateWebhookRequest(Request):
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000, description="http(s) URL the events are POSTed to")]
    event_types: Annotated[list[EventType], msgspec.Meta(min_length=1, max_length=20)]
    description: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class WebhookView(Response, forbid_unknown_fields=True):
    id: UUID
    url: str
    event_types: list[EventType]
    description: str | None
    created_at: datetime
    disabled_at: datetime | None


class CreatedWebhookView(Response, forbid_unknown_fields=True):
    webhook: WebhookView
    secret: Annotated[
        str, msgspec.Meta(description="the Standard Webhooks signing secret (`whsec_...`), shown this once")
    ]


class WebhookList(Response, forbid_unknown_fields=True):
    webhooks: list[WebhookView]


class AttemptView(Response, forbid_unknown_fields=True):
    attempt: int
    started_at: datetime
    latency_ms: int
    status_code: int | None
    outcome: Literal["sent", "retry", "failed"]
    detail: Annotated[str | None, msgspec.Meta(description="the error or the start of the response (500 characters)")]


class DeliveryView(Response, forbid_unknown_fields=True):
    id: UUID
    event_id: str
    type: EventType
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None
    last_error: str | None
    log: list[AttemptView]


class DeliveryList(Response, forbid_unknown_fields=True):
    deliveries: list[DeliveryView]
    next_cursor: Annotated[str | None, msgspec.Meta(description="pass as `before` for older deliveries")]


class FeedEvent(Response, forbid_unknown_fields=True):
    id: Annotated[str, msgspec.Meta(description="the `webhook-id` the same event carries in webhooks")]
    type: EventType
    timestamp: str
    data: dict[str, Any]


class EventFeed(Response, forbid_unknown_fields=True):
    events: list[FeedEvent]
    next_cursor: Annotated[str, msgspec.Meta(description="pass as `after` for the events that follow")]


class EmailPreferencesRequest(Request):
    opted_out: bool


class EmailPreferencesView(Response, forbid_unknown_fields=True):
    holder_id: UUID
    opted_out: bool
