"""A live ``rectify project --rebuild``: readers keep seeing the old complete
read model until the new one is complete, never an empty or partial one
(docs/reliability.md, "Races, crashes and outages"), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from services.bootstrap import Services
from services.demo import DemoCity
from services.read_model.projector import Projector, projections
from services.read_model.queries import IssueFilter
from tests.races import dump_read_model, figures_name, record_figures

SIZE = 60

pytestmark = pytest.mark.slow


@pytest.fixture
def services(demo_services: Services) -> Services:
    return demo_services


def test_readers_never_see_fewer_issues_while_the_read_model_is_rebuilt(services: Services) -> None:
    DemoCity(services, size=SIZE, seed=3).load()
    services.projector.catch_up()
    before = dump_read_model(services)
    admin = services.app.actor_for("admin")
    # Small batches, as another process's projector might use: many commits
    # during the rebuild, each of which a reader could otherwise see.
    rebuilder = Projector(
        services.app, services.writer, projections(services.app, tz=services.settings.tz), batch_size=40
    )
    seen: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                seen.append(services.queries.list_issues(admin, IssueFilter(per_page=1)).total)
                seen.append(services.queries.count_issues())
        except BaseException as e:  # reported by the test
            failures.append(e)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for th in readers:
        th.start()
    try:
        for _ in range(2):
            rebuilder.rebuild()
    finally:
        stop.set()
        for th in readers:
            th.join(30)
    record_figures(
        figures_name(),
        rebuilds=2,
        reads_during_rebuild=len(seen),
        fewest_issues_seen=min(seen, default=0),
        issues=SIZE,
        reader_errors=len(failures),
    )
    assert not failures, failures[0]
    assert len(seen) > 10, "the readers did not read during the rebuild"
    assert min(seen) == SIZE, f"a reader saw {min(seen)} of {SIZE} issues during the rebuild"
    assert dump_read_model(services) == before
