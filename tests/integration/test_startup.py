"""Several processes starting at once on a fresh PostgreSQL database, as
gunicorn's workers do: every one of them boots (the schema is created under an
advisory lock, so eventsourcing's ``CREATE OR REPLACE FUNCTION`` never runs
twice at the same moment)."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from services.settings import Settings

PROCESSES = 4
ROUNDS = 3


def _boot(url: str, data_dir: str, barrier: Barrier, answers: multiprocessing.Queue[str]) -> None:
    from services.bootstrap import build
    from tests.support import reset_postgres

    for round_ in range(ROUNDS):
        if barrier.wait() == 0:  # one process empties the database for the round
            reset_postgres(url)
        barrier.wait()
        try:
            services = build(Settings(data_dir=Path(data_dir), database_url=url))
            services.init()
            services.close()
            answers.put(f"{round_} ok")
        except Exception as e:  # the test reports whatever went wrong
            answers.put(f"{round_} {type(e).__name__}: {e}")


@pytest.mark.postgres
@pytest.mark.slow
def test_workers_booting_together_on_a_fresh_database_all_start(
    pg_settings: Settings, tmp_path: Path
) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    answers: multiprocessing.Queue[str] = ctx.Queue()
    url = pg_settings.database_url
    workers = [
        ctx.Process(target=_boot, args=(url, str(tmp_path / f"w{n}"), barrier, answers))
        for n in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    got = sorted(answers.get(timeout=5) for _ in range(PROCESSES * ROUNDS))
    assert got == sorted(f"{r} ok" for r in range(ROUNDS) for _ in range(PROCESSES))
