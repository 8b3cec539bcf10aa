"""The one module that writes dates: RFC 3339 in JSON, a long date on pages, a short one on badges."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from verify_api.domain.dates import due_instant, http_date, long_date, rfc3339, short_date

MOMENTS = [datetime(2026, month, day, 8, 49, 37, tzinfo=UTC) for month in range(1, 13) for day in (1, 9, 28)]


@pytest.mark.parametrize("moment", MOMENTS)
def test_http_date_is_rfc_9110_imf_fixdate(moment: datetime) -> None:
    # The C locale's strftime is the reference IMF-fixdate; ours must not depend on LC_TIME.
    assert http_date(moment) == moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def test_http_date_and_rfc3339_are_in_utc() -> None:
    moment = datetime(2026, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert http_date(moment) == "Sat, 28 Feb 2026 23:00:00 GMT"
    assert rfc3339(moment) == "2026-02-28T23:00:00Z"


def test_page_and_badge_dates() -> None:
    assert long_date(date(2026, 11, 27)) == "27 November 2026"
    assert short_date(date(2025, 3, 12)) == "12 Mar 2025"


def test_a_due_date_is_due_from_midnight_utc() -> None:
    assert due_instant(date(2026, 6, 30)) == datetime(2026, 6, 30, tzinfo=UTC)
