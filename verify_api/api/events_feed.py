"""GET /v1/events: the event feed for consumers that poll (services.event_feed)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get
from litestar.params import QueryParameter

from verify_api.api.deps import Conn
from verify_api.api.routes import scoped
from verify_api.services.event_feed import MAX_LIMIT, read_events
from verify_api.webhook_schemas import EventFeed


@scoped(
    get,
    "/events",
    scope="manage",
    operation_id="ListEvents",
    problems=[422],  # a cursor or token that is not one of ours
    summary="The events, in order, after a cursor",
    description="The same events webhooks carry (same `type`, `timestamp`, `data`; `id` is their `webhook-id`), "
    "oldest first. Pass the answer's `nextCursor` as `after` to read on; an event that commits late still comes "
    "after the cursor, so none is skipped.",
)
async def list_events(
    conn: Conn,
    after: Annotated[str | None, QueryParameter(max_length=40, required=False, description="a `nextCursor`")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
) -> EventFeed:
    page = await read_events(conn, after=after, limit=limit)
    return msgspec.convert(page, EventFeed, from_attributes=True)


EVENT_FEED_HANDLERS = [list_events]
