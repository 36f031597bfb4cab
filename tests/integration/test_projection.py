"""The projector: exactly once, resumable, rebuildable from zero.

Each test compares whole read tables, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from services.bootstrap import Services, build
from services.demo import DemoCity
from services.read_model import tables as t
from services.read_model.projector import Projector
from services.read_model.queries import IssueFilter
from tests.support import in_days, report, small_city

SIZE = 120


def dump(s: Services) -> dict[str, list[tuple[Any, ...]]]:
    """Every projected table, rows sorted, for whole-table comparison."""
    with s.reader.connect() as conn:
        return {
            table.name: sorted(
                (tuple(repr(v) for v in row) for row in conn.execute(select(table))), key=lambda r: r
            )
            for table in t.PROJECTED
        }


@pytest.fixture
def services(demo_services: Services) -> Services:
    """Every test here may load the demo, which plays on its own clock."""
    return demo_services


def load_demo(s: Services, size: int = SIZE) -> None:
    DemoCity(s, size=size, seed=7).load()


def test_incremental_projection_equals_a_rebuild_from_zero(services: Services) -> None:
    city = small_city(services)
    app = services.app
    # Project after every command, the way a live system follows the log.
    for n in range(12):
        issue = report(services, city, title=f"问题{n}")
        services.projector.catch_up()
        if n % 3:
            app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(n - 6), measures="整改")
            services.projector.catch_up()
        if n % 3 == 2:
            app.submit(city.handler, issue, summary="已整改")
            services.projector.catch_up()
            app.verify(city.reviewer, issue, passed=n % 2 == 0, note="核查")
            services.projector.catch_up()
    services.sweep_deadlines()
    services.projector.catch_up()
    incremental = dump(services)
    assert len(incremental["rm_issues"]) == 12

    services.projector.rebuild()
    assert dump(services) == incremental


def test_demo_city_rebuild_matches_what_was_projected_while_loading(services: Services) -> None:
    load_demo(services)
    services.projector.catch_up()
    before = dump(services)
    assert len(before["rm_issues"]) == SIZE
    assert before["rm_letters"], "the demo's deadline job issued no supervision letter"
    services.projector.rebuild()
    assert dump(services) == before


def test_a_projector_interrupted_halfway_resumes_to_the_same_tables(services: Services) -> None:
    load_demo(services)
    services.projector.rebuild()
    expected = dump(services)

    # Start again from zero, stop after a few small batches, as a killed process would.
    services.projector.rebuild  # noqa: B018  (the same tables, emptied below)
    first = Projector(services.app, services.writer, tz=services.settings.tz, batch_size=50)
    with services.writer.begin() as conn:
        for table in t.PROJECTED:
            conn.execute(table.delete())
        conn.execute(t.tracking.update().values(position=0))
    first.catch_up(max_batches=3)
    halfway = first.position()
    assert 0 < halfway < first.head()
    assert dump(services) != expected

    # A new process: empty caches, resumes at the committed position.
    second = Projector(services.app, services.writer, tz=services.settings.tz, batch_size=37)
    assert second.position() == halfway
    second.catch_up()
    assert second.position() == second.head()
    assert dump(services) == expected


def test_a_batch_that_fails_half_written_leaves_nothing_behind(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_demo(services, size=40)
    services.projector.rebuild()
    expected = dump(services)
    with services.writer.begin() as conn:
        for table in t.PROJECTED:
            conn.execute(table.delete())
        conn.execute(t.tracking.update().values(position=0))

    projector = Projector(services.app, services.writer, tz=services.settings.tz, batch_size=100)
    real_flush = projector.rows.flush
    calls = {"n": 0}

    def flush_then_crash(conn: Any) -> None:
        real_flush(conn)  # rows are written inside the transaction ...
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")  # ... and the transaction never commits

    monkeypatch.setattr(projector.rows, "flush", flush_then_crash)
    with pytest.raises(RuntimeError, match="power cut"):
        projector.catch_up()
    after_first_batch = projector.position()
    assert after_first_batch > 0
    monkeypatch.setattr(projector.rows, "flush", real_flush)

    resumed = Projector(services.app, services.writer, tz=services.settings.tz, batch_size=100)
    assert resumed.position() == after_first_batch
    resumed.catch_up()
    assert dump(services) == expected


def test_two_projectors_racing_apply_each_event_once(services: Services) -> None:
    load_demo(services, size=80)
    services.projector.rebuild()
    expected = dump(services)
    with services.writer.begin() as conn:
        for table in t.PROJECTED:
            conn.execute(table.delete())
        conn.execute(t.tracking.update().values(position=0))

    # Two processes' worth of projectors (separate engines and caches).
    others = [build(services.settings) for _ in range(2)]
    try:
        projectors = [
            Projector(o.app, o.writer, tz=o.settings.tz, batch_size=20 + 7 * n) for n, o in enumerate(others)
        ]
        errors: list[BaseException] = []

        def run(p: Projector) -> None:
            try:
                p.catch_up()
            except BaseException as e:  # the test reports it below
                errors.append(e)

        threads = [threading.Thread(target=run, args=(p,)) for p in projectors]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert errors == []
        assert projectors[0].position() == projectors[0].head()
        assert dump(services) == expected
    finally:
        for o in others:
            o.close()


def test_readers_see_their_own_writes_without_waiting(services: Services) -> None:
    city = small_city(services)
    issue = report(services, city)
    # No explicit catch_up: the query brings the read model up to date itself.
    page = services.queries.list_issues(city.admin, IssueFilter())
    assert [i.id for i in page.items] == [issue]


def test_a_changed_read_schema_is_rebuilt_from_events(services: Services) -> None:
    city = small_city(services)
    report(services, city)
    services.projector.catch_up()
    before = dump(services)
    with services.writer.begin() as conn:
        conn.execute(t.meta.update().where(t.meta.c.key == "schema_version").values(value="0"))
    assert services.projector.setup() is True
    assert dump(services)["rm_issues"] == []
    services.projector.catch_up()
    assert dump(services) == before


def test_a_bulk_catch_up_refreshes_statistics_and_the_visibility_map(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.read_model import projector as projector_module

    monkeypatch.setattr(projector_module, "ANALYZE_AFTER", 1)
    load_demo(services, 50)
    services.projector.catch_up()
    before = dump(services)
    services.projector.rebuild()  # ends with VACUUM (ANALYZE) on PostgreSQL
    assert dump(services) == before
    if services.writer.dialect.name == "postgresql":
        with services.writer.connect() as conn:
            vacuumed = conn.exec_driver_sql(
                "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname = 'rm_issues'"
            ).scalar()
        assert vacuumed
