"""Reading an ``as_of`` value: an instant, or a date alone meaning the end of
that day in RECTIFY_TIMEZONE (CONTRACT.md). One rule for the API and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """The last microsecond of ``day`` in ``tz``, in UTC (``as_of`` includes
    events recorded at exactly that instant, so the whole day is in)."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return next_midnight.astimezone(UTC) - timedelta(microseconds=1)


def parse_as_of(text: str, tz: tzinfo, *, naive_in_tz: bool = False) -> datetime:
    """An ISO 8601 instant with an offset, or a date alone (``YYYY-MM-DD``:
    the end of that day in ``tz``). An instant without an offset is read in
    ``tz`` when ``naive_in_tz``, refused otherwise. ``ValueError`` for
    anything else."""
    text = text.strip()
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
