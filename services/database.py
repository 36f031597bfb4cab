"""One database URL gives both the event store and the read-model engine.

The event store uses eventsourcing's own SQLite and PostgreSQL recorders: on
this machine they measured about twice as fast as eventsourcing-sqlalchemy
(see docs/benchmarks.md). The read model uses SQLAlchemy on the same database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from services.retry_gate import FileGate, OpenGate, PostgresGate, RetryGate
from services.settings import SettingsError

SQLITE_LOCK_TIMEOUT_S = 30
# pg_advisory_lock key held while schemas are created: "rectify" in ASCII.
SCHEMA_LOCK_KEY = 0x72656374696679


def parse_url(database_url: str) -> URL:
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise SettingsError(f"RECTIFY_DATABASE_URL {database_url!r} is not a database URL") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SettingsError("RECTIFY_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() not in ("psycopg", ""):
        raise SettingsError("PostgreSQL URLs use the psycopg driver: postgresql+psycopg://...")
    if url.get_backend_name() == "sqlite" and not url.database:
        raise SettingsError("a SQLite RECTIFY_DATABASE_URL needs a file path")
    return url


def is_sqlite(database_url: str) -> bool:
    return parse_url(database_url).get_backend_name() == "sqlite"


def eventsourcing_env(database_url: str) -> dict[str, str]:
    """The eventsourcing environment for the recorder matching the URL."""
    url = parse_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        if url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": url.database,
            "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_S),
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.database or "postgres",
        "POSTGRES_HOST": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        # Each recorder call once (services/recorder.py), on a pooled
        # connection checked before use (a restarted server left it dead).
        "APPLICATION_RECORDER_TOPIC": "services.recorder:OneAttemptPostgresRecorder",
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "10",
    }


def make_engine(database_url: str, *, writer: bool = False) -> Engine:
    """``writer`` engines take SQLite's write lock when a transaction begins,
    so a projection batch never fails half-way on a lock it cannot upgrade."""
    url = parse_url(database_url)
    kwargs: dict[str, Any] = {"future": True}
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        kwargs["connect_args"] = {"timeout": SQLITE_LOCK_TIMEOUT_S, "check_same_thread": False}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            # pysqlite's own transaction handling defers BEGIN; take it over so
            # that a projection batch is one real transaction.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            immediate = writer and not conn.get_execution_options().get(READ_ONLY)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.update(
        pool_size=2 if writer else 5, max_overflow=10, pool_pre_ping=True, connect_args={"connect_timeout": 5}
    )
    return create_engine(url, **kwargs)


def retry_gate(database_url: str) -> RetryGate:
    """Where retrying commands of every process on this database take turns
    (services/retry_gate.py): a lock file beside a SQLite file, an advisory
    lock on PostgreSQL."""
    url = parse_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        if url.database == ":memory:":
            return OpenGate()
        return FileGate(Path(url.database + ".retry-lock"))
    return PostgresGate(psycopg_conninfo(database_url))


#: Execution option: this connection of a writer engine only reads (on SQLite
#: it then takes no write lock: the reads before a query, by every request,
#: would otherwise queue behind each write and wait out a whole rebuild).
READ_ONLY = "rectify_read_only"


def reading(engine: Engine) -> Connection:
    """A connection of ``engine`` for reading only (see :data:`READ_ONLY`)."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def psycopg_conninfo(database_url: str) -> str:
    """The URL as psycopg itself takes it (for connections outside SQLAlchemy)."""
    return parse_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def schema_lock(database_url: str) -> Iterator[None]:
    """Holds a PostgreSQL advisory lock while the stores create their tables
    and functions. Several processes starting at once (gunicorn's workers)
    would otherwise run eventsourcing's ``CREATE OR REPLACE FUNCTION`` side by
    side, and one fails with "tuple concurrently updated". SQLite needs
    nothing: its own write lock serialises the DDL."""
    if is_sqlite(database_url):
        yield
        return
    import psycopg

    with psycopg.connect(psycopg_conninfo(database_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
