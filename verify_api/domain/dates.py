"""How the service writes and reads dates: RFC 3339 in JSON, a long date on pages, a short one on badges.

Every formatter is locale-free (never `strftime`'s `%B`/`%b`, which follow LC_TIME), so the same instant reads the
same on every machine. A due date (a plain calendar date, such as a governance review's `nextReviewDue`) is due
from midnight UTC of that day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def rfc3339(moment: datetime) -> str:
    """VC 2.0 dateTimeStamp in UTC, to the second: stable bytes for JCS and readable for people."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def long_date(moment: date) -> str:
    """ "27 November 2026", for pages."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def short_date(moment: date) -> str:
    """ "12 Mar 2025", for badges, where space is short."""
    return f"{moment.day} {MONTHS[moment.month - 1][:3]} {moment.year}"


def http_date(moment: datetime) -> str:
    """RFC 9110 §5.6.7 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), for Last-Modified."""
    utc = moment.astimezone(UTC)
    month = MONTHS[utc.month - 1][:3]
    return f"{_WEEKDAYS[utc.weekday()]}, {utc.day:02d} {month} {utc.year:04d} {utc:%H:%M:%S} GMT"


def due_instant(day: date) -> datetime:
    """When a due date falls due: midnight UTC at the start of `day`."""
    return datetime.combine(day, time(), tzinfo=UTC)
