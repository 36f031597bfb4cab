"""When the deadline job warns, records a missed deadline and escalates (``domain.deadlines``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.deadlines import DeadlineAction, Policy, days_overdue, due_actions
from domain.issue import Issue
from tests.unit.builders import (
    ADMIN,
    CO_DEADLINE,
    CO_UNIT,
    DEADLINE,
    HANDLER,
    LEAD_UNIT,
    REVIEWER,
    SYSTEM,
    TODAY,
    collected,
    issue_in,
    reported,
)

POLICY = Policy(warn_days=3, escalate_days=14, escalate_days_key=3)
WARN, MISS, SUPERVISE = DeadlineAction.WARN, DeadlineAction.MISS, DeadlineAction.SUPERVISE


def day(offset: int, deadline: date = DEADLINE) -> date:
    return deadline + timedelta(days=offset)


def lead_only(*, key: bool = False) -> Issue:
    """Assigned to D01 alone, deadline 2023-09-30."""
    issue = reported(key=key)
    issue.assign(ADMIN, today=TODAY, lead=LEAD_UNIT, deadline=DEADLINE)
    collected(issue)
    return issue


def apply(issue: Issue, today: date, actions: list[tuple[DeadlineAction, str]]) -> None:
    """What the deadline job does with the answer (one letter per unit)."""
    for action, unit in actions:
        if action is WARN:
            assert issue.warn_deadline(SYSTEM, unit=unit, today=today)
        elif action is MISS:
            assert issue.miss_deadline(SYSTEM, unit=unit, today=today)
        else:
            a = issue.assignment_of(unit)
            assert a is not None
            letter = {"number": 1, "doc_no": "督〔2023〕1号", "deadline": a.deadline.isoformat()}
            issue.issue_supervision_letter(SYSTEM, unit=unit, letter=letter)


def run_daily(issue: Issue, first: date, last: date) -> dict[date, list[tuple[DeadlineAction, str]]]:
    """The job run every day from ``first`` to ``last``: what it did on which day."""
    done: dict[date, list[tuple[DeadlineAction, str]]] = {}
    today = first
    while today <= last:
        actions = due_actions(issue, today, POLICY)
        if actions:
            apply(issue, today, actions)
            done[today] = actions
        today += timedelta(days=1)
    return done


def test_the_default_policy_is_the_contracts() -> None:
    assert Policy() == POLICY


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-30, []),
        (-4, []),
        (-3, [(WARN, LEAD_UNIT)]),
        (-1, [(WARN, LEAD_UNIT)]),
        (0, [(WARN, LEAD_UNIT)]),
        (1, [(MISS, LEAD_UNIT)]),
        (13, [(MISS, LEAD_UNIT)]),
        (14, [(MISS, LEAD_UNIT), (SUPERVISE, LEAD_UNIT)]),
        (40, [(MISS, LEAD_UNIT), (SUPERVISE, LEAD_UNIT)]),
    ],
)
def test_what_is_due_on_a_day_when_nothing_was_recorded_yet(
    offset: int, expected: list[tuple[DeadlineAction, str]]
) -> None:
    assert due_actions(lead_only(), day(offset), POLICY) == expected


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (2, [(MISS, LEAD_UNIT)]),
        (3, [(MISS, LEAD_UNIT), (SUPERVISE, LEAD_UNIT)]),
    ],
)
def test_key_problems_escalate_after_three_days(
    offset: int, expected: list[tuple[DeadlineAction, str]]
) -> None:
    assert due_actions(lead_only(key=True), day(offset), POLICY) == expected


def test_run_daily_each_fact_is_recorded_once_on_its_day() -> None:
    issue = lead_only()
    done = run_daily(issue, day(-10), day(40))
    assert done == {
        day(-3): [(WARN, LEAD_UNIT)],
        day(1): [(MISS, LEAD_UNIT)],
        day(14): [(SUPERVISE, LEAD_UNIT)],
    }
    names = [type(e).__name__ for e in collected(issue)]
    assert names == ["DeadlineWarned", "DeadlineMissed", "SupervisionLetterIssued"]
    assert issue.overdue


def test_run_daily_for_a_key_problem() -> None:
    done = run_daily(lead_only(key=True), day(-10), day(40))
    assert done == {
        day(-3): [(WARN, LEAD_UNIT)],
        day(1): [(MISS, LEAD_UNIT)],
        day(3): [(SUPERVISE, LEAD_UNIT)],
    }


def test_a_job_that_first_runs_late_records_missed_and_supervision_together() -> None:
    issue = lead_only()
    done = run_daily(issue, day(20), day(30))
    assert done == {day(20): [(MISS, LEAD_UNIT), (SUPERVISE, LEAD_UNIT)]}


def test_each_unit_has_its_own_deadline() -> None:
    issue = issue_in("assigned")  # D01 due 2023-09-30, C01 due 2023-10-31
    done = run_daily(issue, day(-10), day(60))
    assert done == {
        day(-3): [(WARN, LEAD_UNIT)],
        day(1): [(MISS, LEAD_UNIT)],
        day(14): [(SUPERVISE, LEAD_UNIT)],
        day(-3, CO_DEADLINE): [(WARN, CO_UNIT)],
        day(1, CO_DEADLINE): [(MISS, CO_UNIT)],
        day(14, CO_DEADLINE): [(SUPERVISE, CO_UNIT)],
    }


def test_the_order_is_per_unit_warn_miss_supervise() -> None:
    issue = reported()
    issue.assign(ADMIN, today=TODAY, lead=LEAD_UNIT, co=[CO_UNIT], deadline=DEADLINE)
    assert due_actions(issue, day(0), POLICY) == [(WARN, LEAD_UNIT), (WARN, CO_UNIT)]
    assert due_actions(issue, day(15), POLICY) == [
        (MISS, LEAD_UNIT),
        (SUPERVISE, LEAD_UNIT),
        (MISS, CO_UNIT),
        (SUPERVISE, CO_UNIT),
    ]


@pytest.mark.parametrize("path", ["reported", "submitted", "closed", "rejected", "merged"])
def test_nothing_is_due_unless_the_issue_is_assigned(path: str) -> None:
    issue = issue_in(path)
    for offset in (-3, 0, 1, 14, 100):
        assert due_actions(issue, day(offset), POLICY) == []


def test_a_returned_or_reopened_issue_is_watched_again() -> None:
    for path in ("returned", "reopened"):
        assert due_actions(issue_in(path), day(1), POLICY) == [(MISS, LEAD_UNIT)]


def test_a_granted_extension_starts_the_clock_again() -> None:
    issue = lead_only()
    run_daily(issue, day(-5), day(20))  # warned, missed and supervised for 2023-09-30
    assert due_actions(issue, day(21), POLICY) == []
    new_deadline = date(2023, 11, 30)
    issue.request_extension(HANDLER, today=TODAY, deadline=new_deadline, reason="雨季")
    # A request alone changes nothing.
    assert due_actions(issue, day(21), POLICY) == []
    issue.decide_extension(ADMIN, granted=True)
    collected(issue)
    done = run_daily(issue, day(21), day(20, new_deadline))
    assert done == {
        day(-3, new_deadline): [(WARN, LEAD_UNIT)],
        day(1, new_deadline): [(MISS, LEAD_UNIT)],
        day(14, new_deadline): [(SUPERVISE, LEAD_UNIT)],
    }


def test_a_refused_extension_changes_nothing() -> None:
    issue = lead_only()
    apply(issue, day(-3), due_actions(issue, day(-3), POLICY))
    issue.request_extension(HANDLER, today=TODAY, deadline=date(2023, 11, 30), reason="雨季")
    issue.decide_extension(ADMIN, granted=False, note="不同意")
    assert due_actions(issue, day(-1), POLICY) == []
    assert due_actions(issue, day(1), POLICY) == [(MISS, LEAD_UNIT)]


def test_a_missed_deadline_is_not_missed_again_after_a_return() -> None:
    issue = lead_only()
    apply(issue, day(1), due_actions(issue, day(1), POLICY))
    issue.submit(HANDLER, summary="完成")
    assert due_actions(issue, day(20), POLICY) == []
    issue.verify(REVIEWER, passed=False, note="不合格")
    assert due_actions(issue, day(20), POLICY) == [(SUPERVISE, LEAD_UNIT)]


def test_policy_escalate_after() -> None:
    assert POLICY.escalate_after(lead_only()) == 14
    assert POLICY.escalate_after(lead_only(key=True)) == 3
    custom = Policy(warn_days=1, escalate_days=7, escalate_days_key=1)
    issue = lead_only()
    assert due_actions(issue, day(-2), custom) == []
    assert due_actions(issue, day(-1), custom) == [(WARN, LEAD_UNIT)]
    assert due_actions(issue, day(7), custom) == [(MISS, LEAD_UNIT), (SUPERVISE, LEAD_UNIT)]


@pytest.mark.parametrize(("offset", "expected"), [(-5, 0), (0, 0), (1, 1), (14, 14)])
def test_days_overdue(offset: int, expected: int) -> None:
    assert days_overdue(DEADLINE, day(offset)) == expected
