"""Races inside one process: 16 threads giving conflicting commands at once,
on SQLite and PostgreSQL (docs/reliability.md, "Races, crashes and outages").

Every command is tagged by its text. Afterwards: every accepted command is in
the history exactly once, every refused one (409 or 412, nothing else) is not
in it at all, every issue's status moved only as the transition table allows,
issue codes are unique and gap-free, and the read model equals a rebuild.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from domain.errors import NotFound, StaleVersion, TransitionNotAllowed
from domain.lifecycle import Action, Status
from services.bootstrap import Services, build
from services.outages import Unavailable
from services.read_model.queries import IssueFilter
from services.settings import Settings
from services.store import CONFLICT_RETRIES
from tests.races import (
    THREADS,
    Tally,
    assert_read_model_equals_a_rebuild,
    check_lifecycle,
    figures_name,
    race_figures,
    record_figures,
    recorded_tags,
    together,
)
from tests.support import City, city_clock, report, small_city

DEADLINE = date(2023, 9, 30)

pytestmark = pytest.mark.slow


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def expected(s: Services, city: City, issue: str, use_if_match: bool) -> int | None:
    """The version the caller read just before, when it sends If-Match."""
    return s.app.get_issue(city.admin, issue).version if use_if_match else None


def test_sixteen_threads_racing_on_one_problem(services: Services, city: City) -> None:
    app = services.app
    issue = report(services, city)
    tally = Tally()

    def assign(i: int) -> None:  # one wins, the others are told 409 (or 412 under If-Match)
        version = 1 if i % 2 else None
        tag = f"t-assign-{i}"
        tally.run(
            tag,
            app.assign,
            city.admin,
            issue,
            lead="D01",
            co=["C01"],
            deadline=DEADLINE,
            measures=tag,
            expected_version=version,
        )

    together(assign)
    assert tally.counts()["ok"] == 1

    def act(i: int) -> None:  # comments, progress and submissions interleaved
        rnd = random.Random(i)
        for k in range(8):
            tag = f"t-act-{i}-{k}"
            version = expected(services, city, issue, rnd.random() < 0.5)
            kind = (i + k) % 8
            if kind < 3:
                tally.run(tag, app.comment, city.inspector, issue, text=tag, expected_version=version)
            elif kind < 7:
                tally.run(tag, app.report_progress, city.handler, issue, note=tag, expected_version=version)
            else:
                tally.run(tag, app.submit, city.handler, issue, summary=tag, expected_version=version)

    together(act)

    def verify(i: int) -> None:  # one passes it; the rest find it closed
        reviewer = city.reviewer if i % 2 else city.city_reviewer
        tag = f"t-verify-{i}"
        tally.run(tag, app.verify, reviewer, issue, passed=True, note=tag)

    together(verify)

    recorded = recorded_tags(services, [issue], "t-")
    record_figures(
        figures_name(),
        **race_figures(tally, lost_races=services.app.lost_races),
        events_lost=len(tally.accepted() - set(recorded)),
        written_twice=sum(n > 1 for n in recorded.values()),
    )
    assert not tally.failures(), tally.failures()[:5]
    counts = tally.counts()
    assert counts["ok"] >= 3 and counts["409"] + counts["412"] >= THREADS
    assert set(recorded) == tally.accepted(), "an accepted command is missing, or a refused one was written"
    assert all(n == 1 for n in recorded.values()), [t for t, n in recorded.items() if n != 1]
    final = check_lifecycle(services, issue)
    assert final.status is Status.CLOSED
    rebuilt = assert_read_model_equals_a_rebuild(services)
    assert len(rebuilt["rm_issues"]) == 1
    (row,) = services.queries.list_issues(city.admin, IssueFilter()).items
    assert row.status == "closed" and row.version == final.version


def test_sixteen_threads_reporting_and_acting_on_many_problems(services: Services, city: City) -> None:
    app = services.app
    tally = Tally()
    reported: list[str] = []
    assigned: list[str] = []
    lock = threading.Lock()
    rounds = 5

    def work(i: int) -> None:
        rnd = random.Random(100 + i)
        for k in range(rounds):
            tag = f"t-report-{i}-{k}"
            ids: list[str] = []
            if tally.run(tag, lambda tag=tag, ids=ids: ids.append(report(services, city, title=tag))):
                with lock:
                    reported.append(ids[0])
            with lock:
                pool, work_on = list(reported), list(assigned)
            tag = f"t-act-{i}-{k}"
            target = rnd.choice(pool)
            version = expected(services, city, target, rnd.random() < 0.5)
            choice = rnd.random()
            if choice < 0.35 or not work_on:

                def assign_it(target: str = target, version: Any = version, tag: str = tag) -> None:
                    app.assign(
                        city.admin,
                        target,
                        lead="D01",
                        deadline=DEADLINE,
                        measures=tag,
                        expected_version=version,
                    )
                    with lock:
                        assigned.append(target)

                tally.run(tag, assign_it)
            elif choice < 0.6:
                tally.run(tag, app.comment, city.leader, target, text=tag, expected_version=version)
            else:
                target = rnd.choice(work_on)
                version = expected(services, city, target, rnd.random() < 0.5)
                if choice < 0.85:
                    tally.run(
                        tag, app.report_progress, city.handler, target, note=tag, expected_version=version
                    )
                else:
                    tally.run(tag, app.submit, city.handler, target, summary=tag, expected_version=version)

    together(work)

    recorded = recorded_tags(services, reported, "t-")
    record_figures(
        figures_name(),
        **race_figures(tally, lost_races=services.app.lost_races),
        events_lost=len(tally.accepted() - set(recorded)),
        written_twice=sum(n > 1 for n in recorded.values()),
    )
    assert not tally.failures(), tally.failures()[:5]
    total = THREADS * rounds
    assert len(reported) == total
    codes = sorted(app.get_issue(city.admin, issue).code for issue in reported)
    assert codes == [f"YC2023-{n:04d}" for n in range(1, total + 1)], "codes are not unique and gap-free"
    assert set(recorded) == tally.accepted()
    assert all(n == 1 for n in recorded.values()), [t for t, n in recorded.items() if n != 1]
    for issue in reported:
        check_lifecycle(services, issue)
    rebuilt = assert_read_model_equals_a_rebuild(services)
    assert len(rebuilt["rm_issues"]) == total
    assert services.queries.list_issues(city.admin, IssueFilter(per_page=100)).total == total


def test_tokens_issued_during_a_race_all_work(services: Services, city: City) -> None:
    """A token whose save lost the race used to be saved again with no event
    (its events were collected by the failed save): the caller got a token
    that was never stored. Now the whole command runs again."""
    app = services.app
    tokens: list[str] = []
    lock = threading.Lock()

    def issue(i: int) -> None:
        for _ in range(3):
            issued = app.issue_token(city.handler, city.handler.username, label=f"t-{i}")
            with lock:
                tokens.append(issued.token)

    together(issue)
    assert len(tokens) == THREADS * 3
    for token in tokens:
        actor, _ = app.actor_for_token(token)
        assert actor.username == city.handler.username
    assert len(app.tokens_of(city.admin, city.handler.username)) == THREADS * 3


def test_a_command_that_keeps_losing_is_answered_busy_and_writes_nothing(
    services: Services, city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = services.app
    issue = report(services, city)
    attempts: list[int] = []

    def always_beaten(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        raise IntegrityError("duplicate key value violates unique constraint: (originator_id, version)")

    monkeypatch.setattr(app.recorder, "insert_events", always_beaten)
    with pytest.raises(Unavailable) as refused:
        app.comment(city.leader, issue, text="批示")
    assert refused.value.code == "store_busy" and refused.value.retry_after >= 1
    assert len(attempts) == CONFLICT_RETRIES
    monkeypatch.undo()
    assert [e.type for e in app.history(city.admin, issue)] == ["Reported"]


def test_a_locked_sqlite_database_makes_a_command_wait_and_try_again(tmp_path: Path) -> None:
    """SQLite's "database is locked" (the lock not granted within its timeout)
    wrote nothing: the command is tried again rather than failing."""
    settings = Settings(data_dir=tmp_path, eventsourcing_env={"SQLITE_LOCK_TIMEOUT": "1"})
    s = build(settings, clock=city_clock())
    s.init()
    try:
        city = small_city(s)
        issue = report(s, city)
        database = s.settings.database_url.removeprefix("sqlite:///")
        holder = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock...
        release = threading.Timer(1.6, holder.rollback)  # ...for longer than the timeout
        release.start()
        started = time.monotonic()
        view = s.app.comment(city.leader, issue, text="批示")
        assert view.version == 2 and time.monotonic() - started >= 1.0
        release.join()
        holder.close()
    finally:
        s.close()


def test_a_command_refused_on_its_fresh_load_writes_nothing(services: Services, city: City) -> None:
    """The request checked the issue, another request changed it, so the save
    lost the race: the command runs again on a fresh load and is refused
    there (409, 404, 412), and writes nothing."""
    app = services.app
    issue = report(services, city)
    app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=DEADLINE, measures="限期整改")

    with pytest.raises(TransitionNotAllowed), app.checked_command(city.handler, issue, Action.SUBMIT):
        app.submit(city.county_handler, issue, summary="co unit submits first")  # the other request
        app.submit(city.handler, issue, summary="t-refused-409")
    app.verify(city.reviewer, issue, passed=False, note="退回")

    progress = Action.REPORT_PROGRESS
    with pytest.raises(StaleVersion) as stale, app.checked_command(city.handler, issue, progress, 4):
        app.comment(city.leader, issue, text="批示")
        app.report_progress(city.handler, issue, note="t-refused-412", expected_version=4)
    assert stale.value.actual == 5

    with pytest.raises(NotFound), app.checked_command(city.handler, issue, Action.REPORT_PROGRESS):
        app.reassign(city.admin, issue, lead="C02", reason="改由临猗县牵头", deadline=DEADLINE)
        app.report_progress(city.handler, issue, note="t-refused-404")

    assert not recorded_tags(services, [issue], "t-refused")
    check_lifecycle(services, issue)
