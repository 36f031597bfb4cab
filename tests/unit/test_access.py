"""The role table and the unit-scope rules (``domain.access``), with an in-memory org tree."""

from __future__ import annotations

import pytest

from domain.access import (
    ASSIGNEE_ACTIONS,
    REPORT,
    ROLE_ACTIONS,
    VISIBILITY,
    Scope,
    allowed_actions,
    check_assignee,
    check_role,
    may_report_at,
    may_see,
    visibility,
)
from domain.actor import Actor, Role, system_actor
from domain.errors import Forbidden, TransitionNotAllowed
from domain.lifecycle import Action, next_status
from tests.unit import builders as b

#: child -> parent: city C; counties C01, C02 with a township and a village
#: each; department D01 and the office OFF beside them.
PARENT: dict[str, str | None] = {
    "C": None,
    "OFF": "C",
    "D01": "C",
    "C01": "C",
    "C01T1": "C01",
    "C01T1V1": "C01T1",
    "C01T2": "C01",
    "C02": "C",
    "C02T1": "C02",
    "C02T1V1": "C02T1",
}


def within(unit: str, ancestor: str) -> bool:
    """``unit`` is ``ancestor`` or below it (unknown units are within nothing else)."""
    current: str | None = unit
    while current is not None:
        if current == ancestor:
            return True
        current = PARENT.get(current)
    return False


def actor(role: Role, unit: str) -> Actor:
    return Actor(f"u-{role}-{unit}", f"{role}-{unit}".lower(), role, unit)


def test_the_in_memory_tree_answers_subtree_questions() -> None:
    assert within("C01T1V1", "C01T1V1")
    assert within("C01T1V1", "C01")
    assert within("C01T1V1", "C")
    assert not within("C01", "C01T1V1")
    assert not within("C02T1V1", "C01")
    assert not within("D01", "C01")


# -- the role table ---------------------------------------------------------------

EXPECTED_ROLE_ACTIONS: dict[Role, set[str]] = {
    Role.ADMIN: {
        REPORT,
        "attach_discovery_evidence",
        "reclassify",
        "assign",
        "reassign",
        "reject",
        "merge_as_duplicate",
        "decide_extension",
        "reopen",
        "issue_supervision_letter",
        "comment",
    },
    Role.INSPECTOR: {REPORT, "attach_discovery_evidence", "comment"},
    Role.CLERK: {REPORT, "attach_discovery_evidence", "comment"},
    Role.HANDLER: {
        "dispute_assignment",
        "report_progress",
        "attach_evidence",
        "request_extension",
        "submit",
        "comment",
    },
    Role.REVIEWER: {"pass_verification", "fail_verification", "reopen", "comment"},
    Role.LEADER: {"comment"},
    Role.SYSTEM: {"warn_deadline", "miss_deadline", "issue_supervision_letter"},
}


def test_the_role_table_is_pinned() -> None:
    assert set(ROLE_ACTIONS) == set(Role)
    assert {role: set(actions) for role, actions in ROLE_ACTIONS.items()} == EXPECTED_ROLE_ACTIONS


def test_every_action_belongs_to_some_role() -> None:
    granted = set().union(*ROLE_ACTIONS.values())
    assert {str(a) for a in Action} <= granted
    assert granted - {str(a) for a in Action} == {REPORT}


def test_the_contracts_who_may_do_what() -> None:
    def roles(action: str) -> set[Role]:
        return {r for r, actions in ROLE_ACTIONS.items() if action in actions}

    assert roles(Action.ASSIGN) == {Role.ADMIN}
    assert roles(Action.REASSIGN) == {Role.ADMIN}
    assert roles(Action.REJECT) == {Role.ADMIN}
    assert roles(Action.DECIDE_EXTENSION) == {Role.ADMIN}
    assert roles(Action.REOPEN) == {Role.ADMIN, Role.REVIEWER}
    assert roles(Action.PASS_VERIFICATION) == roles(Action.FAIL_VERIFICATION) == {Role.REVIEWER}
    assert roles(REPORT) == {Role.ADMIN, Role.INSPECTOR, Role.CLERK}
    for action in ASSIGNEE_ACTIONS:
        assert roles(action) == {Role.HANDLER}
    # Anyone who sees a problem may comment (every human role).
    assert roles(Action.COMMENT) == set(Role) - {Role.SYSTEM}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", [REPORT, *Action])
def test_check_role_follows_the_table(role: Role, action: str) -> None:
    someone = actor(role, "C01")
    if action in EXPECTED_ROLE_ACTIONS[role]:
        check_role(someone, action)
    else:
        with pytest.raises(Forbidden, match=str(role)):
            check_role(someone, action)


def test_assignee_actions_are_the_handlers_work() -> None:
    assert {str(a) for a in ASSIGNEE_ACTIONS} == {
        "dispute_assignment",
        "report_progress",
        "attach_evidence",
        "request_extension",
        "submit",
    }


@pytest.mark.parametrize("action", sorted(ASSIGNEE_ACTIONS))
def test_check_assignee_needs_the_actors_own_unit_among_the_assigned(action: Action) -> None:
    check_assignee(actor(Role.HANDLER, "D01"), action, ["D01", "C01"])
    check_assignee(actor(Role.HANDLER, "C01"), action, ("D01", "C01"))
    for unit in ("C02", "C", "C01T1"):
        # Neither an unrelated unit nor a parent or child of an assigned unit.
        with pytest.raises(Forbidden):
            check_assignee(actor(Role.HANDLER, unit), action, ["D01", "C01"])
    with pytest.raises(Forbidden):
        check_assignee(actor(Role.HANDLER, "D01"), action, [])


@pytest.mark.parametrize("action", sorted(set(Action) - ASSIGNEE_ACTIONS))
def test_check_assignee_ignores_other_actions(action: Action) -> None:
    check_assignee(actor(Role.ADMIN, "OFF"), action, [])
    check_assignee(actor(Role.HANDLER, "C02"), action, ["D01"])


# -- who sees what ---------------------------------------------------------------------

# (location, assigned units) of a few problems
IN_C01_VILLAGE = ("C01T1V1", ())
IN_C01_VILLAGE_TO_D01 = ("C01T1V1", ("D01",))
IN_C02_VILLAGE_TO_C01_TOWNSHIP = ("C02T1V1", ("C01T1", "D01"))
IN_C02_VILLAGE_TO_D01 = ("C02T1V1", ("D01",))
AT_CITY_TO_C02 = ("C", ("C02",))

PROBLEMS = {
    "in-c01-village": IN_C01_VILLAGE,
    "in-c01-village-to-d01": IN_C01_VILLAGE_TO_D01,
    "in-c02-village-to-c01-township": IN_C02_VILLAGE_TO_C01_TOWNSHIP,
    "in-c02-village-to-d01": IN_C02_VILLAGE_TO_D01,
    "at-city-to-c02": AT_CITY_TO_C02,
}

# (role, unit) -> the problems it sees
SEES: list[tuple[Role, str, set[str]]] = [
    (Role.ADMIN, "OFF", set(PROBLEMS)),
    (Role.LEADER, "C", set(PROBLEMS)),
    (Role.INSPECTOR, "OFF", set(PROBLEMS)),
    (Role.SYSTEM, "", set(PROBLEMS)),
    # a reviewer: located in or assigned to its subtree
    (Role.REVIEWER, "C01", {"in-c01-village", "in-c01-village-to-d01", "in-c02-village-to-c01-township"}),
    (Role.REVIEWER, "C02", {"in-c02-village-to-c01-township", "in-c02-village-to-d01", "at-city-to-c02"}),
    (Role.REVIEWER, "C", set(PROBLEMS)),
    (
        Role.REVIEWER,
        "D01",
        {"in-c01-village-to-d01", "in-c02-village-to-c01-township", "in-c02-village-to-d01"},
    ),
    # a clerk: located in its subtree only
    (Role.CLERK, "C01T1V1", {"in-c01-village", "in-c01-village-to-d01"}),
    (Role.CLERK, "C01", {"in-c01-village", "in-c01-village-to-d01"}),
    (Role.CLERK, "C02T1", {"in-c02-village-to-c01-township", "in-c02-village-to-d01"}),
    (Role.CLERK, "C", set(PROBLEMS)),
    # a handler: assigned to its unit or a unit below it, wherever located
    (
        Role.HANDLER,
        "D01",
        {"in-c01-village-to-d01", "in-c02-village-to-c01-township", "in-c02-village-to-d01"},
    ),
    (Role.HANDLER, "C01", {"in-c02-village-to-c01-township"}),
    (Role.HANDLER, "C01T1", {"in-c02-village-to-c01-township"}),
    (Role.HANDLER, "C01T1V1", set()),
    (Role.HANDLER, "C02", {"at-city-to-c02"}),
    (
        Role.HANDLER,
        "C",
        {
            "in-c01-village-to-d01",
            "in-c02-village-to-c01-township",
            "in-c02-village-to-d01",
            "at-city-to-c02",
        },
    ),
]


@pytest.mark.parametrize(("role", "unit", "expected"), SEES, ids=[f"{r}-{u}" for r, u, _ in SEES])
def test_may_see(role: Role, unit: str, expected: set[str]) -> None:
    someone = actor(role, unit) if role is not Role.SYSTEM else system_actor()
    seen = {
        name
        for name, (location, assigned) in PROBLEMS.items()
        if may_see(someone, location, assigned, within)
    }
    assert seen == expected


def test_a_handler_never_sees_a_problem_only_located_in_its_unit() -> None:
    assert not may_see(actor(Role.HANDLER, "C01T1V1"), "C01T1V1", [], within)
    assert may_see(actor(Role.HANDLER, "C01T1V1"), "C01T1V1", ["C01T1V1"], within)


def test_an_unknown_role_sees_nothing() -> None:
    stranger = Actor("u-x", "x", "stranger", "C")  # type: ignore[arg-type]
    assert not may_see(stranger, "C", ["C"], within)


# -- who reports where -----------------------------------------------------------------


@pytest.mark.parametrize("location", list(PARENT))
def test_admins_and_inspectors_report_anywhere(location: str) -> None:
    assert may_report_at(actor(Role.ADMIN, "OFF"), location, within)
    assert may_report_at(actor(Role.INSPECTOR, "OFF"), location, within)


@pytest.mark.parametrize("location", list(PARENT))
@pytest.mark.parametrize("role", [Role.HANDLER, Role.REVIEWER, Role.LEADER, Role.SYSTEM])
def test_other_roles_report_nowhere(role: Role, location: str) -> None:
    assert not may_report_at(actor(role, "C"), location, within)


@pytest.mark.parametrize(
    ("clerk_unit", "allowed"),
    [
        ("C01T1V1", {"C01T1V1"}),
        ("C01T1", {"C01T1", "C01T1V1"}),
        ("C01", {"C01", "C01T1", "C01T1V1", "C01T2"}),
        ("C", set(PARENT)),
    ],
)
def test_a_clerk_reports_inside_its_own_subtree(clerk_unit: str, allowed: set[str]) -> None:
    clerk = actor(Role.CLERK, clerk_unit)
    assert {loc for loc in PARENT if may_report_at(clerk, loc, within)} == allowed


# -- the visibility table -------------------------------------------------------------


def test_the_visibility_table_is_the_contracts_who_sees_what() -> None:
    expected = {
        Role.ADMIN: {Scope.EVERYTHING},
        Role.LEADER: {Scope.EVERYTHING},
        Role.INSPECTOR: {Scope.EVERYTHING},
        Role.SYSTEM: {Scope.EVERYTHING},
        Role.REVIEWER: {Scope.LOCATED, Scope.ASSIGNED},
        Role.CLERK: {Scope.LOCATED},
        Role.HANDLER: {Scope.ASSIGNED},
    }
    assert expected == VISIBILITY
    assert visibility("stranger") == frozenset()  # type: ignore[arg-type]


def test_may_see_follows_the_visibility_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """may_see reads the table: give the clerk the handler's row and it sees as a handler does."""
    clerk = actor(Role.CLERK, "C01")
    assert may_see(clerk, "C01T1V1", [], within)
    assert not may_see(clerk, "C02T1V1", ["C01T1"], within)
    monkeypatch.setitem(VISIBILITY, Role.CLERK, frozenset({Scope.ASSIGNED}))
    assert not may_see(clerk, "C01T1V1", [], within)
    assert may_see(clerk, "C02T1V1", ["C01T1"], within)


# -- what an actor may do now (the UI's buttons) ------------------------------------------

A = Action
HANDLER_WORK = {A.DISPUTE_ASSIGNMENT, A.REPORT_PROGRESS, A.ATTACH_EVIDENCE, A.REQUEST_EXTENSION, A.SUBMIT}
#: (issue path, actor) -> the actions allowed now. The issue is located in
#: C01T1V1, led by D01 (HANDLER) with co unit C01 (CO_HANDLER); HANDLER submits.
ALLOWED: list[tuple[str, Actor, set[Action]]] = [
    ("reported", b.ADMIN, {A.RECLASSIFY, A.ASSIGN, A.REJECT, A.MERGE_AS_DUPLICATE, A.COMMENT}),
    ("reported", b.CLERK, {A.COMMENT}),
    ("reported", b.REVIEWER, {A.COMMENT}),
    ("reported", b.LEADER, {A.COMMENT}),
    ("reported", b.HANDLER, set()),  # not assigned yet: it cannot even see it
    (
        "assigned",
        b.ADMIN,
        {A.RECLASSIFY, A.REASSIGN, A.DECIDE_EXTENSION, A.ISSUE_SUPERVISION_LETTER, A.COMMENT},
    ),
    (
        "assigned",
        b.HANDLER,
        {
            A.DISPUTE_ASSIGNMENT,
            A.REPORT_PROGRESS,
            A.ATTACH_EVIDENCE,
            A.REQUEST_EXTENSION,
            A.SUBMIT,
            A.COMMENT,
        },
    ),
    (
        "assigned",
        b.CO_HANDLER,
        {
            A.DISPUTE_ASSIGNMENT,
            A.REPORT_PROGRESS,
            A.ATTACH_EVIDENCE,
            A.REQUEST_EXTENSION,
            A.SUBMIT,
            A.COMMENT,
        },
    ),
    ("assigned", b.OTHER_HANDLER, set()),
    ("assigned", b.REVIEWER, {A.COMMENT}),
    ("assigned", b.INSPECTOR, {A.COMMENT}),
    ("assigned", b.LEADER, {A.COMMENT}),
    ("assigned", b.SYSTEM, {A.WARN_DEADLINE, A.MISS_DEADLINE, A.ISSUE_SUPERVISION_LETTER}),
    ("submitted", b.REVIEWER, {A.PASS_VERIFICATION, A.FAIL_VERIFICATION, A.COMMENT}),
    ("submitted", b.OTHER_REVIEWER, {A.PASS_VERIFICATION, A.FAIL_VERIFICATION, A.COMMENT}),
    ("submitted", b.SUBMITTER_AS_REVIEWER, {A.COMMENT}),  # the verifier is never the submitter
    ("submitted", b.HANDLER, {A.COMMENT}),
    ("submitted", b.ADMIN, {A.RECLASSIFY, A.DECIDE_EXTENSION, A.COMMENT}),
    ("closed", b.ADMIN, {A.REOPEN, A.COMMENT}),
    ("closed", b.REVIEWER, {A.REOPEN, A.COMMENT}),
    ("closed", b.HANDLER, {A.COMMENT}),
    ("rejected", b.ADMIN, {A.COMMENT}),
    ("rejected", b.CLERK, {A.COMMENT}),
]


@pytest.mark.parametrize(
    ("path", "who", "expected"), ALLOWED, ids=[f"{p}-{w.username}" for p, w, _ in ALLOWED]
)
def test_allowed_actions(path: str, who: Actor, expected: set[Action]) -> None:
    assert allowed_actions(who, b.issue_in(path), within) == expected


def test_allowed_actions_are_those_the_guard_and_the_lifecycle_let_through() -> None:
    """Every allowed action passes the issue's guard and has a transition in
    the current status; every other action of a visible issue fails one of them."""
    for path in b.PATHS:
        issue = b.issue_in(path)
        for who in (b.ADMIN, b.HANDLER, b.CO_HANDLER, b.REVIEWER, b.SUBMITTER_AS_REVIEWER, b.CLERK):
            if not may_see(who, issue.unit, issue.assigned_units, within):
                assert allowed_actions(who, issue, within) == frozenset()
                continue
            allowed = allowed_actions(who, issue, within)
            for action in Action:
                try:
                    issue.authorize(who, action)
                    next_status(issue.status, action)
                    passes = True
                except (Forbidden, TransitionNotAllowed):
                    passes = False
                assert (action in allowed) is passes, (path, who.username, action)
