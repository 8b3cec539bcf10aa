"""The per-process caches the service context carries: public lookup answers and published status list bodies.

`LookupCache` holds, per credential (and per verification code), what the public lookup read from the database
(time-independent facts) and the answer encoded for a span of time in which nothing but a write can change it.
The current status lists are a second `TaggedCache` (`CurrentList`, tagged `status_list:<id>` and with what the
organisation rules read for the list's organisations' bits). Writes reach them through PostgreSQL LISTEN/NOTIFY
(services.change_feed; migration 0009's triggers send a note in every writing transaction): each entry carries
tags (`credential:<id>`, `holder:<id>`, `organization:<id>`, `status_list:<id>`) naming what it read, and a note
drops every entry tagged with what it names.

It serves only while the change feed is subscribed (`live`): before the first subscription, and from the moment
the listening connection is lost until it is back, every lookup reads the database, and the cache is emptied on
both edges, so a note lost in between can never leave a stale answer behind. A read racing a note is covered by
`generation`: an answer is stored only if no note arrived since its read began.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from verify_api.caching import BoundedCache

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

V = TypeVar("V")


@dataclass(frozen=True)
class PublishedList:
    """A signed status list as served: its bytes, ETag, Last-Modified, and whether it is a past version."""

    body: bytes
    etag: str
    last_modified: datetime
    historical: bool


@dataclass(frozen=True)
class CurrentList:
    """A status list as it stands now, as served (`published`), for the span of time [`holds_from`, `holds_until`)
    in which no bit can change by time alone (None: open); a write that can flip a bit drops it (its tags)."""

    published: PublishedList
    holds_from: datetime | None
    holds_until: datetime | None

    def holds_at(self, now: datetime) -> bool:
        return (self.holds_from is None or self.holds_from <= now) and (
            self.holds_until is None or now < self.holds_until
        )


# Current status lists kept per process (services.status_lists): a deployment publishes a few lists per purpose
# and 100,000 or more credentials each, so this holds every list in service.
CURRENT_LISTS_CAPACITY = 256


class StatusListCache(BoundedCache[tuple[str, int, str], PublishedList]):
    """Published status list bodies by (list id, version, base URL)."""

    def __init__(self, capacity: int = 256) -> None:
        super().__init__(capacity)


@dataclass(frozen=True)
class Tagged(Generic[V]):
    value: V
    tags: frozenset[str]


class TaggedCache(Generic[V]):
    """A bounded cache whose entries are dropped by tag, serving only while `live` (see the module docstring)."""

    def __init__(self, capacity: int) -> None:
        self._entries: BoundedCache[str, Tagged[V]] = BoundedCache(capacity)
        self._by_tag: dict[str, set[str]] = {}
        self.generation = 0
        self.live = False
        _IN_THIS_PROCESS.add(self)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> V | None:
        if not self.live:
            return None
        found = self._entries.get(key)
        return None if found is None else found.value

    def put(self, key: str, value: V, tags: Iterable[str], *, read_at_generation: int) -> bool:
        """Store `value` read while the generation was `read_at_generation`; refused (False) when a note arrived
        since (the read may predate it) or the feed is not subscribed."""
        if not self.live or read_at_generation != self.generation:
            return False
        self._forget(key)
        entry = Tagged(value, frozenset(tags))
        for tag in entry.tags:
            self._by_tag.setdefault(tag, set()).add(key)
        for old_key, old in self._entries.put_evicting(key, entry):
            self._unindex(old_key, old)
        return True

    def invalidate(self, tags: Iterable[str]) -> None:
        """Drop every entry tagged with one of `tags` (a change note)."""
        self.generation += 1
        for tag in tags:
            for key in self._by_tag.pop(tag, set()):
                self._forget(key)

    def flush(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._by_tag.clear()

    def set_live(self, live: bool) -> None:
        """Subscribed (True) or not: either way, whatever is cached may have missed notes, so it goes."""
        self.flush()
        self.live = live

    def _forget(self, key: str) -> None:
        old = self._entries.discard(key)
        if old is not None:
            self._unindex(key, old)

    def _unindex(self, key: str, entry: Tagged[V]) -> None:
        for tag in entry.tags:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]


_IN_THIS_PROCESS: weakref.WeakSet[TaggedCache[Any]] = weakref.WeakSet()


def forget_after_local_write() -> None:
    """A command of this process committed: drop every answer cached here at once (its notes reach the other
    processes, and this one, through the change feed a moment later; this makes the change visible here before
    the command even answers). Writes are rare next to lookups, so dropping all of them costs little."""
    for cache in list(_IN_THIS_PROCESS):
        cache.flush()
