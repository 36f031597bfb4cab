"""Pure-domain builders: actors, a campaign and issues brought to a given state.

Every issue is built by running the aggregate's own commands (never by setting
attributes), and comes back with its pending events collected, so a test's
``issue.collect_events()`` returns exactly what the command under test recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from domain.actor import Actor, Role, system_actor
from domain.campaign import Campaign
from domain.issue import Issue
from domain.lifecycle import Status

ADMIN = Actor("u-admin", "admin", Role.ADMIN, "OFF")
INSPECTOR = Actor("u-inspector", "inspector", Role.INSPECTOR, "OFF")
CLERK = Actor("u-clerk", "clerk", Role.CLERK, "C01T1V1")
HANDLER = Actor("u-handler", "handler", Role.HANDLER, "D01")  # the lead unit's handler
CO_HANDLER = Actor("u-co-handler", "co-handler", Role.HANDLER, "C01")  # the co unit's handler
OTHER_HANDLER = Actor("u-other-handler", "other-handler", Role.HANDLER, "C02")  # not assigned
REVIEWER = Actor("u-reviewer", "reviewer", Role.REVIEWER, "C01")
OTHER_REVIEWER = Actor("u-other-reviewer", "other-reviewer", Role.REVIEWER, "C")
# The user who submitted, later given the reviewer role: same user id.
SUBMITTER_AS_REVIEWER = Actor(HANDLER.user_id, HANDLER.username, Role.REVIEWER, "C01")
LEADER = Actor("u-leader", "leader", Role.LEADER, "C")
SYSTEM = system_actor()

LEAD_UNIT = "D01"
CO_UNIT = "C01"
OTHER_UNIT = "C02"
DEADLINE = date(2023, 9, 30)
CO_DEADLINE = date(2023, 10, 31)
REOPEN_DEADLINE = date(2024, 3, 31)
#: The day the commands of these tests are given (before every deadline above).
TODAY = date(2023, 6, 15)

TAXONOMY: list[dict[str, Any]] = [
    {
        "code": "A01",
        "name": "两不愁三保障",
        "categories": [
            {"code": "A01C01", "name": "义务教育保障"},
            {"code": "A01C02", "name": "住房安全保障"},
        ],
    },
    {"code": "A02", "name": "产业帮扶", "categories": [{"code": "A02C01", "name": "产业项目"}]},
]


def new_campaign(code: str = "YC2023") -> Campaign:
    campaign = Campaign.start(
        ADMIN, code=code, name="2022年度考核评估反馈问题整改", deadline="2023-12-31", aspects=TAXONOMY
    )
    campaign.collect_events()
    return campaign


def report_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "危房改造未完成",
        "description": "排查发现该户住房安全等级为C级，未纳入改造。",
        "source": "flying",
        "aspect": "A01",
        "category": "A01C02",
        "severity": "serious",
        "key": False,
        "unit": "C01T1V1",
        "discovered_at": "2023-06-01",
        "today": TODAY,
    }
    fields.update(overrides)
    return fields


def reported(campaign: Campaign | None = None, *, actor: Actor = INSPECTOR, **overrides: Any) -> Issue:
    issue = Issue.report(actor=actor, campaign=campaign or new_campaign(), **report_fields(**overrides))
    issue.collect_events()
    return issue


def assign(issue: Issue) -> None:
    issue.assign(
        ADMIN,
        today=TODAY,
        lead=LEAD_UNIT,
        co=[CO_UNIT],
        deadline=DEADLINE,
        measures="限期完成危房改造",
        co_deadlines={CO_UNIT: CO_DEADLINE},
    )


def submit(issue: Issue, actor: Actor = HANDLER) -> None:
    issue.submit(actor, summary="已完成改造，附验收照片")


def close(issue: Issue) -> None:
    issue.verify(REVIEWER, passed=True, note="现场核查通过")


def return_(issue: Issue) -> None:
    issue.verify(REVIEWER, passed=False, note="佐证材料不全")


def reopen(issue: Issue) -> None:
    issue.reopen(ADMIN, today=TODAY, reason="回头看发现问题反弹")


def reject(issue: Issue) -> None:
    issue.reject(ADMIN, reason="不属于考核反馈问题")


def merge(issue: Issue) -> None:
    issue.merge_into(ADMIN, reported(new_campaign("ORIG")), reason="与已登记问题重复")


def request_extension(issue: Issue) -> None:
    issue.request_extension(HANDLER, today=TODAY, deadline=date(2023, 11, 30), reason="雨季无法施工")


Step = Callable[[Issue], None]

#: A name for every way the lifecycle reaches a status, with the steps that
#: take a freshly reported issue there and the status it ends in.
PATHS: dict[str, tuple[tuple[Step, ...], Status]] = {
    "reported": ((), Status.REPORTED),
    "assigned": ((assign,), Status.ASSIGNED),
    "assigned_pending_extension": ((assign, request_extension), Status.ASSIGNED),
    "submitted": ((assign, submit), Status.SUBMITTED),
    "submitted_pending_extension": ((assign, request_extension, submit), Status.SUBMITTED),
    "closed": ((assign, submit, close), Status.CLOSED),
    "returned": ((assign, submit, return_), Status.ASSIGNED),
    "resubmitted": ((assign, submit, return_, submit), Status.SUBMITTED),
    "reopened": ((assign, submit, close, reopen), Status.ASSIGNED),
    "closed_again": ((assign, submit, close, reopen, submit, close), Status.CLOSED),
    "rejected": ((reject,), Status.REJECTED),
    "merged": ((merge,), Status.REJECTED),
}


def issue_in(path: str, campaign: Campaign | None = None, **overrides: Any) -> Issue:
    """A new issue taken along ``path``; its events are collected already."""
    steps, status = PATHS[path]
    issue = reported(campaign, **overrides)
    for step in steps:
        step(issue)
    issue.collect_events()
    assert issue.status is status, (path, issue.status)
    return issue


def collected(aggregate: Aggregate) -> list[Any]:
    """The aggregate's new pending events (``collect_events()``), untyped for the tests."""
    return list(aggregate.collect_events())


def event_names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]
