"""One bounded cache type: a mapping that evicts the least recently used entry past its capacity.

Every in-process cache of the service (proof checks, rendered badges, published status lists, resolved JSON-LD
contexts) is one of these, so eviction is written once. Not thread-safe: share one across threads only under the
GIL-atomic use the callers make of it (one per thread for JSON-LD, the event loop's thread for the rest).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")


class BoundedCache(Generic[K, V]):
    """At most `capacity` entries (none when it is 0 or less); reading or writing an entry makes it the newest."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[K, V] = OrderedDict()

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    def get(self, key: K, default: object = None) -> object:
        if key not in self._entries:
            return default
        self._entries.move_to_end(key)
        return self._entries[key]

    def put(self, key: K, value: V) -> None:
        self.put_evicting(key, value)

    def put_evicting(self, key: K, value: V) -> list[tuple[K, V]]:
        """`put`, returning the entries it evicted (oldest first) for callers that index them elsewhere."""
        self._entries[key] = value
        self._entries.move_to_end(key)
        evicted = []
        while len(self._entries) > max(self._capacity, 0):
            evicted.append(self._entries.popitem(last=False))
        return evicted

    def discard(self, key: K) -> V | None:
        """Remove the entry for `key` (if any) and return it."""
        return self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    # The mapping protocol pyld's ContextResolver uses for its shared cache.
    __setitem__ = put

    def __getitem__(self, key: K) -> V:
        self._entries.move_to_end(key)
        return self._entries[key]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
