"""When the deadline job warns, records a missed deadline, or escalates.

Pure rules over an issue's assignments: the job asks :func:`due_actions` and
then issues the matching commands, each of which the issue records once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.issue import Issue
from domain.lifecycle import Status


class DeadlineAction(StrEnum):
    WARN = "warn"
    MISS = "miss"
    SUPERVISE = "supervise"


@dataclass(frozen=True)
class Policy:
    warn_days: int = 3
    escalate_days: int = 14
    escalate_days_key: int = 3

    def escalate_after(self, issue: Issue) -> int:
        return self.escalate_days_key if issue.key else self.escalate_days

    def warns(self, deadline: date, today: date) -> bool:
        """Inside the warning window: from ``warn_days`` before the deadline to the day itself."""
        return 0 <= (deadline - today).days <= self.warn_days


class Light(StrEnum):
    """A deadline's traffic light (the inbox's colours)."""

    GREEN = "green"  # before the warning window
    YELLOW = "yellow"  # inside it (RECTIFY_WARN_DAYS)
    RED = "red"  # overdue


def light(
    deadline: date, today: date, policy: Policy, *, overdue: bool = False, warned: bool = False
) -> Light:
    """Red once the deadline is missed (recorded, or simply past), yellow inside
    the warning window (or once warned), green before it."""
    if overdue or days_overdue(deadline, today) > 0:
        return Light.RED
    if warned or policy.warns(deadline, today):
        return Light.YELLOW
    return Light.GREEN


def days_overdue(deadline: date, today: date) -> int:
    """0 on and before the deadline; 1 on the day after it."""
    return max(0, (today - deadline).days)


def due_actions(issue: Issue, today: date, policy: Policy) -> list[tuple[DeadlineAction, str]]:
    """What the job should record for each assigned unit, in order."""
    if issue.status is not Status.ASSIGNED:
        return []
    due: list[tuple[DeadlineAction, str]] = []
    for a in issue.assignments:
        key = (a.unit, a.deadline.isoformat())
        if policy.warns(a.deadline, today) and key not in issue.warned:
            due.append((DeadlineAction.WARN, a.unit))
        late = days_overdue(a.deadline, today)
        missed = key in issue.missed
        if late >= 1 and not missed:
            due.append((DeadlineAction.MISS, a.unit))
            missed = True
        if missed and late >= policy.escalate_after(issue) and not issue.supervised_for(a.unit):
            due.append((DeadlineAction.SUPERVISE, a.unit))
    return due
