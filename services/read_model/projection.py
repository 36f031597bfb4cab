"""A projection: a named unit of the read model with its own tracking position.

Modelled on ``eventsourcing.projection`` (a ``Projection`` has a ``name`` and
the ``topics`` it reads; a runner feeds it the application's events with a
tracking position), but the rows and the position are written with
SQLAlchemy on *one* connection, in one transaction per batch, which the
library's tracking recorders (their own psycopg or sqlite3 connections) cannot
share. See docs/architecture.md, "Projections".

Each projection declares:

* ``name``: its tracking row in ``rm_projections`` and ``rectify project NAME``;
* ``version``: its schema version; when the stored one differs, only this
  projection's ``tables`` are dropped, created again and projected from zero;
* ``tables``: the read tables it alone writes;
* ``topics``: the event topics it reads (the database filters the log);
* ``project(conn, events)``: writes the rows for one batch on ``conn``.

:class:`ProjectionRunner` keeps a projection's position: exactly once (the
batch's rows and the new position in one transaction, the position moved only
by a conditional update from where the batch started), resumable (the next
run starts at the committed position) and rebuildable alone.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.utils import get_topic
from sqlalchemy import Connection, Engine, Table, delete, insert, select, text, update

from services.read_model import tables as t

Progress = Callable[[int, int], None]
T = TypeVar("T")

DEFAULT_BATCH = 5000
#: Events per batch while far behind (a rebuild, a first catch-up): an issue's
#: events lie spread over the whole log (a problem lives for months), and each
#: batch rewrites the rows of every issue it touches, so fewer, larger batches
#: rewrite each issue fewer times. A rebuild on PostgreSQL, 2026-12-02: 5,000
#: problems (38,000 events), batches of 5,000: 5,600 events/s, of 50,000: 11,700;
#: 10,000 problems (75,000 events): 9,300 with 50,000, 9,700 with 100,000.
BULK_BATCH = 50_000
ANALYZE_AFTER = 20_000  # events applied in one catch-up


def aggregate_topics(*aggregates: type[Aggregate]) -> list[str]:
    """Every event topic of the given aggregate classes."""
    topics = []
    for aggregate in aggregates:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, CanMutateAggregate):
                topics.append(get_topic(value))
    return topics


class Projection(ABC):
    name: ClassVar[str]
    version: ClassVar[int]
    tables: ClassVar[tuple[Table, ...]]

    @property
    @abstractmethod
    def topics(self) -> Sequence[str]:
        """The topics this projection reads."""

    @abstractmethod
    def project(self, conn: Connection, events: Sequence[Any]) -> None:
        """Writes the rows for one batch of events, inside ``conn``'s transaction."""

    @abstractmethod
    def forget(self) -> None:
        """Drops whatever the projection keeps in memory (before a rebuild)."""

    def resumed_elsewhere(self) -> None:
        """Another runner (another process) projected the batches since this
        one's last: whatever kept in memory those events may have changed is
        dropped. By default, everything."""
        self.forget()


class Replay:
    """The aggregates a projection follows, replayed event by event exactly
    as the event store does (so rows never disagree with the aggregates).
    Keeps the most recently changed aggregates; others are loaded from the
    event store up to the version just before the event."""

    def __init__(self, app: Application[UUID], *, cache_size: int = 20_000) -> None:
        self.app = app
        self.cache_size = cache_size
        self._aggregates: OrderedDict[UUID, Aggregate] = OrderedDict()

    def apply(self, event: Any, before: Callable[[Aggregate | None], T]) -> tuple[T, Aggregate]:
        """Replays ``event``: (``before`` of the aggregate just before it, which
        ``event`` then changes in place; the aggregate after it)."""
        prior = self._prior(event)
        seen = before(prior)
        aggregate: Aggregate = event.mutate(prior)
        self._aggregates[aggregate.id] = aggregate
        while len(self._aggregates) > self.cache_size:
            self._aggregates.popitem(last=False)
        return seen, aggregate

    def _prior(self, event: Any) -> Aggregate | None:
        aggregate = self._aggregates.pop(event.originator_id, None)
        if aggregate is not None and aggregate.version != event.originator_version - 1:
            aggregate = None
        if aggregate is None and event.originator_version > 1:
            aggregate = self._load(event.originator_id, event.originator_version - 1)
        return aggregate

    def _load(self, originator_id: UUID, version: int) -> Aggregate | None:
        aggregate: Aggregate | None = None
        event: Any
        for event in self.app.events.get(originator_id, lte=version):
            aggregate = event.mutate(aggregate)
        return aggregate

    def forget(self) -> None:
        self._aggregates.clear()


@dataclass(frozen=True)
class Batch:
    end: int  # the position after this batch
    events: list[Any]


class ConcurrentProjection(Exception):
    """Another runner committed this batch first."""


@dataclass(frozen=True)
class Tracked:
    """A projection's row in ``rm_projections``."""

    position: int
    version: int


def read_tracking(conn: Connection) -> dict[str, Tracked]:
    p = t.projections
    return {
        name: Tracked(int(position), int(version))
        for name, position, version in conn.execute(select(p.c.name, p.c.position, p.c.version))
    }


class ProjectionRunner:
    """Feeds one projection the events beyond its position."""

    def __init__(
        self,
        projection: Projection,
        app: Application[UUID],
        engine: Engine,
        *,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.projection = projection
        self.name = projection.name
        self.app = app
        self.engine = engine
        self.batch_size = batch_size
        # A runner given its own batch size (tests) keeps it for bulk work too.
        self.bulk_batch_size = BULK_BATCH if batch_size == DEFAULT_BATCH else batch_size
        self.topics = sorted(set(projection.topics))
        self._lock = threading.Lock()
        self._projected_to: int | None = None  # where the last batch this runner wrote ended

    # -- schema ---------------------------------------------------------------------
    def setup(self, conn: Connection, stored: Tracked | None) -> bool:
        """Creates the projection's tables; when its stored schema version is
        not the code's (or it has no tracking row), drops and creates them and
        starts it at zero. True when it was (re)created so."""
        tables = list(self.projection.tables)
        if stored is not None and stored.version == self.projection.version:
            t.metadata.create_all(conn, tables=tables)
            return False
        t.metadata.drop_all(conn, tables=tables)
        t.metadata.create_all(conn, tables=tables)
        p = t.projections
        conn.execute(delete(p).where(p.c.name == self.name))
        conn.execute(insert(p).values(name=self.name, position=0, version=self.projection.version))
        self.projection.forget()
        return True

    # -- position -------------------------------------------------------------------
    def position(self) -> int:
        with self.engine.connect() as conn:
            return self._position(conn)

    def _position(self, conn: Connection) -> int:
        p = t.projections
        value = conn.execute(select(p.c.position).where(p.c.name == self.name)).scalar()
        return int(value or 0)

    def head(self) -> int:
        """The last notification id in the event log."""
        return int(self.app.recorder.max_notification_id() or 0)

    # -- catching up ------------------------------------------------------------------
    def catch_up(
        self,
        *,
        until: int | None = None,
        progress: Progress | None = None,
        max_batches: int | None = None,
    ) -> int:
        """Projects every event up to ``until`` (default: the log's head).
        Returns how far the position moved.

        While one batch is written, the next is read and decoded in a second
        thread (the database does the waiting, so the two overlap)."""
        with self._lock, ThreadPoolExecutor(1, thread_name_prefix=f"project-{self.name}") as reader:
            target = self.head() if until is None else until
            start = position = self.position()
            batches = 0
            pending = reader.submit(self._read, position, target) if position < target else None
            while pending is not None:
                if max_batches is not None and batches >= max_batches:
                    pending.cancel()
                    break
                batch = pending.result()
                pending = reader.submit(self._read, batch.end, target) if batch.end < target else None
                try:
                    position = self._apply_batch(position, batch)
                except ConcurrentProjection:
                    # Another runner got there first: carry on from where it is.
                    if pending is not None:
                        pending.result()
                    position = self.position()
                    pending = reader.submit(self._read, position, target) if position < target else None
                batches += 1
                if progress is not None:
                    progress(position, target)
            if position - start >= ANALYZE_AFTER:
                self._analyze()
            return position - start

    def _analyze(self) -> None:
        """After a bulk catch-up, fresh planner statistics and a visibility map:
        without statistics PostgreSQL guesses a few rows per filter and picks
        slow plans; without the map it cannot count from an index alone (an
        unfiltered count of 100,000 issues scanned the table: 13-30 ms; after
        VACUUM, an index-only scan). VACUUM runs outside a transaction."""
        if self.engine.dialect.name != "postgresql":
            return
        names = ", ".join(table.name for table in self.projection.tables)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) " + names))

    def _read(self, start: int, stop: int) -> Batch:
        # Far behind: big batches; close to the head: the usual ones.
        limit = self.bulk_batch_size if stop - start > 2 * self.batch_size else self.batch_size
        notifications = self.app.recorder.select_notifications(
            start=start, limit=limit, stop=stop, topics=self.topics, inclusive_of_start=False
        )
        # A short page means the filtered log has nothing more up to ``stop``.
        end = notifications[-1].id if len(notifications) == limit else stop
        mapper = self.app.mapper
        return Batch(end, [mapper.to_domain_event(n) for n in notifications])

    def rebuild(self, progress: Progress | None = None) -> int:
        """Empties this projection's tables and projects the whole log again,
        in one transaction: until it commits, readers keep the old complete
        tables (PostgreSQL's snapshot; SQLite's WAL), never an empty or
        partial read model. ``DELETE``, not ``TRUNCATE``, whose lock would
        stop every reader for as long. Claiming the tracking row first keeps
        other runners out meanwhile; on SQLite the write lock does, and
        commands wait for it too (docs/reliability.md)."""
        p = t.projections
        mine = p.c.name == self.name
        with self._lock:
            try:
                with (
                    self.engine.begin() as conn,
                    ThreadPoolExecutor(1, thread_name_prefix=f"rebuild-{self.name}") as reader,
                ):
                    conn.execute(select(p.c.position).where(mine).with_for_update())
                    for table in reversed(self.projection.tables):
                        conn.execute(delete(table))
                    self.projection.forget()
                    target = self.head()
                    pending = reader.submit(self._read, 0, target) if target > 0 else None
                    while pending is not None:
                        batch = pending.result()
                        pending = reader.submit(self._read, batch.end, target) if batch.end < target else None
                        if batch.events:
                            self.projection.project(conn, batch.events)
                        if progress is not None:
                            progress(batch.end, target)
                    conn.execute(update(p).where(mine).values(position=target))
            except BaseException:
                self._projected_to = None
                self.projection.forget()
                raise
            self._projected_to = target
        if target >= ANALYZE_AFTER:
            self._analyze()
        return target + self.catch_up(progress=progress)

    # -- one batch, one transaction -----------------------------------------------------
    def _apply_batch(self, start: int, batch: Batch) -> int:
        p = t.projections
        with self.engine.begin() as conn:
            # Claim the position first: on PostgreSQL the row lock, on SQLite the
            # write lock taken at BEGIN, keeps any other runner out until we commit.
            mine = p.c.name == self.name
            claimed = conn.execute(select(p.c.position).where(mine).with_for_update()).scalar()
            if claimed != start:
                raise ConcurrentProjection
            if start != self._projected_to:
                # Another runner wrote the batches in between (or this is the
                # first): what the projection keeps in memory may be stale.
                self.projection.resumed_elsewhere()
            if batch.events:
                self.projection.project(conn, batch.events)
            moved = conn.execute(update(p).where(mine, p.c.position == start).values(position=batch.end))
            if moved.rowcount != 1:
                raise ConcurrentProjection
        self._projected_to = batch.end
        return batch.end
