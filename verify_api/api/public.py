"""Public, unauthenticated answers: credential lookup, the signed document, code lookup and the registry."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast
from uuid import UUID

from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import ResponseHeader, State
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from verify_api.api.cors import allow_any_origin
from verify_api.api.deps import Conn, Now, Runtime, RuntimeDep, public_read_connection, runtime_of
from verify_api.api.negotiation import negotiate_credential_representation
from verify_api.api.openapi_examples import CREDENTIAL_ANSWER, EXAMPLE_ORGANIZATION_ID, SUSPENDED_ANSWER
from verify_api.api.request_input import refuse_malformed_input
from verify_api.api.routes import example, public
from verify_api.domain.instant import utc_instant
from verify_api.errors import InvalidVerificationCodeError
from verify_api.schemas import (
    CredentialView,
    HealthView,
    RegistryCheckRequest,
    RegistryCheckView,
    RegistryEntryView,
    RegistrySearchView,
    RegistryStatusFilter,
)
from verify_api.services import health as health_service
from verify_api.services import lookup, registry, registry_check, registry_search
from verify_api.services.registry_search import MAX_LIMIT, MAX_OFFSET, RegistryQuery

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from verify_api.db.pool import Connection

VC_MEDIA_TYPE = "application/vc"


async def answer_from_memory(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """Before-request hook of GET /v1/credentials/{id}: an answer the lookup cache holds is sent from here, before
    Litestar parses any parameter (the hot path of issue 10); anything else (`?at=`, a browser's or a VC client's
    Accept, a cache miss) goes on to the negotiation and the handler as before."""
    scope = request.scope
    if not scope["query_string"] and "\x00" not in scope["path"]:
        accept = next((value for name, value in scope["headers"] if name == b"accept"), b"")
        if b"html" not in accept and b"application/vc" not in accept and b"ld+json" not in accept:
            runtime = runtime_of(request.app.state)
            body = lookup.cached_answer(runtime, "id:" + request.path_params["credential_id"], runtime.clock())
            if body is not None:
                return Response(body, media_type=MediaType.JSON)
    return await negotiate_credential_representation(request)


@public(
    get,
    "/credentials/{credential_id:str}",
    operation_id="GetCredential",
    summary="Is this credential real and valid?",
    problems=[422],
    description=(
        "Is this credential real and valid right now? Status and every check are computed at request time. "
        "With `at`, the answer is for that moment, replayed from the credential's history."
    ),
    cache_control=None,
    # A browser asking for HTML is sent to the page; JSON answers vary with Accept too.
    before_request=answer_from_memory,
    after_request=allow_any_origin,
    response_headers=[ResponseHeader(name="Vary", value="Accept")],
    response_examples={
        200: [example("A valid credential", CREDENTIAL_ANSWER), example("A suspended credential", SUSPENDED_ANSWER)]
    },
)
async def get_credential(
    state: State,
    credential_id: FromPath[str],
    at: Annotated[
        datetime | None,
        QueryParameter(name="at", required=False, description="RFC 3339 time, e.g. 2026-06-01T00:00:00Z"),
    ] = None,
) -> Response[CredentialView]:
    # The hottest public route: runtime, clock and connection come from state rather than from injected
    # dependencies, because each one costs Litestar a dependency resolution per request (about 30 µs for the
    # connection alone, of ~330 µs in process; measured with bench/ and cProfile). An answer the lookup cache
    # holds needs no connection at all.
    runtime = runtime_of(state)
    now = runtime.clock()
    if at is not None:
        async with _connection(runtime) as conn:
            view = await lookup.lookup_credential(conn, runtime, credential_id, now=now, at=_aware(at))
        return Response(view)
    return await _answer(runtime, "id:" + credential_id, now)


async def _answer(runtime: Runtime, key: str, now: datetime) -> Response[CredentialView]:
    body = lookup.cached_answer(runtime, key, now)
    if body is None:
        async with _connection(runtime) as conn:
            body = await lookup.lookup_answer(conn, runtime, key, now=now)
    # `body` is a CredentialView encoded by services.lookup (the same bytes Litestar would encode it to).
    return cast("Response[CredentialView]", Response(body, media_type=MediaType.JSON))


def _connection(runtime: Runtime) -> AbstractAsyncContextManager[Connection]:
    return public_read_connection(runtime)  # the replica's when it is fresh (DATABASE_REPLICA_URL)


def _aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is ambiguous; PAI Verify reads it as UTC. One without a UTC form is a 422."""
    return utc_instant(moment, what="at") if moment is not None else None


@public(
    get,
    "/credentials/{credential_id:str}/vc",
    operation_id="GetCredentialDocument",
    media_type=VC_MEDIA_TYPE,
    summary="The signed credential document",
    description="The signed credential (a W3C VC 2.0 / Open Badges 3.0 document with its Data Integrity proof), "
    "byte for byte as issued, for a wallet or a verifier of your own.",
    after_request=allow_any_origin,
)
async def get_credential_document(conn: Conn, credential_id: FromPath[str]) -> Response[bytes]:
    document = await lookup.get_signed_document(conn, credential_id)
    return Response(document, media_type=VC_MEDIA_TYPE, headers={"Cache-Control": "public, max-age=3600, immutable"})


async def answer_code_from_memory(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """Before-request hook of GET /v1/lookup: as `answer_from_memory`, for a code whose answer the cache holds.
    It takes the place of the app's `refuse_malformed_input`, so it runs that first."""
    await refuse_malformed_input(request)
    code = request.query_params.get("code")
    if code is not None and 0 < len(code) <= 40 and len(request.query_params) == 1:
        runtime = runtime_of(request.app.state)
        with contextlib.suppress(InvalidVerificationCodeError):  # the handler refuses it, with the usual problem
            body = lookup.cached_answer(runtime, lookup.lookup_key_for_code(code), runtime.clock())
            if body is not None:
                return Response(body, media_type=MediaType.JSON)
    return None


@public(
    get,
    "/lookup",
    operation_id="LookupByCode",
    summary="Look a credential up by its verification code",
    description="The same answer as GET /v1/credentials/{id}, for the short code printed on a certificate "
    "(e.g. `PAI-7K3M-9QXD-4`; case and dashes are forgiven, a mistyped code is caught by its check character). "
    "Behind the verification rate limit, as codes are short enough to guess.",
    problems=[422],
    rate_limited=True,
    after_request=allow_any_origin,
    before_request=answer_code_from_memory,
    response_examples={200: [example("A valid credential", CREDENTIAL_ANSWER)]},
)
async def lookup_by_code(
    state: State,
    code: Annotated[str, QueryParameter(name="code", min_length=1, max_length=40, description="e.g. PAI-7K3M-9QXD-4")],
) -> Response[CredentialView]:
    runtime = runtime_of(state)  # from state, as get_credential: a cached answer needs no connection
    return await _answer(runtime, lookup.lookup_key_for_code(code), runtime.clock())


@public(
    get,
    "/organizations",
    operation_id="SearchRegistry",
    summary="Search the registry of organisations",
    description="Organisations with their PAI designations (CAI, CAE) and standing, best matches first, by name "
    "(tolerant of word order, accents, partial words and small typos), id, country, designation or status.",
    after_request=allow_any_origin,
)
async def search_registry(
    conn: Conn,
    runtime: RuntimeDep,
    now: Now,
    q: Annotated[
        str,
        QueryParameter(
            name="q",
            max_length=100,
            description="Words of the organisation's name in any order, accents and case ignored, partial words "
            "and small typos tolerated; or an organisation id or credential id.",
        ),
    ] = "",
    designation: Annotated[
        Literal["CAI", "CAE"] | None, QueryParameter(description="only organisations holding this designation")
    ] = None,
    country: Annotated[
        str | None, QueryParameter(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code")
    ] = None,
    status: Annotated[
        RegistryStatusFilter | None,
        QueryParameter(
            description="as the registry shows it: `certified`, `at-risk` (certified, standing at risk) or "
            "`not-certified`"
        ),
    ] = None,
    offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="results to skip (paging)")] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="results per page")] = MAX_LIMIT,
) -> RegistrySearchView:
    query = RegistryQuery(text=q, designation=designation, country=country, status=status, offset=offset, limit=limit)
    return await registry_search.search_registry(conn, runtime, query, now=now)


@public(
    post,
    "/organizations/check",
    operation_id="CheckRegistryList",
    status_code=200,
    summary="Check a list of suppliers against the registry",
    description="A supplier list checked at once: each entry (a name, tolerant as in the search, or an id) with its "
    "best match and its status as the registry shows it. The /registry/check page gives the same rows as CSV. "
    "Behind the verification rate limit (each entry is a search).",
    rate_limited=True,
    body_examples=[
        example(
            "A supplier list",
            RegistryCheckRequest(entries=["Acme AI Consulting", "Globex", str(EXAMPLE_ORGANIZATION_ID)]),
            description="Names (tolerant, as in the search) and registry ids may be mixed.",
        )
    ],
)
async def check_registry_list(
    conn: Conn, data: JSONBody[RegistryCheckRequest], runtime: RuntimeDep, now: Now
) -> RegistryCheckView:
    return await registry_check.check_registry_list(conn, runtime, data.entries, now=now)


@public(
    get,
    "/organizations/{org_id:uuid}",
    operation_id="GetRegistryEntry",
    summary="An organisation's registry entry",
    description="An organisation as the registry shows it: its designations, their credentials and standing.",
    after_request=allow_any_origin,
)
async def get_registry_entry(conn: Conn, org_id: FromPath[UUID], runtime: RuntimeDep, now: Now) -> RegistryEntryView:
    return await registry.get_registry_entry(conn, runtime, org_id, now=now)


@public(
    get,
    "/health",
    operation_id="Health",
    summary="Is the service up?",
    description="200 when the service can reach its database; 503 with the same shape when it cannot (for load "
    "balancers and container health checks).",
    responses={503: ResponseSpec(HealthView, description="The database is unreachable.", generate_examples=False)},
)
async def health(runtime: RuntimeDep) -> Response[HealthView]:
    if runtime.pool is None or not await health_service.database_reachable(runtime.pool):
        return Response(HealthView(status="unavailable", database="unreachable"), status_code=503)
    return Response(HealthView(status="ok", database="reachable"))


# lookup_by_code is registered on its own, behind the verification rate limit (see app.py): verification codes
# are short enough to be printed, so guessing them must be slow.
PUBLIC_HANDLERS = [get_credential, get_credential_document, search_registry, get_registry_entry]
