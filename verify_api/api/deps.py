"""Dependencies: one pooled connection per request, the service context (`runtime`), the clock, and for a write
route the `call` its command needs (context, moment, the API client asking)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from verify_api.db.pool import Connection, Pool
from verify_api.db.replica import ReplicaRouter
from verify_api.services.api_clients import ApiPrincipal
from verify_api.services.context import ServiceContext
from verify_api.services.staff_accounts import StaffPrincipal
from verify_api.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class Runtime(ServiceContext):
    """The service context plus the pool: what the lifespan builds once and every request shares (app.state.runtime).

    Handlers pass it to the use cases as their `ctx`."""

    pool: Pool | None = None
    replica: ReplicaRouter | None = None  # DATABASE_REPLICA_URL: public reads may come from the replica


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


def public_read_connection(runtime: Runtime) -> AbstractAsyncContextManager[Connection]:
    """A connection for a public read: the replica's when DATABASE_REPLICA_URL is set and it is fresh (db.replica),
    else the primary's. For handlers that take the pool from state instead of the `conn` dependency."""
    if runtime.replica is not None:
        return runtime.replica.acquire_for_public_read()
    assert runtime.pool is not None, "the lifespan creates the pool before any request"
    return runtime.pool.acquire()


async def provide_connection(request: Request[Any, Any, Any]) -> AsyncGenerator[Connection, None]:
    runtime = runtime_of(request.app.state)
    pool = runtime.pool
    assert pool is not None, "the lifespan creates the pool before any request"
    if runtime.replica is not None and request.method in SAFE_METHODS and "scope" not in request.route_handler.opt:
        async with runtime.replica.acquire_for_public_read() as conn:  # db.replica: the replica only when fresh
            yield conn
        return
    async with pool.acquire() as conn:
        yield conn
        if runtime.replica is not None and request.method not in SAFE_METHODS:
            await runtime.replica.fence_after_write(conn)  # before the answer: the writer reads its own change


@dataclass(frozen=True)
class Invocation:
    """What a write route passes to its command besides the parsed body: the service context, the moment, and the
    API client the scope guard authenticated (api.auth), or on a console page the signed-in staff member."""

    ctx: Runtime
    now: datetime
    actor: UUID | None


def provide_invocation(request: Request[Any, Any, Any]) -> Invocation:
    runtime = runtime_of(request.app.state)
    principal: ApiPrincipal | StaffPrincipal = request.state.principal  # set by the guard of every scoped route
    actor = principal.staff_id if isinstance(principal, StaffPrincipal) else principal.client_id  # console or key
    return Invocation(ctx=runtime, now=runtime.clock(), actor=actor)


def provide_runtime(state: State) -> Runtime:
    return runtime_of(state)


def provide_settings(state: State) -> Settings:
    return runtime_of(state).settings


def provide_now(state: State) -> datetime:
    return runtime_of(state).clock()


DEPENDENCIES = {
    "conn": Provide(provide_connection),
    "runtime": Provide(provide_runtime, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "now": Provide(provide_now, sync_to_thread=False),
    "call": Provide(provide_invocation, sync_to_thread=False),
}

# Handler parameter types: injected by name (Litestar 3 drops inferred dependencies).
# Validation is skipped: a connection is not data, and msgspec cannot model a union of two driver classes.
Conn = NamedDependency[SkipValidation[Connection]]
Now = NamedDependency[datetime]
Call = NamedDependency[SkipValidation[Invocation]]
RuntimeDep = NamedDependency[SkipValidation[Runtime]]
SettingsDep = NamedDependency[SkipValidation[Settings]]
