"""Fixtures shared by every layer of the suite.

``services`` runs a test on SQLite and on the machine's PostgreSQL. A test
that needs PostgreSQL or Redis fails (never skips) when ``CI`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.bootstrap import Services, build
from services.settings import Settings
from tests.support import drop_postgres, pg_url, require_postgres, reset_postgres


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def pg_settings(tmp_path: Path, worker_id: str) -> Settings:
    require_postgres()
    url = pg_url(worker_id)
    reset_postgres(url)
    return Settings(data_dir=tmp_path, database_url=url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path)
    result: Settings = request.getfixturevalue("pg_settings")
    return result


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    s = build(settings)
    s.init()
    yield s
    s.close()


@pytest.fixture
def demo_services(settings: Settings) -> Iterator[Services]:
    """Services on the demo's clock (``DemoCity`` plays months on it)."""
    from services.demo import demo_clock

    s = build(settings, clock=demo_clock())
    s.init()
    yield s
    s.close()


@pytest.fixture
def sqlite_services(sqlite_settings: Settings) -> Iterator[Services]:
    s = build(sqlite_settings)
    s.init()
    yield s
    s.close()


@pytest.fixture(scope="session")
def worker_id() -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    yield worker
    drop_postgres(pg_url(worker))
