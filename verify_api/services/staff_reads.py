"""Staff reads (issue 11): find holders, read one with everything on record, and list the register.

Plain use cases over a connection and the service context, returning the wire structs of staff_schemas, so the API
(api/staff_reads.py) and the console pages call the same functions. Reads never write. Every status shown is the one
judgement's (services.judgement.judge_stored, domain.verdict); SQL only narrows the candidates, which is why a page
filtered by status is filled by judging candidates in keyset order (services.paging.scan_page).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec

from verify_api.db.assessments import Assessments
from verify_api.db.credentials import Credentials
from verify_api.db.holders import Holders, RankedHolder
from verify_api.db.listings import Listings, RegisterFilter
from verify_api.domain.codes import normalize_verification_code
from verify_api.domain.credential import credential_url
from verify_api.domain.instant import utc_instant
from verify_api.domain.tiers import Tier
from verify_api.domain.verdict import PublicStatus
from verify_api.errors import HolderNotFoundError, InvalidInputError
from verify_api.services.holder_privacy import holder_privacy
from verify_api.services.judgement import judge_stored
from verify_api.services.paging import (
    DEFAULT_LIMIT,
    check_limit,
    cursor_key,
    decode_cursor,
    encode_cursor,
    query_fingerprint,
    scan_page,
)
from verify_api.staff_schemas import (
    CredentialPage,
    HolderOverview,
    HolderPage,
    StaffAssessmentView,
    StaffCredentialView,
    StaffHolderView,
)

if TYPE_CHECKING:
    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord, HolderRecord
    from verify_api.domain.verdict import CredentialVerdict
    from verify_api.services.context import ServiceContext

MAX_NAME_QUERY = 200

# The stored statuses each judged status can come from (domain.verdict: expiry and rule suspensions are derived from
# active rows, and an entry signed outside its key's window is revoked whatever is stored), so SQL narrows to a
# superset and the judgement decides.
_CANDIDATES_FOR: dict[str, tuple[tuple[str, ...], bool]] = {
    "active": (("active", "suspended"), False),
    "not_yet_valid": (("active", "suspended"), False),
    "expired": (("active", "suspended"), False),
    "suspended": (("active", "suspended"), False),
    "revoked": (("revoked",), True),
    "superseded": (("superseded",), False),
}


class HolderQuery(msgspec.Struct, frozen=True, kw_only=True):
    """GET /v1/holders: e-mail (case-insensitive, exact), name (tolerant: accents, case, word order, a typo), a
    verification code on one of their credentials; any combination."""

    email: str | None = None
    name: str | None = None
    code: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


class CredentialQuery(msgspec.Struct, frozen=True, kw_only=True):
    """GET /v1/credentials: tier, judged status, organisation or holder, issued in [issuedFrom, issuedBefore),
    validUntil in [expiresFrom, expiresBefore)."""

    tier: Tier | None = None
    status: PublicStatus | None = None
    organization_id: UUID | None = None
    holder_id: UUID | None = None
    issued_from: datetime | None = None
    issued_before: datetime | None = None
    expires_from: datetime | None = None
    expires_before: datetime | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def staff_holder_view(holder: HolderRecord) -> StaffHolderView:
    return StaffHolderView(
        id=holder.id,
        display_name=holder.display_name,
        email=holder.email,
        public_listing=holder.public_listing,
        created_at=holder.created_at,
    )


def staff_credential_view(record: CredentialRecord, verdict: CredentialVerdict, base_url: str) -> StaffCredentialView:
    return StaffCredentialView(
        id=record.id,
        tier=record.tier,
        status=verdict.public_status,
        status_reason=verdict.reason,
        subject_name=record.subject_name,
        holder_id=record.holder_id,
        organization_id=record.organization_id,
        verification_code=record.verification_code,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        issued_at=record.issued_at,
        predecessor_id=record.predecessor_id,
        url=credential_url(base_url, record.id),
    )


def _text(value: str | None) -> str | None:
    stripped = value.strip() if value is not None else None
    return stripped or None


async def search_holders(conn: Connection, ctx: ServiceContext, query: HolderQuery) -> HolderPage:
    """One page of holders: the closest names first when `name` is given, else the newest first."""
    del ctx  # the same signature as every staff read; holders need no judgement
    limit = check_limit(query.limit)
    email = _text(query.email)
    name = _text(query.name)
    if name is not None and len(name) > MAX_NAME_QUERY:
        raise InvalidInputError(f"`name` is at most {MAX_NAME_QUERY} characters")
    raw_code = _text(query.code)
    code = normalize_verification_code(raw_code) if raw_code is not None else None
    fingerprint = query_fingerprint("holders", [email.lower() if email else None, name, code])
    position = decode_cursor(query.cursor, fingerprint)
    holders = Holders(conn)

    async def keep(holder: HolderRecord) -> StaffHolderView:
        return staff_holder_view(holder)

    if name is not None:
        ranked_after = cursor_key(position, (int, UUID))

        async def fetch_ranked(after: tuple[Any, ...] | None, size: int) -> tuple[list[RankedHolder], bool]:
            at = (int(after[0]), UUID(str(after[1]))) if after is not None else None
            found = await holders.search(name, email=email, code=code, after=at, limit=size)
            return found, len(found) == size

        page = await scan_page(fetch_ranked, keep, lambda h: (h.rank, str(h.id)), after=ranked_after, limit=limit)
    else:
        newest_after = cursor_key(position, (datetime.fromisoformat, UUID))

        async def fetch_newest(after: tuple[Any, ...] | None, size: int) -> tuple[list[HolderRecord], bool]:
            at = (_instant(after[0]), UUID(str(after[1]))) if after is not None else None
            found = await holders.page(email=email, code=code, after=at, limit=size)
            return found, len(found) == size

        page = await scan_page(
            fetch_newest, keep, lambda h: (h.created_at.isoformat(), str(h.id)), after=newest_after, limit=limit
        )
    next_cursor = encode_cursor(fingerprint, page.next_key) if page.next_key is not None else None
    return HolderPage(holders=page.items, next_cursor=next_cursor)


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def holder_overview(conn: Connection, ctx: ServiceContext, holder_id: UUID, *, now: datetime) -> HolderOverview:
    """The holder, every credential they hold (oldest first, each judged at `now`) and every assessment."""
    holder = await Holders(conn).get(holder_id)
    if holder is None:
        raise HolderNotFoundError(f"no holder has id {holder_id}")
    judged = [
        (record, await judge_stored(conn, record, settings=ctx.settings, now=now))
        for record in await Credentials(conn).holder_records(holder_id)
    ]
    assessments = [
        msgspec.convert(a, StaffAssessmentView, from_attributes=True)
        for a in await Assessments(conn).holder_assessments(holder_id)
    ]
    return HolderOverview(
        holder=staff_holder_view(holder),
        credentials=[staff_credential_view(r, v, ctx.settings.base_url) for r, v in judged],
        assessments=assessments,
        outdated_names=[r.id for r, v in judged if v.valid and r.subject_name != holder.display_name],
        privacy=await holder_privacy(conn, holder_id),
    )


def _between(start: datetime | None, end: datetime | None, what: str) -> tuple[datetime | None, datetime | None]:
    start = utc_instant(start, what=f"{what}From") if start is not None else None
    end = utc_instant(end, what=f"{what}Before") if end is not None else None
    if start is not None and end is not None and start >= end:
        raise InvalidInputError(f"`{what}From` must be before `{what}Before`")
    return start, end


def register_filter(query: CredentialQuery) -> RegisterFilter:
    issued_from, issued_before = _between(query.issued_from, query.issued_before, "issued")
    expires_from, expires_before = _between(query.expires_from, query.expires_before, "expires")
    stored, key_problems = _CANDIDATES_FOR[query.status] if query.status is not None else (None, False)
    return RegisterFilter(
        tier=query.tier,
        organization_id=query.organization_id,
        holder_id=query.holder_id,
        issued_from=issued_from,
        issued_before=issued_before,
        expires_from=expires_from,
        expires_before=expires_before,
        stored=stored,
        key_problems=key_problems,
    )


async def list_credentials(
    conn: Connection, ctx: ServiceContext, query: CredentialQuery, *, now: datetime
) -> CredentialPage:
    """One page of the register, newest first, each entry judged at `now`; with `status`, only entries the
    judgement gives that status (a page may then be short while `nextCursor` is set: see services.paging)."""
    limit = check_limit(query.limit)
    where = register_filter(query)
    fingerprint = query_fingerprint("credentials", [where, query.status])
    after = cursor_key(decode_cursor(query.cursor, fingerprint), (datetime.fromisoformat, str))
    listings = Listings(conn)

    async def fetch(position: tuple[Any, ...] | None, size: int) -> tuple[list[CredentialRecord], bool]:
        at = (_instant(position[0]), str(position[1])) if position is not None else None
        found = await listings.credential_page(where, after=at, limit=size)
        return found, len(found) == size

    async def keep(record: CredentialRecord) -> StaffCredentialView | None:
        verdict = await judge_stored(conn, record, settings=ctx.settings, now=now)
        if query.status is not None and verdict.public_status != query.status:
            return None
        return staff_credential_view(record, verdict, ctx.settings.base_url)

    page = await scan_page(fetch, keep, lambda r: (r.issued_at.isoformat(), r.id), after=after, limit=limit)
    next_cursor = encode_cursor(fingerprint, page.next_key) if page.next_key is not None else None
    return CredentialPage(credentials=page.items, next_cursor=next_cursor)
