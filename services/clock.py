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
    """A clock that stands still until it is moved; it never moves back."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            if instant < self._now:
                raise ValueError(f"time does not move back ({instant} < {self._now})")
            self._now = instant

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)
