"""Staff reads (issue 11): holders, a holder with everything on record, the register, the pending queue and the
organisations by standing. Scope `assess` or `manage`; cursor pages (`limit`, `cursor`, `next`: services.paging).

Adapters over services.staff_reads and services.work_queues, which the console pages call too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import get
from litestar.params import FromPath, QueryParameter

from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.api.routes import Scope, scoped
from verify_api.domain.tiers import Tier
from verify_api.domain.verdict import PublicStatus
from verify_api.services import staff_reads, work_queues
from verify_api.services.paging import DEFAULT_LIMIT, MAX_LIMIT
from verify_api.staff_schemas import (
    CredentialPage,
    HolderOverview,
    HolderPage,
    OrganizationStandingPage,
    PendingPage,
    Standing,
)

STAFF_SCOPES: tuple[Scope, ...] = ("assess", "manage")
P = TypeVar("P", HolderPage, CredentialPage, PendingPage, OrganizationStandingPage)

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"entries per page (at most {MAX_LIMIT})")]
CursorParam = Annotated[
    str | None,
    QueryParameter(max_length=1000, description="`nextCursor` of the previous page (keep the other parameters)"),
]
_PAGING = (
    " Pages follow a stable order: pass the answer's `nextCursor` as `cursor` with the same filters, or follow "
    "`next`; rows added meanwhile neither repeat nor push others out. A cursor given with other filters is a 422."
)


def with_next_link(page: P, base_url: str, path: str, params: dict[str, Any]) -> P:
    """`page` with `next`: the URL of the next page (the same filters, the page's `nextCursor`)."""
    if page.next_cursor is None:
        return page
    query = {k: (v.isoformat() if isinstance(v, datetime) else str(v)) for k, v in params.items() if v is not None}
    query["cursor"] = page.next_cursor
    return msgspec.structs.replace(page, next=f"{base_url}/v1{path}?{urlencode(query)}")


@scoped(
    get,
    "/holders",
    scope=STAFF_SCOPES,
    operation_id="ListHolders",
    summary="Find holders",
    description="Holders by e-mail (case-insensitive, exact), by name (accents, case and word order ignored, a "
    "partial word or a typo tolerated: the closest names first), or by a verification code printed on one of "
    "their credentials; with no filter, the newest first. Staff answers include the e-mail." + _PAGING,
    problems=[422],
)
async def list_holders(
    conn: Conn,
    runtime: RuntimeDep,
    email: Annotated[str | None, QueryParameter(max_length=320, description="the e-mail, any case")] = None,
    name: Annotated[
        str | None, QueryParameter(max_length=200, description="words of the name, in any order, accents ignored")
    ] = None,
    code: Annotated[
        str | None, QueryParameter(max_length=40, description="a verification code, e.g. PAI-7K3M-9QXD-4")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> HolderPage:
    query = staff_reads.HolderQuery(email=email, name=name, code=code, limit=limit, cursor=cursor)
    page = await staff_reads.search_holders(conn, runtime, query)
    params = {"email": email, "name": name, "code": code, "limit": limit}
    return with_next_link(page, runtime.settings.base_url, "/holders", params)


@scoped(
    get,
    "/holders/{holder_id:uuid}",
    scope=STAFF_SCOPES,
    operation_id="GetHolder",
    summary="A holder with their credentials and assessments",
    description="The holder (e-mail included), every credential they were issued, oldest first, each with the "
    "status it has now, and every assessment recorded about them, newest first. `outdatedNames` lists the valid "
    "credentials that carry another name than the holder's current one (`POST /v1/holders/{id}/reissue` "
    "replaces them).",
)
async def get_holder(conn: Conn, runtime: RuntimeDep, now: Now, holder_id: FromPath[UUID]) -> HolderOverview:
    return await staff_reads.holder_overview(conn, runtime, holder_id, now=now)


@scoped(
    get,
    "/credentials",
    scope=STAFF_SCOPES,
    operation_id="ListCredentials",
    summary="List the register",
    description="PAI certifications newest first, each with the status it has now (expiry and the organisation "
    "rules' suspensions included), filtered by tier, status, organisation, holder, issuance time "
    "[`issuedFrom`, `issuedBefore`) and expiry [`expiresFrom`, `expiresBefore`). With `status` a page may come "
    "back shorter than `limit` while `next` is set (each request judges a bounded number of entries)." + _PAGING,
    problems=[422],
)
async def list_credentials(
    conn: Conn,
    runtime: RuntimeDep,
    now: Now,
    tier: Annotated[Tier | None, QueryParameter(description="only this tier")] = None,
    status: Annotated[PublicStatus | None, QueryParameter(description="only entries with this status now")] = None,
    organization_id: Annotated[
        UUID | None, QueryParameter(name="organizationId", description="only this organisation's certifications")
    ] = None,
    holder_id: Annotated[UUID | None, QueryParameter(name="holderId", description="only this holder's")] = None,
    issued_from: Annotated[datetime | None, QueryParameter(name="issuedFrom", description="issued at or after")] = None,
    issued_before: Annotated[datetime | None, QueryParameter(name="issuedBefore", description="issued before")] = None,
    expires_from: Annotated[
        datetime | None, QueryParameter(name="expiresFrom", description="validUntil at or after")
    ] = None,
    expires_before: Annotated[
        datetime | None, QueryParameter(name="expiresBefore", description="validUntil before")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> CredentialPage:
    query = staff_reads.CredentialQuery(
        tier=tier,
        status=status,
        organization_id=organization_id,
        holder_id=holder_id,
        issued_from=issued_from,
        issued_before=issued_before,
        expires_from=expires_from,
        expires_before=expires_before,
        limit=limit,
        cursor=cursor,
    )
    page = await staff_reads.list_credentials(conn, runtime, query, now=now)
    params = {
        "tier": tier,
        "status": status,
        "organizationId": organization_id,
        "holderId": holder_id,
        "issuedFrom": issued_from,
        "issuedBefore": issued_before,
        "expiresFrom": expires_from,
        "expiresBefore": expires_before,
        "limit": limit,
    }
    return with_next_link(page, runtime.settings.base_url, "/credentials", params)


@scoped(
    get,
    "/assessments/pending",
    scope=STAFF_SCOPES,
    operation_id="ListPendingCredentials",
    summary="The pending queue: evidence that earns a tier not yet issued",
    description="Holders and organisations whose assessments on record meet a tier's rule now (the same rule "
    "issuance checks) but who hold no current credential of that tier: one entry per subject and tier, with the "
    "assessments the rule would cite, the longest waiting first. A page may come back shorter than `limit` while "
    "`next` is set (each request checks a bounded number of subjects)." + _PAGING,
    problems=[422],
)
async def list_pending(
    conn: Conn,
    runtime: RuntimeDep,
    now: Now,
    tier: Annotated[Tier | None, QueryParameter(description="only this tier")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> PendingPage:
    query = work_queues.PendingQuery(tier=tier, limit=limit, cursor=cursor)
    page = await work_queues.list_pending(conn, runtime, query, now=now)
    return with_next_link(page, runtime.settings.base_url, "/assessments/pending", {"tier": tier, "limit": limit})


@scoped(
    get,
    "/organization-standings",
    scope=STAFF_SCOPES,
    operation_id="ListOrganizationStandings",
    summary="Certified organisations by standing",
    description="Organisations holding a current CAI or CAE, by name, each with its certification's status now and "
    "its standing under the organisation rules: `suspended`, `at_risk` (a shortfall that suspends it at "
    "`suspendsAt` unless made good) or `good`; `standing` keeps one of them." + _PAGING,
    problems=[422],
)
async def list_organization_standings(
    conn: Conn,
    runtime: RuntimeDep,
    now: Now,
    standing: Annotated[Standing | None, QueryParameter(description="only organisations in this standing")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> OrganizationStandingPage:
    query = work_queues.StandingQuery(standing=standing, limit=limit, cursor=cursor)
    page = await work_queues.list_organization_standings(conn, runtime, query, now=now)
    params = {"standing": standing, "limit": limit}
    return with_next_link(page, runtime.settings.base_url, "/organization-standings", params)


STAFF_READ_HANDLERS = [list_holders, get_holder, list_credentials, list_pending, list_organization_standings]
