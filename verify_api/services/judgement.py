"""Asking the one judgement about stored credentials: gather what `judge_credential` needs, never decide here.

`judge_stored` is what every read path calls for a register entry (lookups by id and by code, the pages, badges
and the offline QR, the registry, status lists). For an organisation's credential it also computes the
organisation's standing under the rules, from the same data the rules read, without writing anything: a CAI past
its staff grace is judged suspended whether or not a rule run has stored the suspension yet. The public lookups
read those facts once (`standing_facts`, time-independent) and judge them at each moment (`judge_with_facts`), so a
cached lookup asks the same judgement.

The tier rules and the CAI staff count read credentials through `held_credentials` and `staff_coverage`, which
judge each one, so "holds an active AIDA" means exactly what every lookup says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from verify_api.db.assessments import Assessments
from verify_api.db.credentials import Credentials
from verify_api.db.organizations import Organizations
from verify_api.domain.organization_rules import AidaPeriod, StaffCoverage, Standing, cae_standing, cai_standing
from verify_api.domain.tiers import HeldCredential
from verify_api.domain.verdict import CredentialVerdict, State, judge_credential, judge_signing_key

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.domain.lifecycle import StoredStatus
    from verify_api.settings import Settings


class Certification(Protocol):
    """What the organisation rules read of an organisation's certification: its tier and when it was issued."""

    @property
    def tier(self) -> str: ...
    @property
    def issued_at(self) -> datetime: ...


# What a verdict means as the stored-status vocabulary the pure rules (tiers, organisation rules) speak.
_EFFECTIVE_STATUS: dict[State, StoredStatus] = {
    "valid": "active",
    "not_yet_valid": "active",  # the rules compare the dates themselves
    "expired": "active",  # likewise: expiry is never stored
    "suspended": "suspended",
    "revoked": "revoked",
    "superseded": "superseded",
    "key_compromised": "revoked",
    "untrusted_key": "revoked",
}


def standing_applies(record: CredentialRecord) -> bool:
    """Whether the organisation rules' standing enters the judgement of `record` (an organisation's current
    certification signed inside its key's window): time-independent, so a cached lookup knows it once."""
    return (
        record.organization_id is not None
        and record.status in ("active", "suspended")
        and judge_signing_key(record) is None
    )


@dataclass(frozen=True)
class StandingFacts:
    """What the organisation rules read to find a CAI's or CAE's standing: the staff links with the AIDAs each
    person holds (CAI), or when the next governance review is due (CAE). None of it depends on the moment asked
    about (an AIDA's period counts by its dates, compared at `standing_at`), so it can be read once and the
    standing found at any `now`."""

    tier: str
    certified_at: datetime
    staff: list[StaffCoverage]
    review_due: datetime | None

    def standing_at(self, settings: Settings, now: datetime) -> Standing:
        if self.tier == "CAI":
            return cai_standing(
                self.staff,
                minimum=settings.cai_min_aida_staff,
                grace_days=settings.cai_staff_grace_days,
                certified_at=self.certified_at,
                now=now,
            )
        if self.tier == "CAE":
            return cae_standing(self.review_due, grace_days=settings.cae_governance_grace_days, now=now)
        return Standing(at_risk=False)


async def standing_facts(
    conn: Connection, org_id: UUID, certification: Certification, *, now: datetime
) -> StandingFacts:
    """Read what `StandingFacts.standing_at` needs (`now` only dates the read; the facts do not depend on it)."""
    tier, staff, due = certification.tier, [], None
    if tier == "CAI":
        staff = await staff_coverage(conn, org_id, now=now)
    elif tier == "CAE":
        governance = await Assessments(conn).latest_governance_record(org_id)
        due = governance.next_review_due if governance else None
    return StandingFacts(tier=tier, certified_at=certification.issued_at, staff=staff, review_due=due)


def judge_with_facts(
    record: CredentialRecord, facts: StandingFacts | None, *, settings: Settings, now: datetime
) -> CredentialVerdict:
    """The one judgement of `record` at `now`, given the standing facts read for it (None when none apply)."""
    standing = facts.standing_at(settings, now) if facts is not None else None
    return judge_credential(record, now=now, standing=standing)


async def judge_stored(
    conn: Connection, record: CredentialRecord, *, settings: Settings, now: datetime
) -> CredentialVerdict:
    """The judgement of a register entry now, with the organisation rules' standing for an organisation's."""
    facts = None
    if standing_applies(record):
        assert record.organization_id is not None
        facts = await standing_facts(conn, record.organization_id, record, now=now)
    return judge_with_facts(record, facts, settings=settings, now=now)


async def organization_standing(
    conn: Connection, settings: Settings, org_id: UUID, certification: Certification, *, now: datetime
) -> Standing:
    """What the organisation rules find for a CAI or CAE at `now`: read only (services.organization_rules acts)."""
    return (await standing_facts(conn, org_id, certification, now=now)).standing_at(settings, now)


def aida_period(record: CredentialRecord, verdict: CredentialVerdict) -> AidaPeriod:
    """An AIDA as the staff rule sees it: counting exactly while the judgement calls it valid."""
    status = _EFFECTIVE_STATUS[verdict.state]
    ended = verdict.since if verdict.state in ("suspended", "revoked", "key_compromised", "untrusted_key") else None
    return AidaPeriod(
        status=status,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        status_changed_at=ended or record.status_changed_at,
    )


async def staff_coverage(conn: Connection, org_id: UUID, *, now: datetime) -> list[StaffCoverage]:
    """Each staff link with the AIDAs the person holds, each judged at `now`."""
    staff: dict[UUID, StaffCoverage] = {}
    for link in await Organizations(conn).staff_aida(org_id):
        entry = staff.setdefault(
            link.holder_id,
            StaffCoverage(holder_id=link.holder_id, linked_at=link.linked_at, unlinked_at=link.unlinked_at, aida=[]),
        )
        if link.aida is not None:
            entry.aida.append(aida_period(link.aida, judge_credential(link.aida, now=now)))
    return list(staff.values())


async def count_valid_aida_staff(conn: Connection, org_id: UUID, *, now: datetime) -> int:
    """Linked staff holding an AIDA the judgement calls valid now (the CAI rule's count)."""
    return sum(1 for s in await staff_coverage(conn, org_id, now=now) if s.counts_at(now))


async def held_credentials(
    conn: Connection, *, holder_id: UUID | None, organization_id: UUID | None, settings: Settings, now: datetime
) -> list[HeldCredential]:
    """The subject's credentials for the tier rules, each with the status the judgement gives it now."""
    register = Credentials(conn)
    if holder_id is not None:
        records = await register.holder_records(holder_id)
    elif organization_id is not None:
        records = await register.organization_records([organization_id])
    else:
        return []
    held = []
    for record in records:
        verdict = await judge_stored(conn, record, settings=settings, now=now)
        held.append(
            HeldCredential(
                id=record.id,
                tier=record.tier,
                status=_EFFECTIVE_STATUS[verdict.state],
                valid_from=record.valid_from,
                valid_until=record.valid_until,
            )
        )
    return held
