"""Staff work queues (issue 11): the pending queue (evidence on record that meets a tier's rule, with no current
credential of that tier) and the certified organisations by standing (at risk, suspended).

Neither decides anything itself. Whether a tier is earned is the tier rule's answer (domain.tier_rules
`check_tier_rule`, over the facts issuance reads: the assessments and the credentials held as the one judgement sees
them); an organisation's standing is the organisation rules' (services.organization_rules `standing_of`) and its
certification's status the one judgement's (services.judgement). SQL only finds the candidates.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import msgspec

from verify_api.db.assessments import Assessments
from verify_api.db.credentials import Credentials
from verify_api.db.listings import Listings, PendingCandidate
from verify_api.db.organizations import Organizations
from verify_api.domain.tier_rules import check_tier_rule
from verify_api.domain.tiers import SubjectFacts, Tier
from verify_api.errors import TierRuleError
from verify_api.services.judgement import count_valid_aida_staff, held_credentials, judge_stored
from verify_api.services.organization_rules import standing_of
from verify_api.services.paging import (
    DEFAULT_LIMIT,
    check_limit,
    cursor_key,
    decode_cursor,
    encode_cursor,
    query_fingerprint,
    scan_page,
)
from verify_api.services.staff_reads import staff_credential_view
from verify_api.staff_schemas import (
    OrganizationStandingPage,
    OrganizationStandingView,
    PendingCredentialView,
    PendingPage,
    Standing,
)

if TYPE_CHECKING:
    from verify_api.db.pool import Connection
    from verify_api.db.records import RegistryOrganizationRecord
    from verify_api.services.context import ServiceContext

PERSON_TIERS: tuple[Tier, ...] = ("AIDA", "CPAP", "CPAA")  # prerequisites first
# The tier an organisation of each kind can hold (issuance refuses the other).
ORGANIZATION_TIER: dict[str, Tier] = {"consultancy": "CAI", "enterprise": "CAE"}


class PendingQuery(msgspec.Struct, frozen=True, kw_only=True):
    tier: Tier | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


class StandingQuery(msgspec.Struct, frozen=True, kw_only=True):
    standing: Standing | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def _tiers_to_check(candidate: PendingCandidate, wanted: Tier | None) -> list[Tier]:
    if candidate.holder_id is not None:
        tiers = list(PERSON_TIERS)
    else:
        tiers = [ORGANIZATION_TIER[candidate.organization_kind or "consultancy"]]
    # A current credential of the tier (active or suspended, unexpired) means issuance would refuse: not pending.
    return [t for t in tiers if t not in candidate.current_tiers and (wanted is None or t == wanted)]


async def subject_facts(
    conn: Connection, ctx: ServiceContext, candidate: PendingCandidate, *, now: datetime
) -> SubjectFacts:
    """What the tier rules read of the subject, as issuance reads it (services.issuance)."""
    holder_id, organization_id = candidate.holder_id, candidate.organization_id
    staff = 0
    if organization_id is not None and candidate.organization_kind == "consultancy":
        staff = await count_valid_aida_staff(conn, organization_id, now=now)
    return SubjectFacts(
        assessments=await Assessments(conn).list_for_subject(holder_id=holder_id, organization_id=organization_id),
        credentials=await held_credentials(
            conn, holder_id=holder_id, organization_id=organization_id, settings=ctx.settings, now=now
        ),
        aida_staff_count=staff,
    )


class _PendingRow(msgspec.Struct, frozen=True):
    candidate: PendingCandidate
    tier_index: int
    tier: Tier


async def list_pending(conn: Connection, ctx: ServiceContext, query: PendingQuery, *, now: datetime) -> PendingPage:
    """One page of the pending queue, the longest waiting subject first: each tier whose rule the subject's
    evidence meets now, without a current credential of that tier."""
    limit = check_limit(query.limit)
    fingerprint = query_fingerprint("pending", [query.tier])
    after = cursor_key(decode_cursor(query.cursor, fingerprint), (datetime.fromisoformat, UUID, int))
    listings = Listings(conn)
    facts_of: dict[UUID, SubjectFacts] = {}

    def key_of(row: _PendingRow) -> tuple[Any, ...]:
        return (row.candidate.first_recorded.isoformat(), str(row.candidate.subject_id), row.tier_index)

    async def fetch(position: tuple[Any, ...] | None, size: int) -> tuple[list[_PendingRow], bool]:
        at = None
        if position is not None:
            at = (_instant(position[0]), UUID(str(position[1])))
        found = await listings.pending_candidates(now, after=at, limit=size)
        rows = [
            _PendingRow(candidate=c, tier_index=PERSON_TIERS.index(t) if t in PERSON_TIERS else 0, tier=t)
            for c in found
            for t in _tiers_to_check(c, query.tier)
        ]
        if position is not None:
            rows = [r for r in rows if _after(key_of(r), position)]
        return rows, len(found) == size

    async def keep(row: _PendingRow) -> PendingCredentialView | None:
        candidate = row.candidate
        if candidate.subject_id not in facts_of:
            facts_of[candidate.subject_id] = await subject_facts(conn, ctx, candidate, now=now)
        try:
            facts = facts_of[candidate.subject_id]
            qualification = check_tier_rule(row.tier, facts, ctx.policy, now.replace(microsecond=0))
        except TierRuleError:
            return None
        return PendingCredentialView(
            tier=row.tier,
            subject_name=candidate.subject_name,
            holder_id=candidate.holder_id,
            organization_id=candidate.organization_id,
            assessment_ids=qualification.assessment_ids,
            valid_until=qualification.valid_until,
        )

    page = await scan_page(fetch, keep, key_of, after=after, limit=limit)
    next_cursor = encode_cursor(fingerprint, page.next_key) if page.next_key is not None else None
    return PendingPage(pending=page.items, next_cursor=next_cursor)


def _after(key: tuple[Any, ...], position: tuple[Any, ...]) -> bool:
    """Whether `key` comes after `position` in the queue's order (first_recorded, subject_id, tier)."""
    return (_instant(key[0]), str(key[1]), int(key[2])) > (_instant(position[0]), str(position[1]), int(position[2]))


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def organization_standing(
    conn: Connection, ctx: ServiceContext, org: RegistryOrganizationRecord, *, now: datetime
) -> OrganizationStandingView | None:
    """The organisation's current certification judged now and its standing under the rules (None when it holds
    no current certification any more)."""
    current = await Organizations(conn).current_credential(org.id)
    record = await Credentials(conn).get(current.id) if current is not None else None
    if record is None:
        return None
    verdict = await judge_stored(conn, record, settings=ctx.settings, now=now)
    standing = await standing_of(conn, ctx, org.id, now=now)
    word: Literal["good", "at_risk", "suspended"] = "good"
    if verdict.state == "suspended":
        word = "suspended"
    elif standing.at_risk:
        word = "at_risk"
    return OrganizationStandingView(
        id=org.id,
        name=org.name,
        kind=org.kind,
        country=org.country,
        standing=word,
        credential=staff_credential_view(record, verdict, ctx.settings.base_url),
        reason=verdict.reason if word == "suspended" else standing.reason,
        since=verdict.since if word == "suspended" else standing.since,
        suspends_at=standing.suspends_at if word == "at_risk" else None,
        detail=standing.detail,
    )


async def list_organization_standings(
    conn: Connection, ctx: ServiceContext, query: StandingQuery, *, now: datetime
) -> OrganizationStandingPage:
    """One page of the certified organisations by name, each with its standing now; `standing` keeps only those
    at risk, suspended or in good standing."""
    limit = check_limit(query.limit)
    fingerprint = query_fingerprint("standings", [query.standing])
    after = cursor_key(decode_cursor(query.cursor, fingerprint), (str, UUID))
    listings = Listings(conn)

    async def fetch(position: tuple[Any, ...] | None, size: int) -> tuple[list[RegistryOrganizationRecord], bool]:
        at = (str(position[0]), UUID(str(position[1]))) if position is not None else None
        found = await listings.certified_organization_page(after=at, limit=size)
        return found, len(found) == size

    async def keep(org: RegistryOrganizationRecord) -> OrganizationStandingView | None:
        view = await organization_standing(conn, ctx, org, now=now)
        if view is None or (query.standing is not None and view.standing != query.standing):
            return None
        return view

    page = await scan_page(fetch, keep, lambda o: (o.name, str(o.id)), after=after, limit=limit)
    next_cursor = encode_cursor(fingerprint, page.next_key) if page.next_key is not None else None
    return OrganizationStandingPage(organizations=page.items, next_cursor=next_cursor)
