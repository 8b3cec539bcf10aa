"""Presented proofs are checked in worker processes, with a deadline that kills the worker when it overruns.

Checking a presented proof (canonicalisation, expansion, signatures) is CPU-bound pure Python on input an attacker
chooses. In a thread it holds the GIL of the server process, so four clients sending costly documents slowed our own
issuance sevenfold; and a thread cannot be stopped. Here the check runs in a separate process:

- `run_isolated(fn, *args, deadline=...)` sends `fn(*args)` to an idle worker and waits for its answer without
  blocking the event loop. At most `WORKERS` checks run at a time per event loop; at most `MAX_WAITING` more wait
  for a worker, beyond that `VerificationBusyError` (503 with Retry-After) so a flood cannot grow memory.
- A worker that overruns `deadline` is killed and replaced (`CheckTooCostlyError` for the caller); a worker that
  dies is replaced too (`CheckTooCostlyError`, the check could not finish).
- Workers are started lazily from a 'forkserver' that has the proof-checking modules imported, run at a lower
  CPU priority (`WORKER_NICENESS`) than the server, so hostile documents take spare CPU, not our issuance's, and are
  shared by every app in the process (tests start one worker, not one per app). `shutdown()` runs at exit.

What crosses the boundary is pickled: the function (by reference), its arguments and its result must be small,
plain values (the presented document, the `KeyRing` records, the `SecuringOutcome`).
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, TypeVar

from verify_api.errors import CheckTooCostlyError, VerificationBusyError

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.connection import Connection
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

T = TypeVar("T")

# One worker: it caps what presented documents can take at one core, at niceness 10 (under contention about a tenth
# of the CPU share of our own issuance). Two workers, or niceness 0/5/19, gave our issuance a worse p99 under
# poison load in the poison bench (bench/RESULTS.md, "poison-runs"): two workers let hostile documents use both cores.
WORKERS = 1
MAX_WAITING = 64
WORKER_NICENESS = 10
DEFAULT_DEADLINE_SECONDS = 10.0
_PRELOAD = ["verify_api.verification.securing"]


class _Worker:
    """One worker process and the pipe to it; used by one check at a time."""

    def __init__(self, context: BaseContext) -> None:
        parent, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child,), daemon=True)  # type: ignore[attr-defined]
        self.process.start()
        child.close()
        self.conn: Connection = parent

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], deadline: float) -> Any:
        """Blocking: `fn(*args)` in the worker; `TimeoutError` past `deadline` (counted from before the document is
        sent, so a large one's transfer counts too), `EOFError` if the worker died."""
        started = time.monotonic()
        self.conn.send((fn, args))
        remaining = deadline - (time.monotonic() - started)
        if remaining <= 0 or not self.conn.poll(remaining):
            raise TimeoutError
        ok, value = self.conn.recv()
        if not ok:
            raise value
        return value

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the worker process
    os.nice(WORKER_NICENESS)
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:  # noqa: BLE001 - the caller re-raises it, as if the call had been local
            reply = (False, exc)
        conn.send(reply)


class _Workers:
    """The process-wide set of idle workers (thread-safe: checks may be started from several event loops)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._context: BaseContext | None = None

    def take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self._context is None:
                forkserver = multiprocessing.get_context("forkserver")
                forkserver.set_forkserver_preload(_PRELOAD)
                self._context = forkserver
            context = self._context
        return _Worker(context)

    def give_back(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < WORKERS:
                self._idle.append(worker)
                return
        worker.kill()

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_WORKERS = _Workers()
atexit.register(_WORKERS.shutdown)


class _Gate:
    """Per event loop: `WORKERS` checks at a time, `MAX_WAITING` waiting."""

    def __init__(self) -> None:
        self.slots = asyncio.Semaphore(WORKERS)
        self.waiting = 0


_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gate] = weakref.WeakKeyDictionary()


async def run_isolated(fn: Callable[..., T], *args: Any, deadline: float = DEFAULT_DEADLINE_SECONDS) -> T:
    """`fn(*args)` in a worker process, within `deadline` seconds (see the module docstring)."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = _Gate()
    if gate.slots.locked() and gate.waiting >= MAX_WAITING:
        raise VerificationBusyError(
            f"{gate.waiting} presented credentials are already waiting to be checked; try again shortly"
        )
    gate.waiting += 1
    try:
        await gate.slots.acquire()
    finally:
        gate.waiting -= 1
    try:
        running = loop.run_in_executor(None, _call, fn, args, deadline)
    except BaseException:
        gate.slots.release()
        raise
    # The slot is freed when the worker is, not when the caller gives up: a client that disconnects mid-check
    # cannot make room for another check while its own still runs.
    running.add_done_callback(lambda _: gate.slots.release())
    return await asyncio.shield(running)


def _call(fn: Callable[..., T], args: tuple[Any, ...], deadline: float) -> T:
    worker = _WORKERS.take()
    try:
        result: T = worker.call(fn, args, deadline)
    except TimeoutError:
        worker.kill()
        raise CheckTooCostlyError(
            f"checking it took longer than {deadline:g} s, so the check was stopped", deadline=deadline
        ) from None
    except (EOFError, OSError, BrokenPipeError):
        worker.kill()
        raise CheckTooCostlyError("the process checking it stopped before it finished (too costly)") from None
    except BaseException:
        _WORKERS.give_back(worker)
        raise
    _WORKERS.give_back(worker)
    return result


def shutdown() -> None:
    """Stop the idle workers (at exit; a later check starts a new one)."""
    _WORKERS.shutdown()
