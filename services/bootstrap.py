"""The composition root: everything is built here from one ``Settings``.

The CLI, the web app, the worker, the scheduler, the benchmarks and the tests
all call :func:`build`; nothing connects to a database at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from eventsourcing.utils import get_topic
from sqlalchemy import Engine

from domain.deadlines import Policy
from domain.issue import Issue
from services import user_watch
from services.application import Rectify
from services.clock import Clock, SystemClock
from services.database import eventsourcing_env, is_sqlite, make_engine, retry_gate, schema_lock
from services.deadlines import SweepResult
from services.files import FileStore
from services.read_model.projector import Projector, projections
from services.read_model.queries import Queries
from services.settings import Settings
from services.sign_in_counts import DatabaseCounts
from services.token_usage import TokenUsage
from services.views import IssueView


@dataclass
class Services:
    settings: Settings
    app: Rectify
    projector: Projector
    queries: Queries
    reader: Engine
    writer: Engine
    token_usage: TokenUsage
    #: Sign-in attempts, shared by every process on the database (without Redis).
    sign_in_counts: DatabaseCounts
    _closed: bool = field(default=False, repr=False)

    def init(self) -> list[str]:
        """Creates the stores (safe to run twice): the event store's tables
        and functions, the read tables, the file store. Returns the names of
        the projections (re)created empty, because they were new or their
        schema changed: the caller catches them up (with progress)."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        (self.settings.data_dir / "evidence").mkdir(exist_ok=True)
        (self.settings.data_dir / "documents").mkdir(exist_ok=True)
        with schema_lock(self.settings.database_url):
            self.app.recorder.create_table()  # type: ignore[attr-defined]  # both recorders have it
            if not is_sqlite(self.settings.database_url):
                events_table: str = getattr(self.app.recorder, "events_table_name")  # noqa: B009
                user_watch.install(self.settings.database_url, events_table)
            self.token_usage.setup()
            self.sign_in_counts.setup()
            return self.projector.setup()

    def has_issues(self) -> bool:
        """Asked of the event store, not the read model."""
        found = self.app.recorder.select_notifications(
            start=None, limit=1, topics=[get_topic(Issue.Reported)]
        )
        return bool(found)

    def sweep_deadlines(self, today: date | None = None) -> SweepResult:
        """The deadline job: candidates come from the read model, every
        decision is taken by the issue aggregates themselves."""
        return self.app.sweep_deadlines(self.queries.open_issue_ids(), today=today)

    def readiness(self) -> dict[str, str]:
        """Each backing service and projection: "ok" or why not (and what to run)."""
        checks: dict[str, str] = {}
        try:
            with self.reader.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            checks["database"] = "ok"
        except Exception as e:  # any failure means not ready; say which
            checks["database"] = f"unreachable ({type(e).__name__})"
        else:
            for name, state in self.projector.status().items():
                checks[f"projection {name}"] = state
            if all(state == "ok" for state in checks.values()):
                try:  # initialised: the event store answers too, on its own connections
                    self.projector.head()
                except Exception as e:
                    checks["database"] = f"unreachable ({type(e).__name__})"
        if self.settings.redis_url:
            try:
                import redis

                redis.Redis.from_url(self.settings.redis_url, socket_connect_timeout=2).ping()
                checks["queue"] = "ok"
            except Exception as e:
                checks["queue"] = type(e).__name__
        else:
            checks["queue"] = "ok"  # the embedded in-process queue
        return checks

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.app.user_watch is not None:
            self.app.user_watch.close()
        self.app.close()
        self.app.retry_gate.close()
        self.reader.dispose()
        self.writer.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Services:
    """Constructs the adapters, then the application from them. Creates no
    table: :meth:`Services.init` (``rectify init``) does. ``clock`` is the
    wall clock unless a test or the demo passes its own."""
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    env = {
        **eventsourcing_env(settings.database_url),
        "CREATE_TABLE": "false",
        **settings.eventsourcing_env,
    }
    files = FileStore(settings.data_dir / "evidence")
    policy = Policy(
        warn_days=settings.warn_days,
        escalate_days=settings.escalate_days,
        escalate_days_key=settings.escalate_days_key,
    )
    watch = None if is_sqlite(settings.database_url) else user_watch.UserWatch(settings.database_url)
    app = Rectify(
        env=env,
        tz=settings.tz,
        clock=clock,
        files=files,
        policy=policy,
        user_watch=watch,
        max_upload_bytes=settings.max_upload_bytes,
        retry_gate=retry_gate(settings.database_url),
    )
    writer = make_engine(settings.database_url, writer=True)
    reader = make_engine(settings.database_url)
    projector = Projector(app, writer, projections(app, tz=settings.tz))
    queries = Queries(
        reader,
        before_read=projector.ensure_current,
        replay=lambda issue_id, at: IssueView.of(app.issue_as_of(UUID(issue_id), at)),
    )
    return Services(
        settings, app, projector, queries, reader, writer, TokenUsage(reader, clock), DatabaseCounts(reader)
    )
