"""GET /v1/events: the notifications in order, for consumers that poll instead of taking webhooks. Each item is
the webhook body (type, timestamp, data) with its `webhook-id` as `id`; the cursor is the last item's number, and
numbers follow commit order (services.outbox), so polling with `after` never skips one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.db.event_chain import format_occurred_at
from verify_api.db.outbox import Outbox
from verify_api.errors import InvalidInputError

if TYPE_CHECKING:
    from verify_api.db.pool import Connection

MAX_LIMIT = 500


class FeedItem(msgspec.Struct, frozen=True):
    id: str
    type: str
    timestamp: str
    data: dict[str, Any]


class FeedPage(msgspec.Struct, frozen=True):
    events: list[FeedItem]
    next_cursor: str


def parse_cursor(after: str | None) -> int:
    if after is None or after == "":
        return 0
    if not after.isdigit() or len(after) > 18:
        raise InvalidInputError(f"`after` must be a cursor from an earlier answer (digits); got {after[:40]!r}")
    return int(after)


async def read_events(conn: Connection, *, after: str | None, limit: int) -> FeedPage:
    seq = parse_cursor(after)
    rows = await Outbox(conn).notifications_after(seq, limit)
    items = [FeedItem(f"evt_{r.seq}", r.type, format_occurred_at(r.occurred_at), r.data) for r in rows]
    return FeedPage(items, str(rows[-1].seq if rows else seq))
