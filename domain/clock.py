"""The clock every event's timestamp comes from.

Nothing in the domain reads the wall clock. The application passes its clock
in for the duration of each command (:func:`using`); the timestamps of the
events that command records are that clock's ``now()``. Rules that need the
date (deadlines) take it as a parameter. Outside any command, for example an
aggregate built directly in a unit test, the system clock applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


_SYSTEM = SystemClock()
_current: ContextVar[Clock | None] = ContextVar("rectify_clock", default=None)


@contextmanager
def using(clock: Clock) -> Iterator[None]:
    """Events created inside the block take their timestamps from ``clock``."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


def now() -> datetime:
    return (_current.get() or _SYSTEM).now()


class Timestamped:
    """Mixin for the aggregates' event base classes: timestamps from the clock."""

    @staticmethod
    def create_timestamp() -> datetime:
        return now()
