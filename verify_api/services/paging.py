"""Cursor pages for the staff reads (issue 11): opaque cursors over a stable keyset order, and the scan that fills a
page when each candidate must first be judged.

A cursor is base64url of `{"v": 1, "q": <fingerprint of the query>, "k": <keyset position>}`: the position of the
last row the page covered in the statement's total order (e.g. (issued_at, id)), so rows inserted while a client
pages neither repeat nor push others out, and a cursor given with other filters than its own is refused rather
than silently mixing two queries. Cursors are not secret and carry nothing the client could not see; a forged one
only moves the starting point of the client's own query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from verify_api.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

R = TypeVar("R")  # a candidate row
V = TypeVar("V")  # what the page shows of it

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
# When candidates must be judged before they count (a status filter, the pending queue), one request looks at no
# more than this many; a page may then come back shorter than `limit`, with `next` still set.
SCAN_LIMIT = 500
_CURSOR_VERSION = 1


class _CursorBody(msgspec.Struct, frozen=True):
    v: int
    q: str
    k: list[Any]


_decode_body = msgspec.json.Decoder(_CursorBody)


def query_fingerprint(kind: str, filters: Any) -> str:
    """Which query a cursor belongs to: the listing and its filters (not the page size)."""
    return hashlib.sha256(msgspec.json.encode([kind, filters])).hexdigest()[:16]


def encode_cursor(fingerprint: str, key: Sequence[Any]) -> str:
    raw = msgspec.json.encode(_CursorBody(v=_CURSOR_VERSION, q=fingerprint, k=list(key)))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str | None, fingerprint: str) -> list[Any] | None:
    """The keyset position of `cursor` (None for the first page), or InvalidInputError saying what is wrong."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = _decode_body.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidInputError("`cursor` is not a cursor this API gave; start again without it") from None
    if body.v != _CURSOR_VERSION:
        raise InvalidInputError("`cursor` comes from another version of this API; start again without it")
    if body.q != fingerprint:
        raise InvalidInputError("`cursor` belongs to a query with other filters; start again without it")
    return body.k


def cursor_key(position: list[Any] | None, kinds: tuple[Callable[[Any], Any], ...]) -> tuple[Any, ...] | None:
    """The position's values typed (e.g. (datetime.fromisoformat, str)); InvalidInputError when they do not fit."""
    if position is None:
        return None
    if len(position) != len(kinds):
        raise InvalidInputError("`cursor` is not a cursor this API gave; start again without it")
    try:
        return tuple(kind(value) for kind, value in zip(kinds, position, strict=True))
    except (TypeError, ValueError):
        raise InvalidInputError("`cursor` is not a cursor this API gave; start again without it") from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"`limit` must be between 1 and {MAX_LIMIT}; got {limit}")
    return limit


@dataclass(frozen=True)
class Scanned(Generic[V]):
    items: list[V]
    next_key: tuple[Any, ...] | None  # the position to continue from; None on the last page


async def scan_page(  # noqa: PLR0913 (two keyword-only bounds beside the three callables)
    fetch: Callable[[tuple[Any, ...] | None, int], Awaitable[tuple[Sequence[R], bool]]],
    keep: Callable[[R], Awaitable[V | None]],
    key_of: Callable[[R], tuple[Any, ...]],
    *,
    after: tuple[Any, ...] | None,
    limit: int,
    scan_limit: int = SCAN_LIMIT,
) -> Scanned[V]:
    """Read candidates in keyset order from `after` (`fetch(position, size)` gives the next candidates and whether
    any may follow them) and keep those `keep` turns into an item, until the page has
    `limit` items and one more shows another page follows, the candidates run out, or `scan_limit` were looked at
    (then the page may be short and `next_key` is where the scan stopped)."""
    kept: list[tuple[tuple[Any, ...], V]] = []
    position, scanned, size = after, 0, limit + 1
    while True:
        batch, more = await fetch(position, size)
        for row in batch:
            position, scanned = key_of(row), scanned + 1
            item = await keep(row)
            if item is not None:
                kept.append((position, item))
                if len(kept) > limit:
                    return Scanned([i for _, i in kept[:limit]], kept[limit - 1][0])
            if scanned >= scan_limit:
                return Scanned([i for _, i in kept], position)
        if not more or not batch:
            return Scanned([i for _, i in kept], None)
