"""What the benchmarks share: databases, the machine, timing, results.

Every benchmark runs against a database of its own: a SQLite file in a fresh
temporary directory, or a fresh PostgreSQL database ``rectify_bench_*`` that
is dropped afterwards. The PostgreSQL server is ``RECTIFY_BENCH_PG_SERVER``
(default ``postgresql://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PG_SERVER = os.environ.get("RECTIFY_BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
KINDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class Database:
    kind: str  # "sqlite" or "postgres"
    url: str  # a RECTIFY_DATABASE_URL
    data_dir: Path


def _pg_admin() -> psycopg.Connection[Any]:
    return psycopg.connect(PG_SERVER + "/postgres", autocommit=True, connect_timeout=5)


def postgres_available() -> bool:
    try:
        with _pg_admin():
            return True
    except psycopg.Error:
        return False


def create_pg_database(name: str) -> str:
    with _pg_admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    server = PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{server}/{name}"


def drop_pg_database(name: str) -> None:
    with _pg_admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def database(kind: str, purpose: str, *, file: str = "rectify.sqlite3") -> Iterator[Database]:
    """A fresh, empty database of the given kind, removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=f"rectify-bench-{purpose}-"))
    name = f"rectify_bench_{purpose}_{os.getpid()}_{time.monotonic_ns() % 1_000_000}"
    try:
        if kind == "sqlite":
            yield Database(kind, f"sqlite:///{tmp / file}", tmp)
        elif kind == "postgres":
            url = create_pg_database(name)
            try:
                yield Database(kind, url, tmp)
            finally:
                drop_pg_database(name)
        else:
            raise ValueError(f"unknown database kind {kind!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- the machine ----------------------------------------------------------------------
def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return str(os.cpu_count())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _pg_version() -> str | None:
    try:
        with _pg_admin() as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": _nproc(),
        "cpu": _cpu_model(),
        "loadavg_at_start": list(os.getloadavg()),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "eventsourcing": version("eventsourcing"),
        "sqlalchemy": version("SQLAlchemy"),
        "psycopg": version("psycopg"),
        "sqlite": sqlite3.sqlite_version,
        "postgres": _pg_version(),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


# -- timing and results ------------------------------------------------------------------
def timed(f: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = f()
    return time.perf_counter() - start, result


def summary(values: list[float]) -> dict[str, float]:
    return {"best": max(values), "median": statistics.median(values), "worst": min(values)}


def write_result(name: str, payload: dict[str, Any], directory: Path = RESULTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
