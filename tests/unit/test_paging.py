"""Cursor pages (services.paging): cursors round-trip, belong to one query, and refuse what this API did not give."""

from __future__ import annotations

import base64

import pytest

from verify_api.errors import InvalidInputError
from verify_api.services.paging import (
    check_limit,
    cursor_key,
    decode_cursor,
    encode_cursor,
    query_fingerprint,
    scan_page,
)


def test_cursor_round_trips_and_is_url_safe() -> None:
    fingerprint = query_fingerprint("holders", ["a@b.c", None, None])
    cursor = encode_cursor(fingerprint, ["2026-11-27T09:00:00.123456+00:00", "id/+="])
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, fingerprint) == ["2026-11-27T09:00:00.123456+00:00", "id/+="]
    assert decode_cursor(None, fingerprint) is None


def test_cursor_of_another_query_is_refused() -> None:
    cursor = encode_cursor(query_fingerprint("holders", ["x"]), [1, "a"])
    with pytest.raises(InvalidInputError, match="other filters"):
        decode_cursor(cursor, query_fingerprint("holders", ["y"]))
    with pytest.raises(InvalidInputError, match="other filters"):
        decode_cursor(cursor, query_fingerprint("credentials", ["x"]))


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !",
        base64.urlsafe_b64encode(b"[1,2]").decode(),
        base64.urlsafe_b64encode(b'{"v":2,"q":"","k":[]}').decode(),
    ],
    ids=["garbage", "wrong-shape", "other-version"],
)
def test_malformed_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidInputError, match="start again without it"):
        decode_cursor(cursor, "")


def test_cursor_key_types_the_position() -> None:
    assert cursor_key([3, "7"], (int, int)) == (3, 7)
    with pytest.raises(InvalidInputError, match="not a cursor"):
        cursor_key([3], (int, int))
    with pytest.raises(InvalidInputError, match="not a cursor"):
        cursor_key(["x", 1], (int, int))


def test_limit_is_bounded() -> None:
    assert check_limit(100) == 100
    for bad in (0, 101):
        with pytest.raises(InvalidInputError, match="between 1 and 100"):
            check_limit(bad)


async def test_scan_page_fills_pages_and_stops_at_the_scan_limit() -> None:
    rows = list(range(1, 21))

    async def fetch(after: tuple[int, ...] | None, size: int) -> tuple[list[int], bool]:
        start = after[0] if after else 0
        batch = [r for r in rows if r > start][:size]
        return batch, len(batch) == size

    async def even(row: int) -> int | None:
        return row if row % 2 == 0 else None

    def key(row: int) -> tuple[int]:
        return (row,)

    page = await scan_page(fetch, even, key, after=None, limit=3)
    assert (page.items, page.next_key) == ([2, 4, 6], (6,))
    last = await scan_page(fetch, even, key, after=(14,), limit=3)
    assert (last.items, last.next_key) == ([16, 18, 20], None)
    short = await scan_page(fetch, even, key, after=None, limit=5, scan_limit=4)
    assert (short.items, short.next_key) == ([2, 4], (4,))
