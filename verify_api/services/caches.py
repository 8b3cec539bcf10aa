"""The per-process caches the service context carries: stored-proof checks and published status list bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from verify_api.caching import BoundedCache
from verify_api.schemas import Check

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class PublishedList:
    """A signed status list as served: its bytes, ETag, Last-Modified, and whether it is a past version."""

    body: bytes
    etag: str
    last_modified: datetime
    historical: bool


class ProofCheckCache(BoundedCache[tuple[str, str], Check]):
    """Remembers the outcome of verifying a stored document's proof, by (credential id, key multibase).

    The stored document never changes after issuance, so its cryptographic check need only run once per
    process; everything that can change (status, dates, key compromise) is checked on every request.
    """

    def __init__(self, capacity: int = 50_000) -> None:
        super().__init__(capacity)


class StatusListCache(BoundedCache[tuple[str, int, str], PublishedList]):
    """Published status list bodies by (list id, version, base URL)."""

    def __init__(self, capacity: int = 256) -> None:
        super().__init__(capacity)
