"""Every event a command records is stamped by the application's clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from services.bootstrap import Services, build
from services.clock import ManualClock
from services.settings import Settings
from tests.support import report, small_city

START = datetime(2023, 6, 1, 1, 30, tzinfo=UTC)


@pytest.fixture
def clocked(settings: Settings) -> Iterator[tuple[Services, ManualClock]]:
    clock = ManualClock(START)
    s = build(settings, clock=clock)
    s.init()
    yield s, clock
    s.close()


def test_a_campaign_played_on_a_manual_clock_has_its_times(clocked: tuple[Services, ManualClock]) -> None:
    s, clock = clocked
    city = small_city(s)
    issue = report(s, city)
    clock.advance(timedelta(days=3))
    s.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=date(2023, 7, 31), measures="限期改造")
    clock.advance(timedelta(days=55))
    s.app.report_progress(city.handler, issue, note="施工中")
    s.sweep_deadlines()  # today by the clock: 2023-07-29, inside the warning window
    clock.advance(timedelta(days=5))
    s.sweep_deadlines()  # 2023-08-03: 31 July was missed
    s.app.submit(city.handler, issue, summary="已完成")
    s.app.verify(city.reviewer, issue, passed=True, note="")

    view = s.app.get_issue(city.admin, issue)
    assert view.reported_at == START
    assert view.closed_at == START + timedelta(days=63)
    stamps = [e.at for e in s.app.history(city.admin, issue)]
    assert stamps == sorted(stamps)
    assert stamps[0] == START and stamps[-1] == START + timedelta(days=63)
    types = [e.type for e in s.app.history(city.admin, issue)]
    assert "DeadlineMissed" in types and "DeadlineWarned" in types
    # Every stored event of every aggregate lies on the clock's timeline.
    for n in s.app.recorder.select_notifications(start=None, limit=1000):
        event = s.app.mapper.to_domain_event(n)
        assert START <= event.timestamp <= START + timedelta(days=63)
