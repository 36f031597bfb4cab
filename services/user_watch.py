"""Which users' cached state is known to be current, without asking the database.

Every API request checks its bearer token against the user aggregate. Asking
the event store whether the user changed costs a database round trip per
request; on PostgreSQL this watch answers instead, from notifications:

* A trigger on the event table (``install``) runs ``pg_notify('rectify_users',
  <user id>)`` for every stored event of a ``User``, in the transaction that
  stores it: the notification exists exactly when the change is committed.
* Each process listens on its own connection (a daemon thread, started
  lazily, again after a fork) and, for each notification, moves that user's
  epoch on. A change made by this process moves it at once (:meth:`changed`).
* After a real check, the caller marks the user as verified at the epoch it
  read *before* the check (:meth:`epoch` then :meth:`verified`). The mark is
  trusted while the epoch is unchanged, the listener is connected, and for at
  most ``max_age_s`` (a bound even if a connection died without an error).

So a deactivated user or a revoked token is refused by the process that made
the change at once, by every other process as soon as PostgreSQL has
delivered the notification (milliseconds), and by a process whose listener is
down at once too: without a listener nothing is trusted and every request
reads the event store, as on SQLite (which has no notifications; there the
round trip is cheap and this watch is not used).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from uuid import UUID

import psycopg
from psycopg import sql

from services.database import psycopg_conninfo

CHANNEL = "rectify_users"
USER_TOPIC_PREFIX = "domain.user:"
MAX_AGE_S = 1.0
RECONNECT_S = 1.0

log = logging.getLogger(__name__)

#: (listener connection generation, or -1 when not listening; the user's change count)
Epoch = tuple[int, int]


def install(database_url: str, events_table: str) -> None:
    """The trigger that announces user changes (idempotent; run under the schema lock)."""
    function = sql.Identifier(f"{events_table}_notify_user")
    table = sql.Identifier(events_table)
    trigger = sql.Identifier(f"{events_table}_notify_user")
    with psycopg.connect(psycopg_conninfo(database_url), autocommit=True, connect_timeout=5) as conn:
        present = conn.execute(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = to_regclass(%s)",
            (f"{events_table}_notify_user", events_table),
        ).fetchone()
        if present:
            return  # (dropping it would lock the event table against writers)
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_notify({channel}, NEW.originator_id::text); RETURN NULL; END $$"
            ).format(function=function, channel=sql.Literal(CHANNEL))
        )
        drop = sql.SQL("DROP TRIGGER IF EXISTS {trigger} ON {table}")
        conn.execute(drop.format(trigger=trigger, table=table))
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER {trigger} AFTER INSERT ON {table} FOR EACH ROW "
                "WHEN (NEW.topic LIKE {prefix}) EXECUTE FUNCTION {function}()"
            ).format(
                trigger=trigger, table=table, prefix=sql.Literal(USER_TOPIC_PREFIX + "%"), function=function
            )
        )


class UserWatch:
    def __init__(self, database_url: str, *, max_age_s: float = MAX_AGE_S) -> None:
        self.conninfo = psycopg_conninfo(database_url)
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._epochs: dict[UUID, int] = {}
        self._verified: dict[UUID, tuple[int, float]] = {}
        self._connected = False
        self._generation = 0  # how many times the listener has connected
        self._socket: int | None = None  # the listening connection's, while connected
        self._stopping = threading.Event()
        self._pid: int | None = None

    # -- what callers ask -----------------------------------------------------------
    def epoch(self, user_id: UUID) -> Epoch:
        """Read before checking a user for real; pass it to :meth:`verified`.
        A check that starts before the listener is connected can never be
        marked: a change committed before LISTEN took effect is never
        announced."""
        self._ensure_listening()
        with self._lock:
            listening = self._generation if self._connected else -1
            return (listening, self._epochs.get(user_id, 0))

    def verified(self, user_id: UUID, epoch: Epoch) -> None:
        with self._lock:
            listening, count = epoch
            if self._connected and listening == self._generation and self._epochs.get(user_id, 0) == count:
                self._verified[user_id] = (count, time.monotonic())

    def is_current(self, user_id: UUID) -> bool:
        """True when the cached user may be used without reading the store."""
        self._ensure_listening()
        with self._lock:
            mark = self._verified.get(user_id)
            return (
                mark is not None
                and self._connected
                and mark[0] == self._epochs.get(user_id, 0)
                and time.monotonic() - mark[1] < self.max_age_s
                and not self._unread()
            )

    def changed(self, user_id: UUID) -> None:
        """This process changed the user: forget its mark now."""
        with self._lock:
            self._epochs[user_id] = self._epochs.get(user_id, 0) + 1
            self._verified.pop(user_id, None)

    @property
    def connected(self) -> bool:
        return self._connected

    # -- the listener ------------------------------------------------------------------
    def _ensure_listening(self) -> None:
        pid = os.getpid()
        if self._pid == pid or self._stopping.is_set():
            return
        with self._lock:
            if self._pid == pid:
                return
            # A new process (or a fork of one): nothing inherited is trusted.
            self._pid = pid
            self._connected = False
            self._verified.clear()
            threading.Thread(target=self._listen, name="rectify-user-watch", daemon=True).start()

    def _listen(self) -> None:
        failures = 0  # in a row: the first is a warning, the rest (an outage) are not repeated
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    try:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                        if failures:
                            log.warning("user watch: listening again after %d failed attempts", failures)
                        failures = 0
                        with self._lock:
                            self._verified.clear()  # checks made while not listening are not trusted
                            self._generation += 1
                            self._socket = conn.fileno()
                            self._connected = True
                        while not self._stopping.is_set():
                            for note in conn.notifies(timeout=0.5):
                                self._notified(note.payload)
                    finally:  # before the connection (and its socket) closes
                        self._disconnected()
            except Exception as e:  # any failure: trust nothing until listening again
                failures += 1
                (log.warning if failures == 1 else log.debug)("user watch: %s; reconnecting", e)
            self._disconnected()
            self._stopping.wait(RECONNECT_S)

    def _disconnected(self) -> None:
        with self._lock:
            self._connected = False
            self._socket = None
            self._verified.clear()

    def _unread(self) -> bool:
        """Whether PostgreSQL has sent something the listener has not read
        yet: until it has, trust nobody (the listener thread may be waiting
        for the interpreter while a busy request thread holds it)."""
        socket = self._socket
        if socket is None:
            return True
        try:
            readable, _, _ = select.select([socket], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def _notified(self, payload: str) -> None:
        try:
            user_id = UUID(payload)
        except ValueError:
            return
        self.changed(user_id)

    def close(self) -> None:
        """Stops trusting at once; the listener ends within half a second."""
        self._stopping.set()
        with self._lock:
            self._connected = False
            self._verified.clear()
