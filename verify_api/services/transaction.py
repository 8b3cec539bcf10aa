"""One command, one transaction, tried again when PostgreSQL breaks a deadlock or a serialization conflict.

Two commands can take the same locks in opposite orders: a status change holds the event log's append lock while the
organisation rules it triggers update the employer's CAI or CAE, and a concurrent change of that CAI or CAE locks
its row before it appends its own event. PostgreSQL then rolls one of them back (SQLSTATE 40P01; 40001 for a
serialization failure), which db.queries translates to `ConcurrentWriteError`. Nothing of that attempt is left, so
`run_in_transaction` runs the whole command again, a bounded number of times with a short random pause; only when
the contention lasts does the error reach the caller (a 503 problem with Retry-After, never a 500).

A command's body may therefore run more than once: it must do nothing outside the transaction that a second run
would repeat wrongly (files, caches), or do it after `run_in_transaction` returns.
"""

from __future__ import annotations

import asyncio
import logging
import random
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from verify_api.db.queries import transaction
from verify_api.errors import ConcurrentWriteError
from verify_api.services.caches import forget_after_local_write

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from verify_api.db.pool import Connection

T = TypeVar("T")
log = logging.getLogger("verify_api")

# What the running command does once it has committed (counting it in the metrics); a fresh list for each attempt.
_AFTER_COMMIT: ContextVar[list[Callable[[], None]] | None] = ContextVar("verify_api_after_commit", default=None)


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the command this runs in commits; never for an attempt rolled back and run again.

    Outside `run_in_transaction` (a caller owning its own transaction) it runs at once.
    """
    pending = _AFTER_COMMIT.get()
    if pending is None:
        action()
    else:
        pending.append(action)


# How many times a command is run before a lasting conflict reaches the caller, and the longest pause between runs.
COMMAND_ATTEMPTS = 4
MAX_PAUSE_SECONDS = 0.05


async def run_in_transaction(
    conn: Connection, body: Callable[[], Awaitable[T]], *, keeps_cached_answers: bool = False
) -> T:
    """`body()` inside one transaction, run again from the start when the database rolled it back for a conflict.

    Inside a transaction already (a command that is a step of a larger one), `body` runs in a savepoint and a
    conflict goes up to the outermost command, which alone can run everything again.

    A command that commits empties every answer cached in this process (`forget_after_local_write`), unless it says
    `keeps_cached_answers=True`: only for commands that write nothing a cached answer is built from (the outbox's
    own bookkeeping: notifications, deliveries, its cursor). The outbox dispatcher commits every NOTIFY_POLL_SECONDS
    in every process; flushing on each of those would keep no lookup or status list cached for longer than that.
    """
    if conn.is_in_transaction():
        async with transaction(conn):
            return await body()
    attempt = 1
    while True:
        pending: list[Callable[[], None]] = []
        try:
            result = await _attempt(conn, body, pending)
        except ConcurrentWriteError as exc:
            if attempt >= COMMAND_ATTEMPTS:
                raise
            log.warning(
                "command rolled back by the database (SQLSTATE %s), attempt %d of %d; running it again",
                exc.data.get("sqlstate"),
                attempt,
                COMMAND_ATTEMPTS,
            )
        else:
            if not keeps_cached_answers:
                forget_after_local_write()  # committed: no answer cached in this process may predate it
            for action in pending:
                action()
            return result
        # Jitter, not a secret: two retrying commands should not meet again at the same instant.
        await asyncio.sleep(random.uniform(0, MAX_PAUSE_SECONDS * attempt))  # noqa: S311
        attempt += 1


async def _attempt(conn: Connection, body: Callable[[], Awaitable[T]], pending: list[Callable[[], None]]) -> T:
    token = _AFTER_COMMIT.set(pending)
    try:
        async with transaction(conn):
            return await body()
    finally:
        _AFTER_COMMIT.reset(token)
