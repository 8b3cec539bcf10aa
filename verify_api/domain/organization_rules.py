"""Rules that watch certified organisations over time. Pure: the services gather the facts and pass `now`.

CAI: when fewer linked staff hold an active AIDA than the minimum, the organisation is "at risk" at once and the
CAI is suspended once the shortfall has lasted the grace period. The shortfall's start is derived from the data
(expiry dates, status changes, unlinking), not from when someone happened to look, so evaluation on read, by a
scheduler, or after a write all reach the same answer.

CAE: once the next governance review is overdue by more than the grace period, the CAE is suspended.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from verify_api.domain.instant import plus_days
from verify_api.domain.lifecycle import StoredStatus


class AidaPeriod(msgspec.Struct, frozen=True):
    status: StoredStatus
    valid_from: datetime
    valid_until: datetime
    status_changed_at: datetime | None

    def active_at(self, now: datetime) -> bool:
        return self.status == "active" and self.valid_from <= now < self.valid_until

    def ends(self) -> datetime:
        """When this credential stopped (or will stop) counting. A renewal's successor carries on after it."""
        if self.status in ("revoked", "suspended") and self.status_changed_at is not None:
            return min(self.valid_until, self.status_changed_at)
        return self.valid_until


class StaffCoverage(msgspec.Struct, frozen=True):
    holder_id: UUID
    linked_at: datetime
    unlinked_at: datetime | None
    aida: list[AidaPeriod]

    def counts_at(self, now: datetime) -> bool:
        return self.unlinked_at is None and any(p.active_at(now) for p in self.aida)

    def lost_at(self, now: datetime) -> datetime | None:
        """When this person stopped counting towards the minimum, if they once counted and no longer do."""
        if self.counts_at(now) or not self.aida:
            return None
        end = max(p.ends() for p in self.aida)
        if self.unlinked_at is not None:
            end = min(end, self.unlinked_at)
        return end if self.linked_at < end <= now else None


class Standing(msgspec.Struct, frozen=True):
    """What the registry shows beside the certification, and whether a rule now requires a suspension."""

    at_risk: bool
    reason: str | None = None
    since: datetime | None = None
    suspends_at: datetime | None = None
    detail: str | None = None

    @classmethod
    def at_risk_since(cls, since: datetime, *, reason: str, grace_days: int, detail: str) -> Standing:
        """At risk from `since`; the suspension falls due `grace_days` later unless the organisation recovers."""
        return cls(at_risk=True, reason=reason, since=since, suspends_at=plus_days(since, grace_days), detail=detail)

    def suspension_due(self, now: datetime) -> bool:
        return self.at_risk and self.suspends_at is not None and now >= self.suspends_at


def cai_standing(
    staff: list[StaffCoverage], *, minimum: int, grace_days: int, certified_at: datetime, now: datetime
) -> Standing:
    count = sum(1 for s in staff if s.counts_at(now))
    if count >= minimum:
        return Standing(at_risk=False)
    # The count fell below the minimum at the k-th most recent loss, k = minimum - count.
    losses = sorted((t for s in staff if (t := s.lost_at(now)) is not None), reverse=True)
    needed = minimum - count
    since = losses[needed - 1] if len(losses) >= needed else certified_at
    since = max(since, certified_at)
    detail = f"{count} of the required {minimum} staff hold an active AIDA"
    return Standing.at_risk_since(since, reason="staff_below_minimum", grace_days=grace_days, detail=detail)


def cae_standing(review_due: datetime | None, *, grace_days: int, now: datetime) -> Standing:
    if review_due is None or now < review_due:
        return Standing(at_risk=False)
    detail = f"the governance review due {review_due.date().isoformat()} has not been recorded"
    return Standing.at_risk_since(review_due, reason="governance_review_overdue", grace_days=grace_days, detail=detail)
