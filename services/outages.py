"""When the database cannot answer: 503 with ``Retry-After``, never a 500.

Two kinds of trouble are told apart from a bug:

* **contention**: a lost race on an aggregate's version (eventsourcing's
  ``RecordConflictError``) or a lock not granted in time (SQLite's "database
  is locked" or its process's one writer connection still in use,
  PostgreSQL's lock timeout, deadlock or serialization failure).
  Nothing was written; the command handler runs the command again on a fresh
  load (``services/store.py: command``). When it keeps losing, the answer is
  :class:`Unavailable` with the code ``store_busy``.
* **outage**: the database is unreachable or dropped the connection
  (``OperationalError``/``InterfaceError`` of eventsourcing, SQLAlchemy,
  psycopg or sqlite3). The command is not run again: a connection lost while
  committing may have committed, and running it again could record it twice.
  :func:`as_unavailable` turns the error into :class:`Unavailable`
  (``database_unavailable``); the web layer answers 503 with ``Retry-After``.

See docs/reliability.md, "Races, crashes and outages".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

import psycopg
import psycopg.errors
from eventsourcing import persistence as es
from sqlalchemy import exc as sa

from domain.errors import DomainError

#: Seconds a client is asked to wait: after losing every retry, and during an outage.
BUSY_RETRY_AFTER_S = 1
OUTAGE_RETRY_AFTER_S = 5

_PG_CONTENTION = (
    psycopg.errors.LockNotAvailable,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
)
_SQLITE_CONTENTION = ("database is locked", "database table is locked", "database is busy")

_UNREACHABLE: tuple[type[BaseException], ...] = (
    es.OperationalError,
    es.InterfaceError,
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,  # no pooled connection in time
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)


class Unavailable(DomainError):
    """The database cannot take the command now (HTTP 503, with ``Retry-After``)."""

    default_code = "service_unavailable"

    def __init__(
        self,
        message: str,
        *,
        code: str,
        retry_after: int,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, params=params)
        self.retry_after = retry_after


def _chain(e: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = e
    while current is not None and current not in found and len(found) < 10:
        found.append(current)
        current = current.__cause__  # `raise ... from`: how every layer wraps a driver's error
    return found


def is_contention(e: BaseException) -> bool:
    """A lock that was not granted in time: nothing was written, running the
    command again is safe (a lost race on a version is ``RecordConflictError``)."""
    for link in _chain(e):
        if isinstance(link, (*_PG_CONTENTION, es.ConnectionUnavailableError)):
            # ConnectionUnavailableError: the SQLite datastore's one writer
            # connection of this process stayed in use past its pool timeout.
            return True
        if isinstance(link, (sqlite3.OperationalError, es.OperationalError, sa.OperationalError)):
            text = str(link).lower()
            if any(words in text for words in _SQLITE_CONTENTION):
                return True
    return False


def busy(attempts: int) -> Unavailable:
    return Unavailable(
        f"the store stayed busy through {attempts} attempts; try again",
        code="store_busy",
        retry_after=BUSY_RETRY_AFTER_S,
        params={"attempts": attempts},
    )


def as_unavailable(e: BaseException) -> Unavailable | None:
    """The 503 for a database error that is no bug (unreachable, dropped
    connection, lock not granted); None for anything else."""
    if isinstance(e, Unavailable):
        return e
    if isinstance(e, es.RecordConflictError) and not isinstance(e, es.PersistenceError):
        return busy(1)
    if isinstance(e, es.IntegrityError):
        return None  # a conflict that escaped the command handler is a bug
    if is_contention(e):
        return busy(1)
    if any(isinstance(link, _UNREACHABLE) for link in _chain(e)):
        return Unavailable(
            "the database is not reachable; try again",
            code="database_unavailable",
            retry_after=OUTAGE_RETRY_AFTER_S,
        )
    return None
