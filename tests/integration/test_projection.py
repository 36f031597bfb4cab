"""The projections: exactly once, resumable, rebuildable from zero, each alone.

Each test compares whole read tables, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from services.bootstrap import Services, build
from services.demo import DemoCity
from services.read_model import tables as t
from services.read_model.projection import ProjectionRunner
from services.read_model.projector import Projector, projections
from services.read_model.queries import IssueFilter
from tests.support import in_days, report, small_city

SIZE = 120


def projected_tables(s: Services, names: list[str] | None = None) -> list[Any]:
    runners = s.projector.runners
    return [table for name in names or list(runners) for table in runners[name].projection.tables]


def dump(s: Services, names: list[str] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the projections (default all), rows sorted, for whole-table comparison."""
    with s.reader.connect() as conn:
        return {
            table.name: sorted(
                (tuple(repr(v) for v in row) for row in conn.execute(select(table))), key=lambda r: r
            )
            for table in projected_tables(s, names)
        }


@pytest.fixture
def services(demo_services: Services) -> Services:
    """Every test here may load the demo, which plays on its own clock."""
    return demo_services


def empty_read_model(s: Services) -> None:
    """As if nothing had been projected yet (tables empty, positions zero)."""
    with s.writer.begin() as conn:
        for table in projected_tables(s):
            conn.execute(table.delete())
        conn.execute(t.projections.update().values(position=0))


def fresh_projector(s: Services, *, batch_size: int) -> Projector:
    """Another process's projector: its own caches, the same tables."""
    return Projector(s.app, s.writer, projections(s.app, tz=s.settings.tz), batch_size=batch_size)


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
    empty_read_model(services)
    first = fresh_projector(services, batch_size=50)
    first.catch_up(max_batches=3)
    halfway = {name: first.position(name) for name in first.names}
    assert all(0 < p < first.head() for p in halfway.values()), halfway
    assert dump(services) != expected

    # A new process: empty caches, each projection resumes at its committed position.
    second = fresh_projector(services, batch_size=37)
    assert {name: second.position(name) for name in second.names} == halfway
    second.catch_up()
    assert second.position() == second.head()
    assert dump(services) == expected


def test_a_batch_that_fails_half_written_leaves_nothing_behind(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_demo(services, size=40)
    services.projector.rebuild()
    expected = dump(services)
    empty_read_model(services)

    projector = fresh_projector(services, batch_size=100)
    issues = projector.runner("issues").projection
    real_flush = issues.rows.flush  # type: ignore[attr-defined]
    calls = {"n": 0}

    def flush_then_crash(conn: Any) -> None:
        real_flush(conn)  # rows are written inside the transaction ...
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")  # ... and the transaction never commits

    monkeypatch.setattr(issues.rows, "flush", flush_then_crash)  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="power cut"):
        projector.catch_up(["issues"])
    after_first_batch = projector.position("issues")
    assert after_first_batch > 0
    monkeypatch.setattr(issues.rows, "flush", real_flush)  # type: ignore[attr-defined]

    resumed = fresh_projector(services, batch_size=100)
    assert resumed.position("issues") == after_first_batch
    resumed.catch_up()
    assert dump(services) == expected


def test_two_projectors_racing_apply_each_event_once(services: Services) -> None:
    load_demo(services, size=80)
    services.projector.rebuild()
    expected = dump(services)
    empty_read_model(services)

    # Two processes' worth of projectors (separate engines and caches).
    others = [build(services.settings) for _ in range(2)]
    try:
        projectors = [
            Projector(o.app, o.writer, projections(o.app, tz=o.settings.tz), batch_size=20 + 7 * n)
            for n, o in enumerate(others)
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


@pytest.mark.parametrize(("changed", "kept"), [("issues", "org"), ("org", "issues")])
def test_a_changed_schema_rebuilds_that_projection_alone(services: Services, changed: str, kept: str) -> None:
    city = small_city(services)
    report(services, city)
    services.projector.catch_up()
    before = dump(services)
    head = services.projector.head()
    p = t.projections
    with services.writer.begin() as conn:
        conn.execute(update(p).where(p.c.name == changed).values(version=0))
    assert services.projector.status()[changed].startswith("schema version 0")
    # Until `rectify init`, reads leave the outdated projection alone and keep the others current.
    report(services, city, title="第二个问题")
    services.queries.list_issues(city.admin, IssueFilter())
    assert services.projector.position(changed) == head
    assert services.projector.position(kept) == services.projector.head() > head
    before = dump(services, [kept])
    head = services.projector.head()

    assert services.projector.setup() == [changed]
    assert services.projector.position(changed) == 0
    assert all(rows == [] for rows in dump(services, [changed]).values())
    assert services.projector.position(kept) == head
    assert dump(services, [kept]) == before
    assert set(services.projector.status().values()) == {"ok"}

    services.projector.catch_up()
    expected = dump(services)
    services.projector.rebuild()
    assert dump(services) == expected
    assert len(expected["rm_issues"]) == 2
    assert services.projector.setup() == []  # safe to run twice


def test_rebuilding_one_projection_leaves_the_others_alone(services: Services) -> None:
    city = small_city(services)
    report(services, city)
    services.projector.catch_up()
    before = dump(services)
    marker = {"code": "MARK", "path": "/MARK/"}  # a row no event made, in the issues projection
    with services.writer.begin() as conn:
        conn.execute(insert(t.issue_units).values(**marker))
    services.projector.rebuild(["org"])
    with services.reader.connect() as conn:
        assert conn.execute(select(t.issue_units.c.path).where(t.issue_units.c.code == "MARK")).scalar()
    services.projector.rebuild(["issues"])
    assert dump(services) == before


def test_every_read_table_belongs_to_exactly_one_projection(services: Services) -> None:
    owned = [table.name for r in services.projector.runners.values() for table in r.projection.tables]
    assert len(owned) == len(set(owned))
    assert set(owned) == {table.name for table in t.metadata.sorted_tables} - {t.projections.name}
    assert isinstance(services.projector.runner("issues"), ProjectionRunner)
    with pytest.raises(LookupError, match="no projection 'nope'"):
        services.projector.runner("nope")


def test_init_drops_the_single_projector_tables_of_an_older_version(services: Services) -> None:
    city = small_city(services)
    report(services, city)
    services.projector.catch_up()
    before = dump(services)
    with services.writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE rm_tracking (name VARCHAR(40) PRIMARY KEY, position BIGINT)")
        conn.exec_driver_sql("CREATE TABLE rm_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))")
        conn.execute(t.projections.delete())  # an old database has no per-projection rows
    assert sorted(services.init()) == ["issues", "org"]
    with services.reader.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
    assert not names & {"rm_tracking", "rm_meta"}
    services.projector.catch_up()
    assert dump(services) == before


def test_a_bulk_catch_up_refreshes_statistics_and_the_visibility_map(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.read_model import projection as projection_module

    monkeypatch.setattr(projection_module, "ANALYZE_AFTER", 1)
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
