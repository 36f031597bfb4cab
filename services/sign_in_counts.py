"""Sign-in attempt counts in the database: operational state, not history.

The sign-in limit (``web/sign_in_limit.py``) counts attempts in fixed windows
with the ``limits`` library. With Redis configured it counts there; on the
embedded default it counts here, in ``auth_sign_in_counts``, so that every
server process on the database shares one count (in memory each process
counted alone: two workers let 19 of 30 guesses through in 3 s).

Like ``auth_token_usage`` (``services/token_usage.py``), this table is
neither part of the event log nor of the read model: an attempt to sign in
is no fact of a problem's history, and nothing is derived from it. It has
one writer, this module (no projection writes it, and a rebuild of the read
model leaves it alone). Created by ``rectify init`` (``Services.init``).

Each row is one window of one key: ``count`` attempts until ``expires_at``
(seconds since the epoch). A hit is one ``INSERT ... ON CONFLICT DO UPDATE
... RETURNING`` (PostgreSQL and SQLite alike), so two processes counting at
the same moment never lose a hit; rows whose window has passed are deleted
now and then.
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage
from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, delete, select, text
from sqlalchemy.exc import SQLAlchemyError

metadata = MetaData()
sign_in_counts = Table(
    "auth_sign_in_counts",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),
)

#: Expired windows are deleted at most this often per process.
PURGE_EVERY_S = 60.0

_HIT = text(
    "INSERT INTO auth_sign_in_counts (key, count, expires_at) VALUES (:key, :amount, :expires) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN auth_sign_in_counts.expires_at <= :now THEN :amount "
    "ELSE auth_sign_in_counts.count + :amount END, "
    "expires_at = CASE WHEN auth_sign_in_counts.expires_at <= :now THEN :expires "
    "ELSE auth_sign_in_counts.expires_at END "
    "RETURNING count"
)


class DatabaseCounts(Storage):
    """A ``limits`` storage on the database (fixed windows only)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._purged = 0.0
        self._lock = threading.Lock()

    def setup(self) -> None:
        metadata.create_all(self.engine)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        self._maybe_purge(now)
        with self.engine.begin() as conn:
            count = conn.execute(_HIT, {"key": key, "amount": amount, "now": now, "expires": now + expiry})
            return int(count.scalar_one())

    def get(self, key: str) -> int:
        c = sign_in_counts.c
        with self.engine.connect() as conn:
            found = conn.execute(select(c.count).where(c.key == key, c.expires_at > time.time())).scalar()
        return int(found or 0)

    def get_expiry(self, key: str) -> float:
        c = sign_in_counts.c
        with self.engine.connect() as conn:
            found = conn.execute(select(c.expires_at).where(c.key == key)).scalar()
        return float(found) if found is not None and found > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(sign_in_counts.c.key).limit(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(sign_in_counts)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sign_in_counts).where(sign_in_counts.c.key == key))

    def _maybe_purge(self, now: float) -> None:
        with self._lock:
            if now - self._purged < PURGE_EVERY_S:
                return
            self._purged = now
        with self.engine.begin() as conn:
            conn.execute(delete(sign_in_counts).where(sign_in_counts.c.expires_at <= now))
