"""Background work inside ``rectify serve`` when no Redis is configured.

Keeps the read model following the event log (SQLite has no notifications,
so it polls) and runs the deadline job once a day. Both only read the event
log and act through the services, so running one of these per process is safe
(each projection applies each batch exactly once).

It lives in ``services/`` so that ``web`` (the CLI's ``serve``) may start it
without importing ``workers/``: the two are independent siblings.
"""

from __future__ import annotations

import logging
import threading
from datetime import date

from services.bootstrap import Services

log = logging.getLogger(__name__)

POLL_S = 1.0
SWEEP_AT_HOUR = 1  # local time: the deadline job runs once a day after 01:00


class EmbeddedRunner:
    def __init__(self, services: Services, *, poll_s: float = POLL_S) -> None:
        self.services = services
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._swept_on: date | None = None
        services.app.saved_listeners.append(lambda _position: self._wake.set())

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rectify-embedded", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.services.projector.catch_up()
                self._maybe_sweep()
            except Exception:  # keep serving; the next round retries
                log.exception("background work failed")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _maybe_sweep(self) -> None:
        now = self.services.app.now().astimezone(self.services.settings.tz)
        if now.hour >= SWEEP_AT_HOUR and self._swept_on != now.date():
            result = self.services.sweep_deadlines(today=now.date())
            self._swept_on = now.date()
            log.info("deadline sweep: %s", result)
