"""The organisation rules as pure functions, table-driven: when a CAI or CAE goes at risk, since when, and when
its suspension falls due (since + grace), derived from the data alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

import pytest

from verify_api.domain.organization_rules import AidaPeriod, StaffCoverage, Standing, cae_standing, cai_standing

if TYPE_CHECKING:
    from verify_api.domain.lifecycle import StoredStatus

NOW = datetime(2026, 11, 27, tzinfo=UTC)
CERTIFIED = NOW - timedelta(days=100)
GRACE = 30


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def make_staff(
    n: int,
    *,
    until: datetime | None = None,
    status: StoredStatus = "active",
    changed: datetime | None = None,
    unlinked: datetime | None = None,
) -> StaffCoverage:
    period = AidaPeriod(
        status=status,
        valid_from=days_ago(400),
        valid_until=until or NOW + timedelta(days=365),
        status_changed_at=changed,
    )
    return StaffCoverage(holder_id=UUID(int=n), linked_at=days_ago(200), unlinked_at=unlinked, aida=[period])


# (staff, minimum, the expected `since` or None when not at risk)
CAI_CASES: list[tuple[str, list[StaffCoverage], int, datetime | None]] = [
    ("enough staff", [make_staff(1), make_staff(2)], 2, None),
    ("one expired 10 days ago", [make_staff(1), make_staff(2, until=days_ago(10))], 2, days_ago(10)),
    (
        "revoked counts from the status change",
        [make_staff(1), make_staff(2, status="revoked", changed=days_ago(5))],
        2,
        days_ago(5),
    ),
    ("unlinked counts from the unlinking", [make_staff(1), make_staff(2, unlinked=days_ago(3))], 2, days_ago(3)),
    (
        "two short: the second most recent loss",
        [make_staff(1, until=days_ago(20)), make_staff(2, until=days_ago(4)), make_staff(3)],
        3,
        days_ago(20),
    ),
    ("never enough: since certification", [make_staff(1)], 2, CERTIFIED),
    ("lost before certification: since certification", [make_staff(1, until=days_ago(150))], 1, CERTIFIED),
]


@pytest.mark.parametrize(("case", "staff", "minimum", "since"), CAI_CASES, ids=[c[0] for c in CAI_CASES])
def test_cai_standing_dates_the_shortfall_from_the_data(
    case: str, staff: list[StaffCoverage], minimum: int, since: datetime | None
) -> None:
    standing = cai_standing(staff, minimum=minimum, grace_days=GRACE, certified_at=CERTIFIED, now=NOW)
    if since is None:
        assert standing == Standing(at_risk=False)
        return
    assert (standing.at_risk, standing.reason, standing.since) == (True, "staff_below_minimum", since)
    assert standing.suspends_at == since + timedelta(days=GRACE)
    assert standing.detail is not None
    assert standing.detail.startswith(f"{sum(s.counts_at(NOW) for s in staff)} of the required {minimum} staff")


@pytest.mark.parametrize(
    ("due", "at_risk", "suspension_due"),
    [
        (None, False, False),
        (NOW + timedelta(days=1), False, False),
        (NOW, True, False),
        (days_ago(GRACE - 1), True, False),
        (days_ago(GRACE), True, True),
    ],
)
def test_cae_standing_is_at_risk_once_the_review_is_due(
    due: datetime | None, at_risk: bool, suspension_due: bool
) -> None:
    standing = cae_standing(due, grace_days=GRACE, now=NOW)
    assert standing.at_risk is at_risk
    assert standing.suspension_due(NOW) is suspension_due
    if at_risk:
        assert due is not None
        assert (standing.reason, standing.since, standing.suspends_at) == (
            "governance_review_overdue",
            due,
            due + timedelta(days=GRACE),
        )
