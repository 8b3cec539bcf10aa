"""create_app(settings) -> Litestar: wires routes, problem mapping, dependencies and the lifespan. No I/O at import."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag

from verify_api import __version__
from verify_api.api.admin import ADMIN_HANDLERS
from verify_api.api.audit import AUDIT_HANDLERS
from verify_api.api.auth import require_scope
from verify_api.api.badges import BADGE_HANDLERS
from verify_api.api.console_routes import console_router
from verify_api.api.console_sign_in import start_sign_in_limiter
from verify_api.api.corrections import CORRECTION_HANDLERS
from verify_api.api.deps import DEPENDENCIES, Runtime
from verify_api.api.directory import directory_page
from verify_api.api.docs_page import DOCS_HANDLERS, OPENAPI_JSON
from verify_api.api.events_feed import EVENT_FEED_HANDLERS
from verify_api.api.framework import FRAMEWORK_ROUTES
from verify_api.api.holder_privacy import HOLDER_PRIVACY_HANDLERS
from verify_api.api.home import HomePage, home_page_headers
from verify_api.api.issuance_jobs import issuance_jobs_router
from verify_api.api.lifecycle import LIFECYCLE_HANDLERS
from verify_api.api.me_routes import me_router
from verify_api.api.metrics import metrics
from verify_api.api.ob_api import ob_api_router
from verify_api.api.oid4vci import OID4VCI_STAFF_HANDLERS, oid4vci_router
from verify_api.api.openapi_schema import StrictStructSchemaPlugin
from verify_api.api.pages import page_routes, page_template_config
from verify_api.api.problems import EXCEPTION_HANDLERS
from verify_api.api.public import PUBLIC_HANDLERS, check_registry_list, health, lookup_by_code
from verify_api.api.rate_limit import start_rate_limiter
from verify_api.api.replayed_lookups import ReplayedLookups
from verify_api.api.request_input import refuse_malformed_input
from verify_api.api.sharing import certificate
from verify_api.api.staff_reads import STAFF_READ_HANDLERS
from verify_api.api.vc_api import vc_api_routers
from verify_api.api.vc_status import update_credential_status
from verify_api.api.verify import verification_rate_limit, verify_router
from verify_api.api.webhooks import WEBHOOK_HANDLERS
from verify_api.api.well_known import well_known_router
from verify_api.db.pool import Pool, create_pool, pool_stats
from verify_api.db.replica import open_replica_router
from verify_api.errors import DatabaseUnavailableError, SigningKeyError
from verify_api.observability.logs import configure_logging
from verify_api.observability.metrics import forget_this_process, sample_pool
from verify_api.observability.middleware import RequestObserver
from verify_api.observability.outage import DATABASE_OUTAGE
from verify_api.proofs.keys import Signer
from verify_api.services.badges import BadgeCache
from verify_api.services.change_feed import ChangeFeed
from verify_api.services.context import IssuerKey, SigningKeySource, utc_now
from verify_api.services.issuance_jobs import IssuanceJobWorker
from verify_api.services.key_files import key_passphrase, read_key_file
from verify_api.services.key_rotation import ensure_signing_key_usable
from verify_api.services.outbox import Dispatcher
from verify_api.services.p256_keys import publish_p256_key
from verify_api.services.rdfc_self_check import start_rdfc_self_check
from verify_api.services.signing_keys import register_origin, register_signing_key
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from litestar.types import ASGIApp


def load_signing_key(settings: Settings) -> Signer:
    """Read the PKCS#8 key named by SIGNING_KEY_PATH; any problem stops start-up with a clear message."""
    if not settings.signing_key_path:
        raise SigningKeyError("SIGNING_KEY_PATH is not set (`verify-api serve` creates a dev key when unset)")
    return read_key_file(Path(settings.signing_key_path), key_passphrase(settings))


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="PAI Verify",
        version=__version__,
        description=(
            "Issues Production AI Institute credentials as signed W3C Verifiable Credentials 2.0 / Open Badges 3.0 "
            "documents and answers whether a credential is real and valid."
        ),
        path="/",
        # /docs (Swagger UI 5, assets served by us) is a plain route of api/docs_page.py, so it sends its own CSP.
        render_plugins=[
            HomePage(),  # served at `/` (the OpenAPI root)
            JsonRenderPlugin(path=OPENAPI_JSON),
        ],
        components=Components(
            security_schemes={
                "apiKey": SecurityScheme(
                    type="http", scheme="bearer", description="API key from `verify-api api-keys create`"
                )
            }
        ),
        tags=[
            Tag(name="public", description="No authentication."),
            Tag(name="admin", description="Scoped API keys (assess, issue, manage)."),
            Tag(name="keys", description="Published verification keys."),
            Tag(name="vc-api", description="W3C VC API (VCALM): issue, verify credentials and presentations."),
            Tag(name="wallets", description="OpenID for Verifiable Credential Issuance 1.0: delivery into wallets."),
        ],
        use_handler_docstrings=False,
    )


def create_app(
    settings: Settings,
    *,
    issuer_key: IssuerKey | None = None,
    clock: Callable[[], datetime] = utc_now,
    pool: Pool | None = None,
) -> Litestar:
    key = issuer_key or IssuerKey.for_settings(load_signing_key(settings), settings)  # before the costly part
    return wire_runtime(build_routes(settings), settings, issuer_key=key, clock=clock, pool=pool)


class RoutedApp(Litestar):
    """The Litestar app of `build_routes`: every route registered, no runtime yet (`wire_runtime` gives it one).

    `routed` is Litestar's own ASGI handler (its routing and exception handling), before `wire_runtime` wraps it in
    this runtime's observer and lookup replay."""

    routed: ASGIApp


def build_routes(settings: Settings) -> RoutedApp:
    """The route tree: what depends on `settings` alone (the routers' body limits, the metrics route), none of a
    runtime. The costly part of start-up (Litestar registers some 240 handlers, ~0.5 s of CPU), so the test suite
    builds one per distinct settings and wires it again for each test (tests/conftest.py `AppTrees`)."""
    app = RoutedApp(
        route_handlers=[
            Router(
                path="/v1",
                guards=[require_scope],
                route_handlers=[
                    *PUBLIC_HANDLERS,
                    *ADMIN_HANDLERS,
                    *LIFECYCLE_HANDLERS,
                    *BADGE_HANDLERS,
                    *STAFF_READ_HANDLERS,
                    *CORRECTION_HANDLERS,
                    *HOLDER_PRIVACY_HANDLERS,
                    *WEBHOOK_HANDLERS,
                    *EVENT_FEED_HANDLERS,
                    *OID4VCI_STAFF_HANDLERS,
                ],
            ),
            Router(
                path="/v1",
                route_handlers=[lookup_by_code, check_registry_list],  # the bulk check: up to 50 searches a call
                middleware=[verification_rate_limit(settings)],
            ),
            Router(path="/v1", route_handlers=AUDIT_HANDLERS),
            verify_router(settings),
            issuance_jobs_router(settings),
            *vc_api_routers(settings),
            Router(path="/", guards=[require_scope], route_handlers=[update_credential_status]),
            well_known_router,
            oid4vci_router,  # wallet delivery (api/oid4vci.py)
            *DOCS_HANDLERS,
            health,
            *page_routes(settings),
            *FRAMEWORK_ROUTES,
            certificate,
            console_router(settings),  # the staff console (api/console.py)
            me_router(),  # holders' own pages (api/me.py, api/holder_sign_in.py)
            directory_page,  # the public directory of holders (api/directory.py)
            ob_api_router(settings),  # the 1EdTech Open Badges API 3.0 (api/ob_api.py)
            *([metrics] if settings.metrics_enabled else []),
        ],
        template_config=page_template_config(),
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        # URLs and JSON bodies are read strictly before any handler (a route-level before_request would bypass it:
        # tests/integration/test_json_bodies.py checks that only the typed GET /v1/credentials/{id} has one).
        before_request=refuse_malformed_input,
        before_send=[home_page_headers],
        lifespan=[_lifespan],
        openapi_config=openapi_config(),
        plugins=[StrictStructSchemaPlugin()],  # request structs that refuse unknown members say so in the document
        request_max_body_size=settings.max_body_bytes,
        debug=False,
        logging_config=None,  # logging is the process's (observability.logs), not reconfigured by Litestar
    )
    app.routed = app.asgi_handler
    return app


def wire_runtime(
    app: RoutedApp,
    settings: Settings,
    *,
    issuer_key: IssuerKey | None = None,
    clock: Callable[[], datetime] = utc_now,
    pool: Pool | None = None,
) -> Litestar:
    """Give `app` (from `build_routes` with these same `settings`, not serving) a runtime of its own: everything a
    request or the lifespan reaches beside the route tree (app.state: the runtime and its caches, the badge cache,
    the limiters and workers the lifespan starts; the observer and lookup replay around the routes) is made here
    afresh, so an app wired again answers exactly as a new one."""
    key = issuer_key or IssuerKey.for_settings(load_signing_key(settings), settings)
    runtime = Runtime(settings=settings, key_source=SigningKeySource(key, settings), clock=clock, pool=pool)
    app.state = State({"runtime": runtime, "badge_cache": BadgeCache(settings.badge_cache_size)})
    # Outermost, around Litestar's own exception handling, so unmatched routes and errors are observed too.
    # Inside it, cached public lookups replayed before Litestar (api.replayed_lookups: the hot path of issue 10).
    inner: ASGIApp = app.routed
    if settings.lookup_cache_size > 0:
        app.state.replayed_lookups = ReplayedLookups(app.routed, app)
        inner = cast("ASGIApp", app.state.replayed_lookups)
    observer = RequestObserver(inner, retry_after_seconds=DatabaseUnavailableError.retry_after_seconds)
    app.asgi_handler = cast("ASGIApp", observer)
    return app


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncGenerator[None, None]:
    """Start-up and shut-down of the runtime `wire_runtime` gave the app (app.state.runtime)."""
    runtime: Runtime = app.state.runtime
    settings, clock = runtime.settings, runtime.clock
    owns_pool = runtime.pool is None
    if owns_pool:
        if not settings.database_url:
            raise RuntimeError("DATABASE_URL is not set; `verify-api serve` starts an embedded PostgreSQL for you")
        runtime.pool = await create_pool(
            settings.database_url,
            min_size=settings.pool_min,
            max_size=settings.pool_max,
            connect_timeout=settings.database_connect_timeout_seconds,
            on_connected=DATABASE_OUTAGE.connected,
        )
    assert runtime.pool is not None
    sampler = asyncio.create_task(_sample_pool_every_second(runtime.pool))
    app.state.rate_limiter = start_rate_limiter(settings, runtime.pool)
    app.state.sign_in_limiter = start_sign_in_limiter(settings, runtime.pool)  # the console's, per address
    runtime.replica = await open_replica_router(settings, runtime.pool)
    try:
        async with runtime.pool.acquire() as conn:
            await register_signing_key(conn, runtime.issuer_key, now=clock())
            await register_origin(conn, settings.base_url, now=clock())
            await publish_p256_key(conn, settings, now=clock())  # the ES256 key, when its file exists
            await ensure_signing_key_usable(conn, runtime.issuer_key)
        # RDFC-1.0 templates proven against pyld, in a thread beside start-up (services.rdfc_self_check).
        start_rdfc_self_check(settings, runtime.issuer_key.verification_method, clock())
        # Lookups are answered from memory only while the change feed listens (services.change_feed).
        feed = (
            ChangeFeed(
                settings.database_url,
                [runtime.lookup_cache, runtime.current_lists],
                before_each_note=runtime.replica.note_change if runtime.replica is not None else None,
            )
            if settings.database_url
            else None
        )
        if feed is not None and settings.lookup_cache_size > 0:
            await feed.start()
            app.state.change_feed = feed
        # Bulk issuance jobs are run here, by a worker that claims them by lease (services.issuance_jobs).
        worker = _start_issuance_worker(app, runtime)
        try:
            async with _dispatching(runtime):
                yield
        finally:
            await _stop_issuance_worker(worker)
            if feed is not None:
                await feed.stop()
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        forget_this_process()
        await app.state.rate_limiter.close()
        await app.state.sign_in_limiter.close()
        if runtime.replica is not None:
            await runtime.replica.close()
            runtime.replica = None
        if owns_pool:
            await runtime.pool.close()
            runtime.pool = None


def _start_issuance_worker(app: Litestar, runtime: Runtime) -> IssuanceJobWorker | None:
    """The bulk issuance job worker of this process (BULK_WORKER), started; None when it runs none."""
    if not runtime.settings.bulk_worker or runtime.pool is None:
        return None
    worker = IssuanceJobWorker(runtime, runtime.pool)
    worker.start()
    app.state.issuance_worker = worker
    return worker


async def _stop_issuance_worker(worker: IssuanceJobWorker | None) -> None:
    if worker is not None:
        await worker.stop()


@asynccontextmanager
async def _dispatching(runtime: Runtime) -> AsyncGenerator[None, None]:
    """The outbox dispatcher (services.outbox: e-mail and webhooks from the event log), unless NOTIFY_DISPATCH=false."""
    if not runtime.settings.notify_dispatch or runtime.pool is None:
        yield
        return
    dispatcher = Dispatcher(runtime, runtime.pool)
    await dispatcher.start()
    try:
        yield
    finally:
        await dispatcher.stop()


async def _sample_pool_every_second(pool: Pool) -> None:
    """Each worker's pool gauges, for whichever worker answers /metrics (observability.metrics)."""
    while True:
        sample_pool(lambda: pool_stats(pool))
        await asyncio.sleep(1.0)


def app_from_environment() -> Litestar:
    """ASGI factory for granian/uvicorn workers: everything comes from the environment."""
    settings = load_settings(os.environ)
    configure_logging(settings)
    return create_app(settings)
