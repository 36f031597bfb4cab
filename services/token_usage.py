"""When each API token was last used: operational data, not domain history.

Recording every request as an event would bury the history; this table keeps
one row per token, written at most once a minute per token and process.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import Column, Engine, MetaData, String, Table, select, update
from sqlalchemy.exc import SQLAlchemyError

from domain.clock import Clock
from services.read_model.tables import UTCDateTime

THROTTLE_S = 60.0

metadata = MetaData()
token_usage = Table(
    "auth_token_usage",
    metadata,
    Column("token_id", String(32), primary_key=True),
    Column("last_used_at", UTCDateTime(), nullable=False),
)


class TokenUsage:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def setup(self) -> None:
        metadata.create_all(self.engine)

    def touch(self, token_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._seen.get(token_id, -THROTTLE_S) < THROTTLE_S:
                return
            self._seen[token_id] = now
        at = self.clock.now()
        try:
            with self.engine.begin() as conn:
                moved = conn.execute(
                    update(token_usage).where(token_usage.c.token_id == token_id).values(last_used_at=at)
                )
                if moved.rowcount == 0:
                    conn.execute(token_usage.insert().values(token_id=token_id, last_used_at=at))
        except SQLAlchemyError:
            # Never fail a request for want of a last-used time; try again next minute.
            with self._lock:
                self._seen.pop(token_id, None)

    def last_used(self, token_id: str) -> datetime | None:
        with self.engine.connect() as conn:
            value: datetime | None = conn.execute(
                select(token_usage.c.last_used_at).where(token_usage.c.token_id == token_id)
            ).scalar()
            return value
