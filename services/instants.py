"""Reading an ``as_of`` value: an instant, or a date alone meaning the end of
that day in RECTIFY_TIMEZONE (CONTRACT.md). One rule for the API and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """The last microsecond of ``day`` in ``tz``, in UTC (``as_of`` includes
    events recorded at exactly that instant, so the whole day is in)."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return next_midnight.astimezone(UTC) - timedelta(microseconds=1)


#: The instants an ``as_of`` may name, in UTC: a day inside datetime's own
#: range at each end, so that reading the instant in any time zone (offsets
#: up to a day) and a day's arithmetic on it never overflow; at the far end a
#: year, for the deadline job's ``--now`` and the days it adds.
EARLIEST_AS_OF = datetime(1, 1, 2, tzinfo=UTC)
LATEST_AS_OF = datetime(9999, 1, 1, tzinfo=UTC)


def parse_as_of(text: str, tz: tzinfo, *, naive_in_tz: bool = False) -> datetime:
    """An ISO 8601 instant with an offset, or a date alone (``YYYY-MM-DD``:
    the end of that day in ``tz``). An instant without an offset is read in
    ``tz`` when ``naive_in_tz``, refused otherwise. It lies from
    :data:`EARLIEST_AS_OF` until :data:`LATEST_AS_OF` (0001-01-02 to
    9998-12-31 in UTC). ``ValueError`` for anything else."""
    text = text.strip()
    try:
        instant = _parse(text, tz, naive_in_tz=naive_in_tz)
        in_range = EARLIEST_AS_OF <= instant.astimezone(UTC) < LATEST_AS_OF
    except OverflowError:  # "9999-12-31T23:59:59-23:59" is past datetime.max in UTC
        in_range = False
    if not in_range:
        raise ValueError(f"{text!r} is not between 0001-01-02 and 9998-12-31 (UTC)")
    return instant


def _parse(text: str, tz: tzinfo, *, naive_in_tz: bool) -> datetime:
    if len(text) == 10:
        try:
            return end_of_day(date.fromisoformat(text), tz)
        except ValueError:
            pass
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        if not naive_in_tz:
            raise ValueError(f"{text!r} has no UTC offset")
        instant = instant.replace(tzinfo=tz)
    return instant
