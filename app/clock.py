"""The clock: instants are stored in UTC; days, as the people using Relais count them,
are days in France (a tax year, a distribution's day, a fill-up's date)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today in France."""
    return datetime.now(PARIS).date()


def local_day(moment: datetime) -> date:
    """The day an instant falls on in France: a payment's day decides its tax year."""
    return moment.astimezone(PARIS).date()


def paris_moment(day: date, at: time) -> datetime:
    """A time of a day in France, as a UTC instant."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def paris_midnight(day: date) -> datetime:
    """The start of a day in France, as a UTC instant."""
    return paris_moment(day, time())
