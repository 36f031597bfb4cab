"""eventsourcing's PostgreSQL recorder, each call made once.

The library's ``PostgresApplicationRecorder`` retries every call ten times,
0.2 s apart, on ``OperationalError``/``InterfaceError``, each attempt waiting
up to the pool timeout (``POSTGRES_CONNECT_TIMEOUT``, 5 s) for a connection:
with the database down a request waited 50 s and more before any answer.
It also sends an ``insert_events`` again after a connection lost while the
insert may have committed (the library inserts by one autocommitted function
call), and the second insert then fails as a conflict, which a command
handler takes for a lost race and decides again: the command could be
recorded twice.

So each call is made once here, behind a breaker (:data:`BREAKER_OPEN_S`),
and the pool gives up reconnecting with backoff sooner
(:data:`RECONNECT_TIMEOUT_S`) so that it connects again as soon as asked.
What to do about a failure is decided above
(``services/store.py``: a lost race or a lock not granted runs the command
again, anything else is answered 503 by ``services/outages.py``); stale
pooled connections are found by the pool's check before use
(``POSTGRES_PRE_PING``, ``services/database.py``). Chosen by
``APPLICATION_RECORDER_TOPIC``.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder

from services.outages import is_contention

F = TypeVar("F", bound=Callable[..., Any])

#: After a call found the database unreachable, calls fail at once for this
#: long instead of each waiting the pool timeout (5 s) again: requests on one
#: aggregate queue on the repository's fast-forward lock, so three of them
#: waited 5, 10 and 15 s.
BREAKER_OPEN_S = 1.0
#: How long psycopg_pool keeps retrying a lost connection (with backoff: 1,
#: 2, 4... s) before it gives up and connects again on the next demand. Its
#: default, 300 s, left the servers refusing for 22 s after a 40 s outage;
#: with 10 s, up to 6 s after a 5 s outage; with 2 s, under 4 s.
RECONNECT_TIMEOUT_S = 2.0


class Breaker:
    def __init__(self) -> None:
        self._open_until = 0.0
        self._lock = threading.Lock()

    def check(self) -> None:
        if time.monotonic() < self._open_until:
            raise OperationalError("the database was unreachable a moment ago")

    def trip(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + BREAKER_OPEN_S


def _once(method: F) -> F:
    """The method without the library's ``@retry`` (``functools.wraps`` keeps
    it as ``__wrapped__``), behind the recorder's breaker."""
    plain = getattr(method, "__wrapped__", method)

    @functools.wraps(plain)
    def call(self: OneAttemptPostgresRecorder, *args: Any, **kwargs: Any) -> Any:
        self.breaker.check()
        try:
            return plain(self, *args, **kwargs)
        except (OperationalError, InterfaceError) as e:
            if not is_contention(e):
                self.breaker.trip()
            raise

    return call  # type: ignore[return-value]


class OneAttemptPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.breaker = Breaker()
        # psycopg_pool takes this only as a constructor argument, which the
        # library's datastore does not pass on; it is read at each reconnection.
        self.datastore.pool.reconnect_timeout = RECONNECT_TIMEOUT_S

    insert_events = _once(PostgresApplicationRecorder.insert_events)
    select_events = _once(PostgresAggregateRecorder.select_events)
    select_notifications = _once(PostgresApplicationRecorder.select_notifications)
    max_notification_id = _once(PostgresApplicationRecorder.max_notification_id)
