"""Dependencies: one pooled connection per request, the settings, the signing key and the clock."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from verify_api.db.pool import Connection, Pool
from verify_api.services.context import IssuerKey, SigningKeySource
from verify_api.services.lookup import ProofCheckCache
from verify_api.services.status_lists import StatusListCache
from verify_api.settings import Settings


@dataclass
class Runtime:
    """What the lifespan builds once and every request shares (stored as app.state.runtime)."""

    settings: Settings
    clock: Callable[[], datetime]
    key_source: SigningKeySource
    proof_cache: ProofCheckCache
    status_list_cache: StatusListCache = field(default_factory=StatusListCache)
    pool: Pool | None = None

    @property
    def issuer_key(self) -> IssuerKey:
        """The key this process signs with: the start-up key until a rotation is noticed, then its successor.
        Signing use-cases pass it through `services.context.usable_signing_key`, which checks the register."""
        return self.key_source.current


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_connection(state: State) -> AsyncGenerator[Connection, None]:
    pool = runtime_of(state).pool
    assert pool is not None, "the lifespan creates the pool before any request"
    async with pool.acquire() as conn:
        yield conn


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
}

# Handler parameter types: injected by name (Litestar 3 drops inferred dependencies).
# Validation is skipped: a connection is not data, and msgspec cannot model a union of two driver classes.
Conn = NamedDependency[SkipValidation[Connection]]
Now = NamedDependency[datetime]
RuntimeDep = NamedDependency[SkipValidation[Runtime]]
SettingsDep = NamedDependency[SkipValidation[Settings]]
