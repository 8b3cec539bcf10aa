"""Instants at the edges of what Python can represent: read them from clients safely, add to them without overflow.

Python's `datetime` covers the years 1 to 9999 in *local* time, so a legal RFC 3339 time such as
`0001-01-01T00:00:00+14:00` has no UTC form (it is 31 December of year 0 there) and `9999-12-31 + 30 days` does not
exist at all. Both raised OverflowError deep inside a lookup or a registry evaluation: a 500 for everyone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from verify_api.errors import InvalidInputError

LATEST = datetime.max.replace(tzinfo=UTC)
EARLIEST = datetime.min.replace(tzinfo=UTC)


def utc_instant(moment: datetime, *, what: str) -> datetime:
    """`moment` in UTC (a time without an offset is read as UTC); `InvalidInputError` naming `what` when the
    instant has no UTC representation."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInputError(
            f"{what} {moment.isoformat()} has no UTC representation; times must lie within the years 1 to 9999 UTC"
        ) from None


def plus_days(moment: datetime, days: float) -> datetime:
    """`moment` + `days` in UTC, saturating at the first or last representable UTC instant instead of overflowing.

    A deadline past the year 9999 is "never" for every comparison this service makes, so saturating loses nothing.
    """
    try:
        return (moment + timedelta(days=days)).astimezone(UTC)
    except OverflowError:
        return LATEST if days >= 0 else EARLIEST
