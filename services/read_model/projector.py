"""The projector: the registry of named projections and their runners.

Every read table belongs to one projection (``projection.py``); each has its
own tracking row and schema version, so one is rebuilt, or brought up to its
new schema, without touching the others. Later projections (the job
dispatcher, notifications, the audit chain) are added to :func:`projections`
beside the issue one, without changing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, tzinfo
from uuid import UUID

from eventsourcing.application import Application
from sqlalchemy import Connection, Engine, TextClause, text
from sqlalchemy.exc import SQLAlchemyError

from services.database import reading
from services.read_model import tables as t
from services.read_model.issue_projection import IssueProjection
from services.read_model.org_projection import OrgProjection
from services.read_model.projection import (
    DEFAULT_BATCH,
    Progress,
    Projection,
    ProjectionRunner,
    read_tracking,
)

INIT_HINT = "run `rectify init`"


def projections(app: Application[UUID], *, tz: tzinfo = UTC) -> list[Projection]:
    """The read model's projections, in the order they are brought up to date."""
    return [OrgProjection(app), IssueProjection(app, tz=tz)]


class UnknownProjection(LookupError):
    pass


class Projector:
    def __init__(
        self,
        app: Application[UUID],
        engine: Engine,
        projections: Sequence[Projection],
        *,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.app = app
        self.engine = engine
        self.runners = {p.name: ProjectionRunner(p, app, engine, batch_size=batch_size) for p in projections}
        self._head_and_positions = _head_and_positions(app, engine)

    @property
    def names(self) -> list[str]:
        return list(self.runners)

    def runner(self, name: str) -> ProjectionRunner:
        try:
            return self.runners[name]
        except KeyError:
            known = ", ".join(self.runners)
            raise UnknownProjection(f"no projection {name!r} (there are: {known})") from None

    def _selected(self, names: Iterable[str] | None) -> list[ProjectionRunner]:
        return list(self.runners.values()) if names is None else [self.runner(n) for n in names]

    # -- schema -----------------------------------------------------------------------
    def setup(self) -> list[str]:
        """Creates the tracking table and each projection's tables (run under
        the schema lock, by ``rectify init``). A projection whose stored schema
        version is not the code's is dropped and created again, alone, at
        position zero. Returns the names of those (re)created: they must be
        caught up from the start of the log."""
        with self.engine.begin() as conn:
            for legacy in t.LEGACY_TABLES:
                conn.execute(text(f"DROP TABLE IF EXISTS {legacy}"))
            t.metadata.create_all(conn, tables=[t.projections])
            stored = read_tracking(conn)
            return [r.name for r in self.runners.values() if r.setup(conn, stored.get(r.name))]

    def status(self) -> dict[str, str]:
        """Each projection: "ok", or which schema it is behind and what to run."""
        try:
            with reading(self.engine) as conn:
                stored = read_tracking(conn)
        except SQLAlchemyError:
            return dict.fromkeys(self.runners, f"not created: {INIT_HINT}")
        found = {}
        for name, r in self.runners.items():
            tracked = stored.get(name)
            if tracked is None:
                found[name] = f"not created: {INIT_HINT}"
            elif tracked.version != r.projection.version:
                found[name] = (
                    f"schema version {tracked.version}, the code's is {r.projection.version}: {INIT_HINT}"
                )
            else:
                found[name] = "ok"
        return found

    # -- positions ----------------------------------------------------------------------
    def head(self) -> int:
        """The last notification id in the event log."""
        return int(self.app.recorder.max_notification_id() or 0)

    def position(self, name: str | None = None) -> int:
        """A projection's position; with no name, the lowest of them."""
        if name is not None:
            return self.runner(name).position()
        with self.engine.connect() as conn:
            stored = read_tracking(conn)
        return min((stored[n].position if n in stored else 0) for n in self.runners)

    def lag(self) -> int:
        return max(0, self.head() - self.position())

    # -- catching up --------------------------------------------------------------------
    def catch_up(
        self,
        names: Iterable[str] | None = None,
        *,
        until: int | None = None,
        progress: Progress | None = None,
        max_batches: int | None = None,
    ) -> int:
        """Brings the projections (default: all) up to ``until`` (default: the
        log's head). Returns the events the furthest-moved one advanced."""
        target = self.head() if until is None else until
        moved = 0
        for r in self._selected(names):
            moved = max(moved, r.catch_up(until=target, progress=progress, max_batches=max_batches))
        return moved

    def rebuild(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Empties the projections' tables (default: all) and projects the whole log again."""
        moved = 0
        for r in self._selected(names):
            moved = max(moved, r.rebuild(progress=progress))
        return moved

    def ensure_current(self, conn: Connection | None = None) -> None:
        """Read-your-writes: before a query, project whatever was just recorded.
        One statement when nothing is new (the log's head beside every
        position), on the reader's own connection when it passes it. A
        projection whose schema is behind the code's is left alone: only
        ``rectify init`` changes tables (``/readyz`` says so meanwhile).

        When it had to catch up, the caller's transaction is ended, so its
        next statement sees the new rows (SQLite reads from a snapshot)."""
        if conn is None:
            with reading(self.engine) as own:
                self.ensure_current(own)
            return
        found = conn.execute(self._head_and_positions).all()
        head = int(found[0].head or 0)
        stored = {r.name: (int(r.position), int(r.version)) for r in found if r.name is not None}
        behind = [
            r
            for name, r in self.runners.items()
            if name in stored and stored[name][1] == r.projection.version and stored[name][0] < head
        ]
        if behind:
            conn.rollback()
            for r in behind:
                r.catch_up(until=head)

    def forget_cache(self) -> None:
        for r in self.runners.values():
            r.projection.forget()


def _head_and_positions(app: Application[UUID], engine: Engine) -> TextClause:
    """The log's head and every projection's row, in one statement (one round
    trip before each read). The event table is the recorder's own, in the same
    database as the read tables."""
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    column = "rowid" if engine.dialect.name == "sqlite" else "notification_id"
    p = t.projections.name
    return text(
        f"SELECT (SELECT MAX({column}) FROM {table}) AS head, p.name, p.position, p.version "
        f"FROM (SELECT 1 AS one) AS o LEFT JOIN {p} AS p ON 1 = 1"
    )
