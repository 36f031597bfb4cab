"""One retry at a time across every process on the database.

A command that lost a race runs again (``services/store.py: _retrying``).
Inside one process, attempts made while some command is retrying take turns
on a lock; across processes (gunicorn workers, several servers) they take
turns at this gate, so that retrying commands stop beating each other: 16
connections reporting into one campaign through three servers exhausted
eight attempts without it. Uncontended commands never pass the gate.

* PostgreSQL: a session advisory lock on a connection of its own (released
  by the server if the process dies).
* SQLite: an exclusive ``flock`` on a file beside the database (released by
  the kernel if the process dies).

The gate is a courtesy, never a requirement: when it cannot be had in time
(the database is down, a holder is stuck), the attempt goes ahead without it
and the version check still decides. See docs/reliability.md.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import psycopg

log = logging.getLogger(__name__)

#: pg_advisory_lock key of the gate: "retry" in ASCII.
GATE_KEY = 0x7265747279
#: The longest an attempt waits at the gate before it goes ahead without it.
GATE_WAIT_S = 5.0


class RetryGate(Protocol):
    def hold(self) -> AbstractContextManager[None]:
        """Held while one retrying attempt runs."""
        ...

    def close(self) -> None: ...


class OpenGate:
    """No gate (a single process, or tests)."""

    @contextmanager
    def hold(self) -> Iterator[None]:
        yield

    def close(self) -> None:
        pass


class _Reentrant:
    """The process's side of a gate: one holder thread at a time, re-entered
    by nested commands without asking the database again."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            try:
                if self._depth > 1:
                    yield
                    return
                acquired = self._acquire()
                try:
                    yield
                finally:
                    if acquired:
                        self._release()
            finally:
                self._depth -= 1

    def _acquire(self) -> bool:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class PostgresGate(_Reentrant):
    def __init__(self, conninfo: str) -> None:
        super().__init__()
        self.conninfo = conninfo
        self._conn: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        conn = self._conn
        if conn is None or conn.closed:
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=2)
            conn.execute(f"SET lock_timeout = '{int(GATE_WAIT_S * 1000)}ms'")
            self._conn = conn
        return conn

    def _acquire(self) -> bool:
        try:
            self._connection().execute("SELECT pg_advisory_lock(%s)", (GATE_KEY,))
        except psycopg.Error as e:
            log.info("retry gate not taken (%s): going ahead without it", e)
            self._drop()
            return False
        return True

    def _release(self) -> None:
        try:
            self._connection().execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))
        except psycopg.Error:
            self._drop()  # the session's end releases the lock

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error:  # already broken
                log.debug("retry gate connection close failed", exc_info=True)

    def close(self) -> None:
        self._drop()


class FileGate(_Reentrant):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._fd: int | None = None

    def _acquire(self) -> bool:
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            deadline = time.monotonic() + GATE_WAIT_S
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        log.info("retry gate busy for %s s: going ahead without it", GATE_WAIT_S)
                        return False
                    time.sleep(0.001)
        except OSError as e:
            log.info("retry gate not taken (%s): going ahead without it", e)
            return False

    def _release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
