"""A database outage is logged twice, not once per refused request: one line when the first request is refused,
one when a connection succeeds again, with how long it lasted and how many requests were refused meanwhile.

Per process: each worker logs its own pair.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger("verify_api.database")


class OutageTracker:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.down_since: float | None = None
        self.refused = 0

    def refused_request(self, cause: str) -> None:
        """A request was answered 503 because the database could not be used; `cause` names why, without secrets."""
        if self.down_since is None:
            self.down_since = self._clock()
            self.refused = 0
            log.error("database unavailable (%s): answering 503 with Retry-After until it is back", cause)
        self.refused += 1

    def connected(self) -> None:
        """A new database connection succeeded: the outage, if any, is over."""
        if self.down_since is None:
            return
        lasted = self._clock() - self.down_since
        log.warning("database back after %.1f s, %d requests refused", lasted, self.refused)
        self.down_since = None
        self.refused = 0


DATABASE_OUTAGE = OutageTracker()
