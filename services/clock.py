"""Clocks the composition root can pass in (``build(settings, clock=...)``).

The application reads time only through its clock: ``SystemClock`` in
production, ``ManualClock`` for tests and for the demo, which plays a
campaign over months with time moving forward.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from domain.clock import Clock, SystemClock

__all__ = ["Clock", "ManualClock", "SystemClock"]


class ManualClock:
    """A clock that is moved by hand and never moves back. With ``tick`` each
    reading moves it on by that much, so every event gets its own instant
    (tests); without, it stands still until moved (the demo)."""

    def __init__(self, start: datetime, *, tick: timedelta | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        self._now = start
        self._tick = tick
        self._lock = threading.Lock()

    def now(self) -> datetime:
        if self._tick is None:
            return self._now
        with self._lock:
            self._now += self._tick
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            if instant < self._now:
                raise ValueError(f"time does not move back ({instant} < {self._now})")
            self._now = instant

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)
