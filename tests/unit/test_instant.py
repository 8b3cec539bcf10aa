"""domain.instant: client instants without a UTC form are refused; day arithmetic saturates instead of overflowing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from verify_api.domain.instant import EARLIEST, LATEST, plus_days, utc_instant
from verify_api.domain.organization_rules import cae_standing
from verify_api.errors import InvalidInputError


def test_utc_instant_refuses_a_time_before_year_1_in_utc() -> None:
    with pytest.raises(InvalidInputError, match="at 0001-01-01T00:00:00\\+14:00 has no UTC representation"):
        utc_instant(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), what="at")


def test_utc_instant_refuses_a_time_after_year_9999_in_utc() -> None:
    with pytest.raises(InvalidInputError, match="timestamp 9999-12-31T23:59:59-14:00"):
        utc_instant(datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))), what="timestamp")


def test_utc_instant_converts_and_reads_naive_as_utc() -> None:
    assert utc_instant(datetime(2026, 6, 1, 2, tzinfo=timezone(timedelta(hours=2))), what="at") == datetime(
        2026, 6, 1, tzinfo=UTC
    )
    naive = datetime(2026, 6, 1, tzinfo=UTC).replace(tzinfo=None)
    assert utc_instant(naive, what="at") == datetime(2026, 6, 1, tzinfo=UTC)


def test_plus_days_saturates_at_both_ends() -> None:
    due = datetime(9999, 12, 31, tzinfo=UTC)
    assert plus_days(due, 30) == LATEST
    assert plus_days(datetime(1, 1, 2, tzinfo=UTC), -30) == EARLIEST
    assert plus_days(datetime(2026, 1, 1, tzinfo=UTC), 30) == datetime(2026, 1, 31, tzinfo=UTC)


def test_cae_standing_past_a_review_due_9999_does_not_overflow() -> None:
    due = datetime(9999, 12, 31, tzinfo=UTC)
    standing = cae_standing(due, grace_days=30, now=datetime(9999, 12, 31, 12, tzinfo=UTC))
    assert standing.at_risk
    assert standing.suspends_at == LATEST
