"""The change feed: one listening connection per process that keeps the lookup cache (services.caches) honest.

Migration 0009's triggers send a note on `verify_api_changes` inside every transaction that changes what a public
answer says (a status change, a renewal or reissue, an issuance, a staff link, an assessment, a status list's new
version, a key compromise or retirement). Each process holds one dedicated connection (not a pooled one) that
LISTENs, started and stopped with the app (app.py lifespan), and drops the answers each note names within
milliseconds of the commit.

Notes can be lost only with the connection: when it breaks, the cache stops serving and is emptied at once (every
lookup reads the database), and the feed reconnects with a capped exponential backoff; once LISTEN is back the cache
starts empty again. A periodic round trip notices a connection that died silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from verify_api.db.change_feed import CONNECTION_ERRORS, ChangeListener

if TYPE_CHECKING:
    from collections.abc import Callable

    from verify_api.services.caches import TaggedCache

log = logging.getLogger("verify_api")

# The first retry after a lost connection, the longest pause between retries, and how often a live connection is
# checked (a round trip), in seconds.
FIRST_RETRY_SECONDS = 0.05
MAX_RETRY_SECONDS = 2.0
PING_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 5.0
LISTENER_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, TimeoutError)


# Note field -> the tag it names: a register row names its subject and (migration 0013) the status lists holding
# its slots; a status list's version bump names the list (0009).
_NOTE_FIELDS = (
    ("credential_id", "credential"),
    ("holder_id", "holder"),
    ("organization_id", "organization"),
    ("status_list_id", "status_list"),
    ("revocation_list", "status_list"),
    ("suspension_list", "status_list"),
)


def tags_of_note(note: dict[str, Any]) -> list[str]:
    """The cache tags a note names: the credential, its holder or organisation, a subject on its own, a status
    list."""
    tags = []
    for field, tag in _NOTE_FIELDS:
        value = note.get(field)
        if value is not None:
            tags.append(f"{tag}:{value}")
    return tags


class ChangeFeed:
    """LISTEN on a dedicated connection to `dsn`, applying each note to `caches`; reconnects until stopped."""

    def __init__(
        self, dsn: str, caches: list[TaggedCache[Any]], *, before_each_note: Callable[[], None] | None = None
    ) -> None:
        self.dsn = dsn
        self.caches = caches
        # Told of every note before any entry is dropped: the replica router (db.replica) then reads from the primary
        # until the replica has replayed the change, so no refill of a dropped entry can read the row as it was.
        self._before_each_note = before_each_note
        self.listener: ChangeListener | None = None
        self.subscribed = asyncio.Event()
        self.notes_applied = 0
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self, *, wait: float = CONNECT_TIMEOUT_SECONDS) -> None:
        """Start listening; waits up to `wait` seconds for the first subscription (the app serves from the database
        meanwhile, so a slow or absent listener never blocks start-up)."""
        self._task = asyncio.create_task(self._run(), name="verify_api change feed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.subscribed.wait(), timeout=wait)

    async def stop(self) -> None:
        self._stopping = True
        self._set_live(False)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.listener is not None:
            with contextlib.suppress(*LISTENER_ERRORS):
                await self.listener.close()

    def _set_live(self, live: bool) -> None:
        for cache in self.caches:
            cache.set_live(live)
        if live:
            self.subscribed.set()
        else:
            self.subscribed.clear()

    def _on_lost(self) -> None:
        # Called by the driver the moment the connection breaks: stop serving from memory before anything else.
        self._set_live(False)
        self._lost.set()

    def _on_payload(self, payload: str) -> None:
        if self._before_each_note is not None:
            self._before_each_note()
        try:
            note = json.loads(payload)
        except ValueError:
            note = {"flush": True}  # not ours to read: drop everything rather than guess
        if not isinstance(note, dict) or note.get("flush") is True:
            for cache in self.caches:
                cache.flush()
        else:
            tags = tags_of_note(note)
            for cache in self.caches:
                cache.invalidate(tags)
        self.notes_applied += 1

    async def _run(self) -> None:
        pause = FIRST_RETRY_SECONDS
        while not self._stopping:
            self._lost.clear()
            try:
                self.listener = await ChangeListener.open(
                    self.dsn, self._on_payload, self._on_lost, connect_timeout=CONNECT_TIMEOUT_SECONDS
                )
            except LISTENER_ERRORS as exc:
                log.warning("change feed: cannot listen (%s); lookups read the database, retrying in %.2fs",
                            type(exc).__name__, pause)  # fmt: skip
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_RETRY_SECONDS)
                continue
            self._set_live(True)
            pause = FIRST_RETRY_SECONDS
            await self._watch(self.listener)
            self._set_live(False)
            with contextlib.suppress(*LISTENER_ERRORS):
                await self.listener.close()
            if not self._stopping:
                log.warning(
                    "change feed: the listening connection was lost; lookups read the database until it is back"
                )

    async def _watch(self, listener: ChangeListener) -> None:
        """Until the connection is lost (the driver's callback, or a failed round trip)."""
        while not self._lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), timeout=PING_SECONDS)
                return
            try:
                await listener.check_alive(within=CONNECT_TIMEOUT_SECONDS)
            except LISTENER_ERRORS:
                self._on_lost()
