"""The issue lifecycle, pure domain: given events -> command -> new events or a refusal.

The generated tests walk the transition table (``domain.lifecycle.TRANSITIONS``)
in both directions: every action in every status of its row records its event
and moves to the row's status; every action in every other status is refused.
The hand-written tests below them pin the rules the table cannot express.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from domain.access import ASSIGNEE_ACTIONS, ROLE_ACTIONS
from domain.actor import Actor, Role
from domain.errors import Forbidden, InvalidInput, TransitionNotAllowed
from domain.issue import MAX_DESCRIPTION, MAX_TITLE, Assignment, Issue, issue_code
from domain.lifecycle import TRANSITIONS, Action, Status, is_allowed, next_status
from tests.unit.builders import (
    ADMIN,
    CLERK,
    CO_DEADLINE,
    CO_HANDLER,
    CO_UNIT,
    DEADLINE,
    HANDLER,
    INSPECTOR,
    LEAD_UNIT,
    LEADER,
    OTHER_HANDLER,
    OTHER_REVIEWER,
    OTHER_UNIT,
    PATHS,
    REOPEN_DEADLINE,
    REVIEWER,
    SUBMITTER_AS_REVIEWER,
    SYSTEM,
    TODAY,
    collected,
    event_names,
    issue_in,
    new_campaign,
    report_fields,
    reported,
)

LETTER = {"number": 7, "doc_no": "巩固衔接办督〔2023〕1号", "kind": "supervision", "deadline": "2023-09-30"}
EVIDENCE = {
    "id": "ev-1",
    "name": "photo.jpg",
    "size": 1024,
    "sha256": "ab" * 32,
    "content_type": "image/jpeg",
    "storage_key": "ev/ev-1",
}


@dataclass(frozen=True)
class Command:
    """One command of the aggregate, with valid input, so that only the
    actor or the lifecycle can make it fail."""

    run: Callable[[Issue, Actor], object]
    event: str
    actor: Actor
    #: Paths on which the command is allowed but needs something else (a pending request).
    only_paths: frozenset[str] | None = None
    not_paths: frozenset[str] = field(default_factory=frozenset)


COMMANDS: dict[Action, Command] = {
    Action.RECLASSIFY: Command(
        lambda i, a: i.reclassify(
            a,
            new_campaign(),
            aspect="A02",
            category="A02C01",
            severity="critical",
            key=True,
            reason="归类有误",
        ),
        "Reclassified",
        ADMIN,
    ),
    Action.ASSIGN: Command(
        lambda i, a: i.assign(
            a, today=TODAY, lead=LEAD_UNIT, co=[CO_UNIT], deadline=DEADLINE, measures="限期整改"
        ),
        "Assigned",
        ADMIN,
    ),
    Action.DISPUTE_ASSIGNMENT: Command(
        lambda i, a: i.dispute_assignment(a, reason="不属于本单位职责"), "AssignmentDisputed", HANDLER
    ),
    Action.REASSIGN: Command(
        lambda i, a: i.reassign(
            a,
            today=TODAY,
            lead=CO_UNIT,
            co=[LEAD_UNIT, OTHER_UNIT],
            deadline=CO_DEADLINE,
            reason="改由属地牵头",
        ),
        "Reassigned",
        ADMIN,
    ),
    Action.REPORT_PROGRESS: Command(
        lambda i, a: i.report_progress(a, note="已开工"), "ProgressReported", HANDLER
    ),
    Action.ATTACH_EVIDENCE: Command(
        lambda i, a: i.attach_evidence(a, files=[dict(EVIDENCE)], note="现场照片"),
        "EvidenceAttached",
        HANDLER,
    ),
    Action.ATTACH_DISCOVERY_EVIDENCE: Command(
        lambda i, a: i.attach_evidence(a, files=[dict(EVIDENCE)], note="现场照片"),
        "DiscoveryEvidenceAttached",
        INSPECTOR,
    ),
    Action.REQUEST_EXTENSION: Command(
        lambda i, a: i.request_extension(a, today=TODAY, deadline=date(2023, 12, 15), reason="雨季无法施工"),
        "ExtensionRequested",
        HANDLER,
        not_paths=frozenset({"assigned_pending_extension"}),
    ),
    Action.DECIDE_EXTENSION: Command(
        lambda i, a: i.decide_extension(a, granted=True, note="同意延期"),
        "ExtensionGranted",
        ADMIN,
        only_paths=frozenset({"assigned_pending_extension", "submitted_pending_extension"}),
    ),
    Action.WARN_DEADLINE: Command(
        lambda i, a: i.warn_deadline(a, unit=LEAD_UNIT, today=DEADLINE - timedelta(days=1)),
        "DeadlineWarned",
        SYSTEM,
    ),
    Action.MISS_DEADLINE: Command(
        lambda i, a: i.miss_deadline(a, unit=LEAD_UNIT, today=DEADLINE + timedelta(days=1)),
        "DeadlineMissed",
        SYSTEM,
    ),
    Action.ISSUE_SUPERVISION_LETTER: Command(
        lambda i, a: i.issue_supervision_letter(a, unit=LEAD_UNIT, letter=LETTER),
        "SupervisionLetterIssued",
        SYSTEM,
    ),
    Action.SUBMIT: Command(lambda i, a: i.submit(a, summary="已完成"), "Submitted", HANDLER),
    Action.PASS_VERIFICATION: Command(
        lambda i, a: i.verify(a, passed=True, note="通过"), "VerificationPassed", REVIEWER
    ),
    Action.FAIL_VERIFICATION: Command(
        lambda i, a: i.verify(a, passed=False, note="不通过"), "VerificationFailed", REVIEWER
    ),
    Action.REOPEN: Command(lambda i, a: i.reopen(a, today=TODAY, reason="回头看反弹"), "Reopened", ADMIN),
    Action.REJECT: Command(lambda i, a: i.reject(a, reason="不是问题"), "Rejected", ADMIN),
    Action.MERGE_AS_DUPLICATE: Command(
        lambda i, a: i.merge_into(a, reported(new_campaign("ORIG")), reason="重复"),
        "MergedAsDuplicate",
        ADMIN,
    ),
    Action.COMMENT: Command(lambda i, a: i.comment(a, text="请加快进度"), "CommentAdded", INSPECTOR),
}


def _usable(cmd: Command, path: str) -> bool:
    return (cmd.only_paths is None or path in cmd.only_paths) and path not in cmd.not_paths


ALLOWED = [
    (action, path)
    for action, cmd in COMMANDS.items()
    for path, (_, status) in PATHS.items()
    if status in TRANSITIONS[action] and _usable(cmd, path)
]
REFUSED = [
    (action, path)
    for action in COMMANDS
    for path, (_, status) in PATHS.items()
    if status not in TRANSITIONS[action]
]


def test_every_action_has_a_command_and_every_status_a_path() -> None:
    assert set(COMMANDS) == set(Action)
    assert {status for _, status in PATHS.values()} == set(Status)
    # Each row of the table is exercised by at least one allowed case.
    assert {action for action, _ in ALLOWED} == set(Action)


# -- the table, both ways ---------------------------------------------------------


#: The state each action may change (beside the version and modification time).
MAY_CHANGE: dict[Action, set[str]] = {
    Action.RECLASSIFY: {"aspect", "category", "severity", "key"},
    Action.ASSIGN: {"status", "assignments", "unit_deadlines", "measures"},
    Action.DISPUTE_ASSIGNMENT: {"pending_dispute"},
    Action.REASSIGN: {"assignments", "unit_deadlines", "pending_dispute", "pending_extension"},
    Action.REPORT_PROGRESS: set(),
    Action.ATTACH_EVIDENCE: {"evidence"},
    Action.ATTACH_DISCOVERY_EVIDENCE: {"discovery_evidence"},
    Action.REQUEST_EXTENSION: {"pending_extension"},
    Action.DECIDE_EXTENSION: {"assignments", "unit_deadlines", "pending_extension"},
    Action.WARN_DEADLINE: {"warned"},
    Action.MISS_DEADLINE: {"missed"},
    Action.ISSUE_SUPERVISION_LETTER: {"letters"},
    Action.SUBMIT: {"status", "submitted_by"},
    Action.PASS_VERIFICATION: {"status", "closed_at", "pending_extension"},
    Action.FAIL_VERIFICATION: {"status"},
    Action.REOPEN: {"status", "closed_at", "submitted_by", "assignments", "unit_deadlines"},
    Action.REJECT: {"status", "rejection_reason"},
    Action.MERGE_AS_DUPLICATE: {"status", "duplicate_of", "rejection_reason"},
    Action.COMMENT: set(),
}
BOOKKEEPING = {"_version", "_modified_on", "_pending_events"}


def _state(issue: Issue) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in vars(issue).items() if k not in BOOKKEEPING})


@pytest.mark.parametrize(("action", "path"), ALLOWED, ids=[f"{a}-on-{p}" for a, p in ALLOWED])
def test_an_allowed_action_records_its_event_and_moves_as_the_table_says(action: Action, path: str) -> None:
    issue = issue_in(path)
    before, version = issue.status, issue.version
    state = _state(issue)
    cmd = COMMANDS[action]

    cmd.run(issue, cmd.actor)

    events = collected(issue)
    assert event_names(events) == [cmd.event]
    assert issue.status is TRANSITIONS[action][before]
    assert events[0].actor == cmd.actor.as_record()
    assert events[0].originator_version == version + 1
    assert issue.version == version + 1
    after = _state(issue)
    changed = {k for k in after if after[k] != state.get(k)}
    assert changed <= MAY_CHANGE[action]


@pytest.mark.parametrize(("action", "path"), REFUSED, ids=[f"{a}-on-{p}" for a, p in REFUSED])
def test_an_action_outside_its_row_is_refused(action: Action, path: str) -> None:
    issue = issue_in(path)
    before = issue.status
    state = dict(vars(issue))
    cmd = COMMANDS[action]

    if action in ASSIGNEE_ACTIONS and not issue.assignments:
        # Nobody is an assignee of a never-assigned issue: the actor check (403)
        # comes before the lifecycle (409), as the contract orders them.
        with pytest.raises(Forbidden):
            cmd.run(issue, cmd.actor)
    elif action is Action.ATTACH_DISCOVERY_EVIDENCE:
        # After the report, evidence is rectification evidence, which the
        # reporter's role may not attach (403 before the lifecycle).
        with pytest.raises(Forbidden):
            cmd.run(issue, cmd.actor)
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            cmd.run(issue, cmd.actor)
        assert refused.value.status == before
        assert refused.value.action == action
        assert str(before) in str(refused.value)

    assert collected(issue) == []
    assert vars(issue) == state


def test_the_table_and_next_status_agree() -> None:
    for action, row in TRANSITIONS.items():
        for status in Status:
            assert is_allowed(status, action) is (status in row)
            if status in row:
                assert next_status(status, action) is row[status]
            else:
                with pytest.raises(TransitionNotAllowed):
                    next_status(status, action)


def test_closed_and_rejected_issues_admit_only_reopen_and_comment() -> None:
    assert {a for a, row in TRANSITIONS.items() if Status.CLOSED in row} == {Action.REOPEN, Action.COMMENT}
    assert {a for a, row in TRANSITIONS.items() if Status.REJECTED in row} == {Action.COMMENT}


# -- the role table, enforced by the aggregate ------------------------------------

FORBIDDEN_ROLES = [
    (action, role)
    for action in COMMANDS
    for role in Role
    if action not in ROLE_ACTIONS[role] and not (action is Action.COMMENT and role is Role.SYSTEM)
]


def _first_allowed_path(action: Action) -> str:
    return next(p for a, p in ALLOWED if a is action)


@pytest.mark.parametrize(("action", "role"), FORBIDDEN_ROLES, ids=[f"{a}-by-{r}" for a, r in FORBIDDEN_ROLES])
def test_a_role_without_the_action_is_forbidden(action: Action, role: Role) -> None:
    issue = issue_in(_first_allowed_path(action))
    # The lead unit: an assignee, so only the role can be wrong.
    actor = Actor(f"u-{role}", f"someone-{role}", role, LEAD_UNIT)
    with pytest.raises(Forbidden):
        COMMANDS[action].run(issue, actor)
    assert collected(issue) == []


def test_the_system_may_not_comment() -> None:
    issue = issue_in("assigned")
    with pytest.raises(Forbidden):
        issue.comment(SYSTEM, text="自动")


@pytest.mark.parametrize("action", sorted(ASSIGNEE_ACTIONS))
def test_assignee_actions_only_by_handlers_of_an_assigned_unit(action: Action) -> None:
    cmd = COMMANDS[action]
    issue = issue_in(_first_allowed_path(action))
    with pytest.raises(Forbidden, match="lead or a co unit"):
        cmd.run(issue, OTHER_HANDLER)
    assert collected(issue) == []

    cmd.run(issue, CO_HANDLER)
    (event,) = collected(issue)
    assert type(event).__name__ == cmd.event
    assert event.actor == CO_HANDLER.as_record()
    assert event.unit == CO_UNIT


def test_a_handler_of_a_parent_unit_is_not_an_assignee() -> None:
    issue = reported()
    issue.assign(ADMIN, today=TODAY, lead="C01T1", deadline=DEADLINE)
    county = Actor("u-county", "county", Role.HANDLER, "C01")
    with pytest.raises(Forbidden):
        issue.report_progress(county, note="代为报告")


# -- reported ---------------------------------------------------------------------------


def test_report_records_the_problem_and_numbers_it_in_the_campaign() -> None:
    campaign = new_campaign()
    issue = Issue.report(actor=INSPECTOR, campaign=campaign, **report_fields(title="  危房改造未完成 "))

    (event,) = collected(issue)
    assert type(event).__name__ == "Reported"
    assert event.actor == INSPECTOR.as_record()
    assert event.code == "YC2023-0001"
    assert event.number == 1
    assert event.title == "危房改造未完成"
    assert event.discovered_at == "2023-06-01"
    assert event.campaign_id == campaign.id
    assert issue.status is Status.REPORTED
    assert issue.reported_by == INSPECTOR.as_record()
    assert issue.assignments == ()
    assert issue.deadline is None
    assert not issue.overdue
    assert issue.is_open
    assert issue.closed_at is None
    assert issue.discovered_at == date(2023, 6, 1)
    # The campaign recorded the number it handed out.
    assert event_names(collected(campaign)) == ["IssueNumberAllocated"]

    second = Issue.report(actor=CLERK, campaign=campaign, **report_fields())
    assert second.code == "YC2023-0002"
    assert second.id != issue.id
    assert Issue.create_id(campaign.id, 2) == second.id


def test_issue_codes_have_at_least_four_digits() -> None:
    assert issue_code("YC2023", 1) == "YC2023-0001"
    assert issue_code("YC2023", 42) == "YC2023-0042"
    assert issue_code("YC2023", 9999) == "YC2023-9999"
    assert issue_code("YC2023", 12345) == "YC2023-12345"
    assert issue_code("LL-2022", 7) == "LL-2022-0007"


@pytest.mark.parametrize("role", [Role.HANDLER, Role.REVIEWER, Role.LEADER, Role.SYSTEM])
def test_only_admins_inspectors_and_clerks_report(role: Role) -> None:
    campaign = new_campaign()
    with pytest.raises(Forbidden):
        Issue.report(actor=Actor("u", "someone", role, "C01"), campaign=campaign, **report_fields())
    assert campaign.issues_numbered == 0
    assert collected(campaign) == []


@pytest.mark.parametrize(
    ("overrides", "field_name"),
    [
        ({"title": "问" * (MAX_TITLE + 1)}, "title"),
        ({"title": "   "}, "title"),
        ({"description": "述" * (MAX_DESCRIPTION + 1)}, "description"),
        ({"source": "rumour"}, "source"),
        ({"source": ""}, "source"),
        ({"severity": "mild"}, "severity"),
        ({"aspect": "A99"}, "aspect"),
        ({"category": "A99C01"}, "category"),
        ({"category": "A02C01"}, "category"),  # a category of another aspect
        ({"discovered_at": "2023-13-01"}, "discovered_at"),
        ({"discovered_at": "yesterday"}, "discovered_at"),
        ({"unit": ""}, "unit"),
    ],
)
def test_report_refuses_invalid_input(overrides: dict[str, Any], field_name: str) -> None:
    campaign = new_campaign()
    with pytest.raises(InvalidInput) as refused:
        Issue.report(actor=INSPECTOR, campaign=campaign, **report_fields(**overrides))
    assert refused.value.field == field_name
    assert refused.value.errors == {field_name: [str(refused.value)]}
    # A refused report takes no number.
    assert campaign.issues_numbered == 0


def test_report_accepts_limits() -> None:
    issue = reported(title="问" * MAX_TITLE, description="述" * MAX_DESCRIPTION)
    assert len(issue.title) == MAX_TITLE
    assert len(issue.description) == MAX_DESCRIPTION
    assert reported(description="").description == ""


@pytest.mark.parametrize(
    "source",
    [
        "assessment",
        "workgroup",
        "self_check",
        "department",
        "flying",
        "unannounced",
        "household",
        "cadre",
        "screening",
        "petition",
    ],
)
def test_every_contract_source_is_accepted(source: str) -> None:
    assert reported(source=source).source == source


@pytest.mark.parametrize("severity", ["general", "serious", "critical"])
def test_every_contract_severity_is_accepted(severity: str) -> None:
    assert reported(severity=severity).severity == severity


# -- reclassify ---------------------------------------------------------------------------


def test_reclassify_records_the_new_classification() -> None:
    issue = issue_in("assigned")
    issue.reclassify(
        ADMIN,
        new_campaign(),
        aspect="A02",
        category="A02C01",
        severity="critical",
        key=True,
        reason="归类有误",
    )
    (event,) = collected(issue)
    assert (event.aspect, event.category, event.severity, event.key, event.reason) == (
        "A02",
        "A02C01",
        "critical",
        True,
        "归类有误",
    )
    assert (issue.aspect, issue.category, issue.severity, issue.key) == ("A02", "A02C01", "critical", True)
    assert issue.status is Status.ASSIGNED


@pytest.mark.parametrize(
    ("kw", "field_name"),
    [
        ({"category": "A01C01"}, "category"),
        ({"aspect": "A09"}, "aspect"),
        ({"severity": "huge"}, "severity"),
        ({"reason": ""}, "reason"),
    ],
)
def test_reclassify_refuses_invalid_input(kw: dict[str, Any], field_name: str) -> None:
    issue = issue_in("reported")
    args: dict[str, Any] = {"aspect": "A02", "category": "A02C01", "severity": "general", "key": False}
    args["reason"] = "归类有误"
    args.update(kw)
    with pytest.raises(InvalidInput) as refused:
        issue.reclassify(ADMIN, new_campaign(), **args)
    assert refused.value.field == field_name
    assert collected(issue) == []


# -- assigned ---------------------------------------------------------------------------------


def test_assign_hands_the_problem_to_a_lead_and_co_units() -> None:
    issue = issue_in("reported")
    issue.assign(
        ADMIN,
        today=TODAY,
        lead=LEAD_UNIT,
        co=[CO_UNIT, OTHER_UNIT, CO_UNIT, ""],
        deadline="2023-09-30",
        measures="限期整改",
        co_deadlines={CO_UNIT: "2023-10-31"},
    )
    (event,) = collected(issue)
    assert type(event).__name__ == "Assigned"
    assert event.assignments == [
        {"unit": "D01", "role": "lead", "deadline": "2023-09-30"},
        {"unit": "C01", "role": "co", "deadline": "2023-10-31"},
        {"unit": "C02", "role": "co", "deadline": "2023-09-30"},
    ]
    assert event.measures == "限期整改"
    assert issue.status is Status.ASSIGNED
    assert issue.lead == LEAD_UNIT
    assert issue.assigned_units == ("D01", "C01", "C02")
    assert issue.deadline == DEADLINE
    assert issue.assignment_of(CO_UNIT) == Assignment(CO_UNIT, "co", CO_DEADLINE)
    assert issue.assignment_of("C99") is None


@pytest.mark.parametrize(
    ("kw", "field_name"),
    [
        ({"lead": ""}, "lead"),
        ({"co": [LEAD_UNIT]}, "co"),
        ({"deadline": "30/09/2023"}, "deadline"),
        ({"measures": "措" * 5001}, "measures"),
        ({"co_deadlines": {CO_UNIT: "soon"}}, "co_deadlines"),
    ],
)
def test_assign_refuses_invalid_input(kw: dict[str, Any], field_name: str) -> None:
    issue = issue_in("reported")
    args: dict[str, Any] = {"lead": LEAD_UNIT, "co": [CO_UNIT], "deadline": DEADLINE}
    args.update(kw)
    with pytest.raises(InvalidInput) as refused:
        issue.assign(ADMIN, today=TODAY, **args)
    assert refused.value.field == field_name
    assert issue.status is Status.REPORTED
    assert collected(issue) == []


def test_invalid_input_is_reported_before_the_lifecycle_refuses() -> None:
    issue = issue_in("assigned")
    with pytest.raises(InvalidInput):
        issue.assign(ADMIN, today=TODAY, lead=LEAD_UNIT, deadline="not a date")
    with pytest.raises(TransitionNotAllowed):
        issue.assign(ADMIN, today=TODAY, lead=LEAD_UNIT, deadline=DEADLINE)


# -- submitted, closed, returned ---------------------------------------------------------------


def test_submit_records_the_submitter_and_unit() -> None:
    issue = issue_in("assigned")
    issue.submit(CO_HANDLER, summary="已完成")
    (event,) = collected(issue)
    assert type(event).__name__ == "Submitted"
    assert (event.unit, event.summary) == (CO_UNIT, "已完成")
    assert issue.status is Status.SUBMITTED
    assert issue.submitted_by == CO_HANDLER.user_id
    assert issue.is_open


def test_submit_needs_a_summary() -> None:
    issue = issue_in("assigned")
    with pytest.raises(InvalidInput) as refused:
        issue.submit(HANDLER, summary=" ")
    assert refused.value.field == "summary"


def test_passed_verification_closes_with_the_event_time() -> None:
    issue = issue_in("submitted")
    issue.verify(REVIEWER, passed=True)
    (event,) = collected(issue)
    assert type(event).__name__ == "VerificationPassed"
    assert event.note == ""
    assert issue.status is Status.CLOSED
    assert issue.closed_at == event.timestamp
    assert not issue.is_open


def test_failed_verification_returns_the_issue_to_the_units() -> None:
    issue = issue_in("submitted")
    issue.verify(OTHER_REVIEWER, passed=False, note="佐证材料不全")
    (event,) = collected(issue)
    assert type(event).__name__ == "VerificationFailed"
    assert event.note == "佐证材料不全"
    assert event.actor == OTHER_REVIEWER.as_record()
    assert issue.status is Status.ASSIGNED
    assert issue.closed_at is None
    assert issue.deadline == DEADLINE  # a return does not move the deadline
    # ... and the units work on it and submit again.
    issue.report_progress(HANDLER, note="补充材料")
    issue.submit(CO_HANDLER, summary="补充完毕")
    assert str(issue.status) == "submitted"
    assert issue.submitted_by == CO_HANDLER.user_id


def test_a_failed_verification_needs_a_note() -> None:
    issue = issue_in("submitted")
    with pytest.raises(InvalidInput) as refused:
        issue.verify(REVIEWER, passed=False, note="")
    assert refused.value.field == "note"
    assert issue.status is Status.SUBMITTED


@pytest.mark.parametrize("passed", [True, False])
def test_the_verifier_is_never_the_submitter(passed: bool) -> None:
    issue = issue_in("submitted")
    with pytest.raises(Forbidden, match="submitted"):
        issue.verify(SUBMITTER_AS_REVIEWER, passed=passed, note="自己验收")
    assert collected(issue) == []
    assert issue.status is Status.SUBMITTED


@pytest.mark.parametrize("action", [Action.PASS_VERIFICATION, Action.FAIL_VERIFICATION])
def test_the_submitter_is_refused_by_the_guard_services_call_first(action: Action) -> None:
    # ``authorize`` is the 403 step of the service pipeline: the submitter rule
    # is a 403 and must be decided there, before the version (412) and input (422).
    issue = issue_in("submitted")
    with pytest.raises(Forbidden):
        issue.authorize(SUBMITTER_AS_REVIEWER, action)
    issue.authorize(REVIEWER, action)


def test_after_a_return_the_new_submitter_may_not_verify_but_the_old_one_may() -> None:
    issue = issue_in("returned")
    issue.submit(CO_HANDLER, summary="补充完毕")
    co_as_reviewer = Actor(CO_HANDLER.user_id, CO_HANDLER.username, Role.REVIEWER, "C01")
    with pytest.raises(Forbidden):
        issue.verify(co_as_reviewer, passed=True)
    issue.verify(SUBMITTER_AS_REVIEWER, passed=True)
    assert issue.status is Status.CLOSED


def test_a_closed_issue_changes_only_by_reopening_or_comment() -> None:
    allowed = {Action.REOPEN, Action.COMMENT}
    for action, cmd in COMMANDS.items():
        issue = issue_in("closed")
        if action in allowed:
            cmd.run(issue, cmd.actor)
            assert event_names(collected(issue)) == [cmd.event]
        else:
            with pytest.raises((TransitionNotAllowed, Forbidden)):
                cmd.run(issue, cmd.actor)
            assert collected(issue) == [], action


# -- reopen ----------------------------------------------------------------------------------------


def test_reopen_sends_a_closed_issue_back_to_work_keeping_the_deadlines() -> None:
    issue = issue_in("closed")
    issue.reopen(REVIEWER, today=TODAY, reason="回头看发现反弹")
    (event,) = collected(issue)
    assert type(event).__name__ == "Reopened"
    assert (event.reason, event.deadline) == ("回头看发现反弹", None)
    assert issue.status is Status.ASSIGNED
    assert issue.closed_at is None
    assert issue.submitted_by is None
    assert [a.deadline for a in issue.assignments] == [DEADLINE, CO_DEADLINE]


def test_reopen_with_a_deadline_gives_every_unit_the_new_deadline() -> None:
    issue = issue_in("closed")
    issue.reopen(ADMIN, today=TODAY, reason="回头看发现反弹", deadline="2024-03-31")
    (event,) = collected(issue)
    assert event.deadline == "2024-03-31"
    assert [a.deadline for a in issue.assignments] == [REOPEN_DEADLINE, REOPEN_DEADLINE]
    assert [a.unit for a in issue.assignments] == [LEAD_UNIT, CO_UNIT]


@pytest.mark.parametrize(
    ("kw", "field_name"), [({"reason": ""}, "reason"), ({"deadline": "soon"}, "deadline")]
)
def test_reopen_refuses_invalid_input(kw: dict[str, Any], field_name: str) -> None:
    issue = issue_in("closed")
    args: dict[str, Any] = {"reason": "反弹"}
    args.update(kw)
    with pytest.raises(InvalidInput) as refused:
        issue.reopen(ADMIN, today=TODAY, **args)
    assert refused.value.field == field_name
    assert issue.status is Status.CLOSED


def test_a_reopened_issue_goes_round_again() -> None:
    issue = issue_in("reopened")
    issue.submit(HANDLER, summary="再次整改完毕")
    issue.verify(REVIEWER, passed=True)
    assert issue.status is Status.CLOSED
    assert issue.closed_at is not None


# -- reject and merge as duplicate ----------------------------------------------------------------


def test_reject_records_the_reason() -> None:
    issue = issue_in("reported")
    issue.reject(ADMIN, reason="不属于考核反馈问题")
    (event,) = collected(issue)
    assert type(event).__name__ == "Rejected"
    assert event.reason == "不属于考核反馈问题"
    assert issue.status is Status.REJECTED
    assert issue.rejection_reason == "不属于考核反馈问题"
    assert issue.duplicate_of is None
    assert not issue.is_open


def test_reject_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as refused:
        issue_in("reported").reject(ADMIN, reason="")
    assert refused.value.field == "reason"


def test_merge_as_duplicate_points_at_the_original() -> None:
    campaign = new_campaign()
    original = reported(campaign)
    duplicate = reported(campaign, title="同一户危房")
    duplicate.merge_into(ADMIN, original)
    (event,) = collected(duplicate)
    assert type(event).__name__ == "MergedAsDuplicate"
    assert event.duplicate_of == str(original.id)
    assert event.duplicate_of_code == "YC2023-0001"
    assert event.reason == "duplicate of YC2023-0001"
    assert duplicate.status is Status.REJECTED
    assert duplicate.duplicate_of == str(original.id)
    assert duplicate.rejection_reason == "duplicate of YC2023-0001"
    assert collected(original) == []  # the original is not touched


def test_an_issue_may_duplicate_an_assigned_or_closed_one() -> None:
    campaign = new_campaign()
    for path in ("assigned", "closed"):
        original = issue_in(path, campaign)
        duplicate = reported(campaign)
        duplicate.merge_into(ADMIN, original, reason="重复")
        assert duplicate.duplicate_of == str(original.id)


def test_merge_refuses_itself_and_a_rejected_original() -> None:
    campaign = new_campaign()
    issue = reported(campaign)
    with pytest.raises(InvalidInput) as refused:
        issue.merge_into(ADMIN, issue)
    assert refused.value.field == "duplicate_of"
    rejected = issue_in("rejected", campaign)
    with pytest.raises(InvalidInput) as refused:
        issue.merge_into(ADMIN, rejected)
    assert refused.value.field == "duplicate_of"
    assert collected(issue) == []
    assert issue.status is Status.REPORTED


# -- dispute and reassign --------------------------------------------------------------------------


def test_a_dispute_is_recorded_and_cleared_by_reassignment_while_deadlines_stay() -> None:
    issue = issue_in("assigned")
    issue.dispute_assignment(HANDLER, reason="不属于教育局职责")
    (disputed,) = collected(issue)
    assert (disputed.unit, disputed.reason) == (LEAD_UNIT, "不属于教育局职责")
    assert issue.pending_dispute == {"unit": LEAD_UNIT, "reason": "不属于教育局职责"}

    issue.reassign(
        ADMIN, today=TODAY, lead=CO_UNIT, co=[OTHER_UNIT], deadline="2023-11-15", reason="改由属地牵头"
    )
    (reassigned,) = collected(issue)
    assert type(reassigned).__name__ == "Reassigned"
    # C01 keeps its own deadline as the new lead; the new co unit C02 gets the
    # deadline given for it; D01 is no longer assigned.
    assert reassigned.assignments == [
        {"unit": "C01", "role": "lead", "deadline": "2023-10-31"},
        {"unit": "C02", "role": "co", "deadline": "2023-11-15"},
    ]
    assert issue.pending_dispute is None
    assert issue.status is Status.ASSIGNED
    assert issue.deadline == CO_DEADLINE
    # The old lead's handler is out; the new co unit's handler is in.
    with pytest.raises(Forbidden):
        issue.report_progress(HANDLER, note="仍在整改")
    issue.report_progress(OTHER_HANDLER, note="已接手")


def test_reassign_drops_a_pending_extension_of_a_unit_no_longer_assigned() -> None:
    issue = issue_in("assigned_pending_extension")
    issue.reassign(ADMIN, today=TODAY, lead=LEAD_UNIT, co=[], reason="精简配合单位")
    assert issue.pending_extension is not None  # the lead asked, the lead stays
    issue.reassign(ADMIN, today=TODAY, lead=CO_UNIT, co=[], reason="改由属地牵头")
    assert issue.pending_extension is None


@pytest.mark.parametrize(
    ("kw", "field_name"), [({"reason": ""}, "reason"), ({"lead": ""}, "lead"), ({"co": [CO_UNIT]}, "co")]
)
def test_reassign_refuses_invalid_input(kw: dict[str, Any], field_name: str) -> None:
    issue = issue_in("assigned")
    args: dict[str, Any] = {"lead": CO_UNIT, "co": [], "reason": "改派"}
    args.update(kw)
    with pytest.raises(InvalidInput) as refused:
        issue.reassign(ADMIN, today=TODAY, **args)
    assert refused.value.field == field_name
    assert collected(issue) == []


def test_reassign_reports_invalid_units_before_the_lifecycle() -> None:
    issue = issue_in("reported")
    with pytest.raises(InvalidInput) as refused:
        issue.reassign(ADMIN, today=TODAY, lead=CO_UNIT, co=[CO_UNIT], reason="改派")
    assert refused.value.field == "co"
    with pytest.raises(TransitionNotAllowed):
        issue.reassign(ADMIN, today=TODAY, lead=CO_UNIT, co=[], deadline=CO_DEADLINE, reason="改派")


def test_a_dispute_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as refused:
        issue_in("assigned").dispute_assignment(HANDLER, reason="")
    assert refused.value.field == "reason"


# -- progress and evidence -------------------------------------------------------------------------


def test_progress_and_evidence_are_recorded_with_the_unit() -> None:
    issue = issue_in("assigned")
    issue.report_progress(HANDLER, note="已开工")
    issue.attach_evidence(HANDLER, files=[dict(EVIDENCE)], note="现场照片")
    progress, evidence = collected(issue)
    assert (type(progress).__name__, progress.unit, progress.note) == (
        "ProgressReported",
        LEAD_UNIT,
        "已开工",
    )
    assert (type(evidence).__name__, evidence.unit, evidence.note) == (
        "EvidenceAttached",
        LEAD_UNIT,
        "现场照片",
    )
    assert evidence.files == [EVIDENCE]
    assert issue.evidence == [EVIDENCE]
    assert issue.status is Status.ASSIGNED


def test_evidence_accumulates() -> None:
    issue = issue_in("assigned")
    second = {**EVIDENCE, "id": "ev-2", "name": "report.pdf", "storage_key": "ev/ev-2"}
    issue.attach_evidence(HANDLER, files=[dict(EVIDENCE)])
    issue.attach_evidence(CO_HANDLER, files=[second], note="验收报告")
    assert [e["id"] for e in issue.evidence] == ["ev-1", "ev-2"]
    issue.submit(HANDLER, summary="完成")
    issue.verify(REVIEWER, passed=False, note="不全")
    issue.attach_evidence(HANDLER, files=[{**EVIDENCE, "id": "ev-3"}])
    assert [e["id"] for e in issue.evidence] == ["ev-1", "ev-2", "ev-3"]


@pytest.mark.parametrize(
    ("kwargs", "field_name"),
    [
        ({"files": []}, "file"),
        ({"files": [{"id": "x", "name": "a.jpg"}]}, "file"),
        ({"files": [dict(EVIDENCE)], "note": "注" * 5001}, "note"),
    ],
)
def test_evidence_refuses_invalid_metadata(kwargs: dict[str, Any], field_name: str) -> None:
    issue = issue_in("assigned")
    with pytest.raises(InvalidInput) as refused:
        issue.attach_evidence(HANDLER, **kwargs)
    assert refused.value.field == field_name
    assert issue.evidence == []


def test_progress_needs_a_note() -> None:
    with pytest.raises(InvalidInput) as refused:
        issue_in("assigned").report_progress(HANDLER, note="")
    assert refused.value.field == "note"


@pytest.mark.parametrize("actor", [ADMIN, REVIEWER, LEADER, INSPECTOR, CLERK, SYSTEM])
def test_only_handlers_report_progress(actor: Actor) -> None:
    with pytest.raises(Forbidden):
        issue_in("assigned").report_progress(actor, note="代为报告")


# -- extensions: the only way a deadline moves ---------------------------------------------------


def test_an_extension_request_does_not_move_the_deadline() -> None:
    issue = issue_in("assigned")
    issue.request_extension(HANDLER, today=TODAY, deadline="2023-11-30", reason="雨季无法施工")
    (event,) = collected(issue)
    assert type(event).__name__ == "ExtensionRequested"
    assert (event.unit, event.deadline, event.reason, event.units) == (
        LEAD_UNIT,
        "2023-11-30",
        "雨季无法施工",
        [LEAD_UNIT],
    )
    assert issue.pending_extension == {
        "unit": LEAD_UNIT,
        "deadline": "2023-11-30",
        "reason": "雨季无法施工",
        "units": [LEAD_UNIT],
    }
    assert issue.deadline == DEADLINE


def test_a_granted_extension_moves_the_requesting_units_deadline() -> None:
    issue = issue_in("assigned_pending_extension")
    issue.decide_extension(ADMIN, granted=True, note="同意")
    (event,) = collected(issue)
    assert type(event).__name__ == "ExtensionGranted"
    assert (event.unit, event.previous_deadline, event.deadline, event.note) == (
        LEAD_UNIT,
        "2023-09-30",
        "2023-11-30",
        "同意",
    )
    assert issue.deadline == date(2023, 11, 30)
    assert issue.assignment_of(CO_UNIT) == Assignment(CO_UNIT, "co", CO_DEADLINE)  # untouched
    assert issue.pending_extension is None


def test_a_co_units_extension_moves_only_its_own_deadline() -> None:
    issue = issue_in("assigned")
    issue.request_extension(CO_HANDLER, today=TODAY, deadline=date(2023, 12, 31), reason="资金未到位")
    issue.decide_extension(ADMIN, granted=True)
    assert issue.assignment_of(CO_UNIT) == Assignment(CO_UNIT, "co", date(2023, 12, 31))
    assert issue.deadline == DEADLINE


def test_a_refused_extension_leaves_the_deadline() -> None:
    issue = issue_in("assigned_pending_extension")
    issue.decide_extension(ADMIN, granted=False, note="理由不充分")
    (event,) = collected(issue)
    assert type(event).__name__ == "ExtensionRefused"
    assert (event.unit, event.deadline, event.note) == (LEAD_UNIT, "2023-11-30", "理由不充分")
    assert issue.deadline == DEADLINE
    assert issue.pending_extension is None
    # ... and the unit may ask again.
    issue.request_extension(HANDLER, today=TODAY, deadline="2023-10-15", reason="补充理由")
    assert issue.pending_extension is not None


def test_an_extension_may_be_decided_after_submission() -> None:
    issue = issue_in("submitted_pending_extension")
    issue.decide_extension(ADMIN, granted=True)
    assert issue.deadline == date(2023, 11, 30)
    assert issue.status is Status.SUBMITTED


def test_closing_drops_an_undecided_extension_request() -> None:
    # A closed issue cannot have its extension decided; the stale request must
    # neither block a new request after reopening nor be granted later.
    issue = issue_in("submitted_pending_extension")
    issue.verify(REVIEWER, passed=True)
    assert issue.pending_extension is None
    issue.reopen(ADMIN, today=TODAY, reason="回头看反弹", deadline=REOPEN_DEADLINE)
    with pytest.raises(TransitionNotAllowed):
        issue.decide_extension(ADMIN, granted=True)
    assert issue.deadline == REOPEN_DEADLINE
    issue.request_extension(
        HANDLER, today=TODAY, deadline=REOPEN_DEADLINE + timedelta(days=30), reason="再次整改需时"
    )
    assert issue.pending_extension is not None


def test_a_second_request_while_one_is_pending_is_refused() -> None:
    issue = issue_in("assigned_pending_extension")
    for actor in (HANDLER, CO_HANDLER):
        with pytest.raises(TransitionNotAllowed) as refused:
            issue.request_extension(actor, today=TODAY, deadline="2023-12-31", reason="再次申请")
        assert refused.value.status == Status.ASSIGNED
    assert collected(issue) == []
    assert issue.pending_extension is not None
    assert issue.pending_extension["deadline"] == "2023-11-30"


def test_deciding_without_a_request_is_refused() -> None:
    issue = issue_in("assigned")
    with pytest.raises(TransitionNotAllowed) as refused:
        issue.decide_extension(ADMIN, granted=True)
    assert refused.value.status == Status.ASSIGNED
    assert collected(issue) == []


@pytest.mark.parametrize(
    ("kw", "field_name"),
    [
        ({"deadline": DEADLINE}, "deadline"),
        ({"deadline": DEADLINE - timedelta(days=1)}, "deadline"),
        ({"deadline": "31.12.2023"}, "deadline"),
        ({"reason": ""}, "reason"),
    ],
)
def test_an_extension_must_move_the_deadline_later_and_give_a_reason(
    kw: dict[str, Any], field_name: str
) -> None:
    issue = issue_in("assigned")
    args: dict[str, Any] = {"deadline": DEADLINE + timedelta(days=30), "reason": "雨季"}
    args.update(kw)
    with pytest.raises(InvalidInput) as refused:
        issue.request_extension(HANDLER, today=TODAY, **args)
    assert refused.value.field == field_name
    assert issue.pending_extension is None


def test_an_extension_to_an_earlier_date_is_invalid_before_the_lifecycle_is_asked() -> None:
    issue = issue_in("submitted")
    with pytest.raises(InvalidInput) as refused:
        issue.request_extension(HANDLER, today=TODAY, deadline=DEADLINE - timedelta(days=1), reason="x")
    assert refused.value.field == "deadline"
    with pytest.raises(TransitionNotAllowed):
        issue.request_extension(HANDLER, today=TODAY, deadline=DEADLINE + timedelta(days=1), reason="x")


def test_only_an_admin_decides_extensions() -> None:
    for actor in (HANDLER, REVIEWER, LEADER, SYSTEM):
        issue = issue_in("assigned_pending_extension")
        with pytest.raises(Forbidden):
            issue.decide_extension(actor, granted=True)
        assert issue.deadline == DEADLINE


def test_no_other_command_moves_a_deadline() -> None:
    for action, cmd in COMMANDS.items():
        if action in (Action.DECIDE_EXTENSION, Action.REASSIGN, Action.ASSIGN):
            continue
        for path, (_, status) in PATHS.items():
            if status not in TRANSITIONS[action] or not _usable(cmd, path) or status is Status.REPORTED:
                continue
            issue = issue_in(path)
            before = [(a.unit, a.deadline) for a in issue.assignments]
            cmd.run(issue, cmd.actor)
            assert [(a.unit, a.deadline) for a in issue.assignments] == before, (action, path)


# -- deadline warned, missed, overdue, supervision letter ---------------------------------------


def test_a_deadline_is_warned_once() -> None:
    issue = issue_in("assigned")
    assert issue.warn_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 9, 27)) is True
    (event,) = collected(issue)
    assert type(event).__name__ == "DeadlineWarned"
    assert (event.unit, event.deadline, event.days_left) == (LEAD_UNIT, "2023-09-30", 3)
    assert event.actor == SYSTEM.as_record()
    assert issue.warn_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 9, 28)) is False
    assert collected(issue) == []
    # Another unit's deadline is warned on its own.
    assert issue.warn_deadline(SYSTEM, unit=CO_UNIT, today=date(2023, 10, 30)) is True
    assert collected(issue)[0].deadline == "2023-10-31"
    # A unit that is not assigned is never warned.
    assert issue.warn_deadline(SYSTEM, unit=OTHER_UNIT, today=date(2023, 9, 27)) is False
    assert collected(issue) == []


def test_a_deadline_is_missed_from_the_next_day_once_and_makes_the_issue_overdue() -> None:
    issue = issue_in("assigned")
    assert issue.miss_deadline(SYSTEM, unit=LEAD_UNIT, today=DEADLINE) is False
    assert not issue.overdue
    assert issue.miss_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 10, 1)) is True
    (event,) = collected(issue)
    assert type(event).__name__ == "DeadlineMissed"
    assert (event.unit, event.deadline) == (LEAD_UNIT, "2023-09-30")
    assert issue.overdue
    assert issue.miss_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 10, 2)) is False
    assert issue.miss_deadline(SYSTEM, unit=OTHER_UNIT, today=date(2023, 10, 2)) is False
    assert collected(issue) == []
    # Still overdue while submitted (open), no longer once closed.
    issue.submit(HANDLER, summary="完成")
    assert issue.overdue
    issue.verify(REVIEWER, passed=True)
    assert not issue.overdue


def test_a_co_units_missed_deadline_makes_the_issue_overdue() -> None:
    issue = issue_in("assigned")
    issue.miss_deadline(SYSTEM, unit=CO_UNIT, today=CO_DEADLINE + timedelta(days=1))
    assert issue.overdue


def test_a_granted_extension_clears_overdue_and_the_new_deadline_is_warned_and_missed_again() -> None:
    issue = issue_in("assigned")
    issue.warn_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 9, 28))
    issue.miss_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 10, 1))
    issue.request_extension(HANDLER, today=TODAY, deadline="2023-10-20", reason="延期")
    issue.decide_extension(ADMIN, granted=True)
    assert not issue.overdue
    assert issue.warn_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 10, 18)) is True
    assert issue.miss_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 10, 21)) is True
    assert issue.overdue


def test_a_reopened_issue_with_a_missed_deadline_is_overdue_again() -> None:
    issue = issue_in("assigned")
    issue.miss_deadline(SYSTEM, unit=LEAD_UNIT, today=date(2023, 10, 1))
    issue.submit(HANDLER, summary="完成")
    issue.verify(REVIEWER, passed=True)
    assert not issue.overdue
    issue.reopen(ADMIN, today=TODAY, reason="反弹")
    assert issue.overdue  # the same deadline, recorded missed, and open again
    # A new deadline on reopening is not missed yet.
    issue.submit(HANDLER, summary="完成")
    issue.verify(REVIEWER, passed=True)
    issue.reopen(ADMIN, today=TODAY, reason="再次反弹", deadline=REOPEN_DEADLINE)
    assert not issue.overdue


def test_a_supervision_letter_is_recorded_on_the_issue() -> None:
    issue = issue_in("assigned")
    assert not issue.supervised_for(LEAD_UNIT)
    issue.issue_supervision_letter(ADMIN, unit=LEAD_UNIT, letter=LETTER)
    (event,) = collected(issue)
    assert type(event).__name__ == "SupervisionLetterIssued"
    assert (event.unit, event.letter) == (LEAD_UNIT, LETTER)
    assert issue.letters == [{"unit": LEAD_UNIT, **LETTER}]
    assert issue.supervised_for(LEAD_UNIT)
    assert not issue.supervised_for(CO_UNIT)
    # A letter covers one deadline: a granted extension needs a new letter.
    issue.request_extension(HANDLER, today=TODAY, deadline="2023-10-20", reason="延期")
    issue.decide_extension(ADMIN, granted=True)
    assert not issue.supervised_for(LEAD_UNIT)


def test_a_supervision_letter_names_an_assigned_unit() -> None:
    issue = issue_in("assigned")
    with pytest.raises(InvalidInput) as refused:
        issue.issue_supervision_letter(SYSTEM, unit=OTHER_UNIT, letter=LETTER)
    assert refused.value.field == "unit"
    assert issue.letters == []


@pytest.mark.parametrize("action", [Action.WARN_DEADLINE, Action.MISS_DEADLINE])
@pytest.mark.parametrize("actor", [ADMIN, HANDLER, REVIEWER, LEADER])
def test_only_the_system_records_deadline_facts(action: Action, actor: Actor) -> None:
    issue = issue_in("assigned")
    with pytest.raises(Forbidden):
        COMMANDS[action].run(issue, actor)
    assert not issue.overdue
    assert issue.warned == set()


# -- comments and instructions -------------------------------------------------------------------


@pytest.mark.parametrize("path", list(PATHS))
def test_anyone_comments_in_any_status_without_changing_it(path: str) -> None:
    for actor in (ADMIN, INSPECTOR, CLERK, HANDLER, OTHER_HANDLER, REVIEWER):
        issue = issue_in(path)
        state = {k: v for k, v in vars(issue).items() if k not in ("_version", "_modified_on")}
        issue.comment(actor, text="请加快进度")
        (event,) = collected(issue)
        assert type(event).__name__ == "CommentAdded"
        assert (event.text, event.instruction) == ("请加快进度", False)
        assert event.actor == actor.as_record()
        assert {k: v for k, v in vars(issue).items() if k not in ("_version", "_modified_on")} == state


@pytest.mark.parametrize("path", list(PATHS))
def test_a_leaders_comment_is_an_instruction(path: str) -> None:
    issue = issue_in(path)
    issue.comment(LEADER, text="务必按期整改到位")
    (event,) = collected(issue)
    assert event.instruction is True
    assert event.actor["role"] == "leader"


def test_a_comment_needs_text() -> None:
    with pytest.raises(InvalidInput) as refused:
        issue_in("assigned").comment(LEADER, text="  ")
    assert refused.value.field == "text"


@pytest.mark.parametrize(
    "command",
    [
        lambda i: i.assign(LEADER, today=TODAY, lead=LEAD_UNIT, deadline=DEADLINE),
        lambda i: i.reject(LEADER, reason="x"),
        lambda i: i.reclassify(
            LEADER, new_campaign(), aspect="A02", category="A02C01", severity="general", key=False, reason="x"
        ),
    ],
)
def test_a_leader_changes_nothing_else(command: Callable[[Issue], None]) -> None:
    issue = issue_in("reported")
    with pytest.raises(Forbidden):
        command(issue)
    assert collected(issue) == []


# -- every event names its actor -------------------------------------------------------------------


@pytest.mark.parametrize("path", list(PATHS))
def test_every_event_of_every_path_records_its_actor(path: str) -> None:
    steps, _ = PATHS[path]
    issue = reported()
    for step in steps:
        step(issue)
    issue.comment(LEADER, text="批示")
    for event in collected(issue):
        assert set(event.actor) == {"user_id", "username", "role", "unit"}
        assert event.actor["role"] in {r.value for r in Role}
        assert event.actor["username"]
