"""Who may do what: the role table and the unit-scope rules.

The rules that need only the actor and the issue are decided here; the rules
that need the org tree take a ``within(unit, ancestor)`` function, which the
services answer from the ``Unit`` aggregates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Final, Protocol

from domain.actor import Actor, Role
from domain.errors import Forbidden
from domain.lifecycle import Action, Status, is_allowed

#: Reporting a new problem is not a transition of an existing issue.
REPORT: Final = "report"

Within = Callable[[str, str], bool]

ROLE_ACTIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {
            REPORT,
            Action.ATTACH_DISCOVERY_EVIDENCE,
            Action.RECLASSIFY,
            Action.ASSIGN,
            Action.REASSIGN,
            Action.REJECT,
            Action.MERGE_AS_DUPLICATE,
            Action.DECIDE_EXTENSION,
            Action.REOPEN,
            Action.ISSUE_SUPERVISION_LETTER,
            Action.COMMENT,
        }
    ),
    Role.INSPECTOR: frozenset({REPORT, Action.ATTACH_DISCOVERY_EVIDENCE, Action.COMMENT}),
    Role.CLERK: frozenset({REPORT, Action.ATTACH_DISCOVERY_EVIDENCE, Action.COMMENT}),
    Role.HANDLER: frozenset(
        {
            Action.DISPUTE_ASSIGNMENT,
            Action.REPORT_PROGRESS,
            Action.ATTACH_EVIDENCE,
            Action.REQUEST_EXTENSION,
            Action.SUBMIT,
            Action.COMMENT,
        }
    ),
    Role.REVIEWER: frozenset(
        {Action.PASS_VERIFICATION, Action.FAIL_VERIFICATION, Action.REOPEN, Action.COMMENT}
    ),
    # A leader reads everything; a comment from a leader is an instruction (批示).
    Role.LEADER: frozenset({Action.COMMENT}),
    Role.SYSTEM: frozenset({Action.WARN_DEADLINE, Action.MISS_DEADLINE, Action.ISSUE_SUPERVISION_LETTER}),
}

#: Actions a handler may take only for a unit the issue is assigned to.
ASSIGNEE_ACTIONS = frozenset(
    {
        Action.DISPUTE_ASSIGNMENT,
        Action.REPORT_PROGRESS,
        Action.ATTACH_EVIDENCE,
        Action.REQUEST_EXTENSION,
        Action.SUBMIT,
    }
)


#: Actions only the user who reported the issue may take (photos from the site).
REPORTER_ACTIONS = frozenset({Action.ATTACH_DISCOVERY_EVIDENCE})


def check_role(actor: Actor, action: str) -> None:
    if action not in ROLE_ACTIONS.get(actor.role, frozenset()):
        raise Forbidden(
            f"the role {actor.role} may not {action}",
            code="role_forbidden",
            params={"role": str(actor.role), "action": str(action)},
        )


def check_assignee(actor: Actor, action: str, assigned_units: Iterable[str]) -> None:
    if action in ASSIGNEE_ACTIONS and actor.unit not in set(assigned_units):
        raise Forbidden(
            f"only handlers of the lead or a co unit may {action}",
            code="not_assignee",
            params={"action": str(action)},
        )


def check_reporter(actor: Actor, action: str, reporter_id: str) -> None:
    if action in REPORTER_ACTIONS and actor.user_id != reporter_id:
        raise Forbidden(
            f"only the user who reported the issue may {action}",
            code="not_reporter",
            params={"action": action},
        )


class Scope(StrEnum):
    """How an issue relates to the caller's unit subtree."""

    EVERYTHING = "everything"  # any issue, wherever it is
    LOCATED = "located"  # the issue's location is the caller's unit or below it
    ASSIGNED = "assigned"  # a lead or co unit of the issue is the caller's unit or below it


#: Who sees what (CONTRACT.md): per role, the relations that make an issue
#: visible; a role not listed sees nothing. ``may_see`` decides from it, and
#: the read model's SQL filters are generated from it
#: (``services/read_model/queries.py: visible``).
VISIBILITY: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset({Scope.EVERYTHING}),
    Role.LEADER: frozenset({Scope.EVERYTHING}),
    Role.INSPECTOR: frozenset({Scope.EVERYTHING}),
    Role.SYSTEM: frozenset({Scope.EVERYTHING}),
    Role.REVIEWER: frozenset({Scope.LOCATED, Scope.ASSIGNED}),
    Role.CLERK: frozenset({Scope.LOCATED}),
    Role.HANDLER: frozenset({Scope.ASSIGNED}),
}


def visibility(role: Role) -> frozenset[Scope]:
    return VISIBILITY.get(role, frozenset())


def may_see(actor: Actor, location: str, assigned_units: Iterable[str], within: Within) -> bool:
    """Whether one of the relations :data:`VISIBILITY` gives the actor's role
    holds between the issue and the actor's unit subtree."""
    scopes = visibility(actor.role)
    if Scope.EVERYTHING in scopes:
        return True
    if Scope.LOCATED in scopes and within(location, actor.unit):
        return True
    return Scope.ASSIGNED in scopes and any(within(unit, actor.unit) for unit in assigned_units)


class ActsOn(Protocol):
    """What :func:`allowed_actions` reads of an issue (``domain.issue.Issue``)."""

    @property
    def status(self) -> Status: ...

    @property
    def unit(self) -> str: ...

    @property
    def assigned_units(self) -> tuple[str, ...]: ...

    def authorize(self, actor: Actor, action: Action) -> None: ...


def offered(actor: Actor, status: Status, action: Action) -> bool:
    """The actor's role may take ``action`` and the lifecycle allows it in
    ``status``: what a list may offer on many problems at once without
    loading each (the command checks the rest, as :func:`allowed_actions` does)."""
    return action in ROLE_ACTIONS.get(actor.role, frozenset()) and is_allowed(status, action)


def allowed_actions(actor: Actor, issue: ActsOn, within: Within) -> frozenset[Action]:
    """The actions ``actor`` may take on ``issue`` now (which buttons the UI
    shows): the issue is visible to it (:data:`VISIBILITY`), its role may
    (:data:`ROLE_ACTIONS`, and the issue's own rules: the assignee and
    verifier checks of ``authorize``), and the lifecycle allows the action
    in the current status (``domain.lifecycle.TRANSITIONS``). Checks of the
    input (a deadline, a waiting extension request) are left to the command."""
    if not may_see(actor, issue.unit, issue.assigned_units, within):
        return frozenset()
    allowed = set()
    for action in Action:
        if not offered(actor, issue.status, action):
            continue
        try:
            issue.authorize(actor, action)
        except Forbidden:
            continue
        allowed.add(action)
    return frozenset(allowed)


def may_report_at(actor: Actor, location: str, within: Within) -> bool:
    """A clerk reports inside its own unit's subtree; inspectors and admins anywhere."""
    if actor.role is Role.CLERK:
        return within(location, actor.unit)
    return REPORT in ROLE_ACTIONS.get(actor.role, frozenset())


# -- administration: the org tree, accounts and campaigns -------------------------------
MANAGE_UNITS: Final = "manage_units"
MANAGE_USERS: Final = "manage_users"
MANAGE_CAMPAIGNS: Final = "manage_campaigns"
LIST_USERS: Final = "list_users"

#: Who may take each administrative action (the command line acts as the system).
ADMIN_ACTIONS: dict[str, frozenset[Role]] = {
    MANAGE_UNITS: frozenset({Role.ADMIN, Role.SYSTEM}),
    MANAGE_USERS: frozenset({Role.ADMIN, Role.SYSTEM}),
    MANAGE_CAMPAIGNS: frozenset({Role.ADMIN, Role.SYSTEM}),
    LIST_USERS: frozenset({Role.ADMIN, Role.LEADER, Role.SYSTEM}),
}


def check_admin(actor: Actor, action: str) -> None:
    """403 unless the actor's role may take the administrative ``action``."""
    if actor.role not in ADMIN_ACTIONS.get(action, frozenset()):
        raise Forbidden(
            f"the role {actor.role} may not {action.replace('_', ' ')}",
            code="role_forbidden",
            params={"role": str(actor.role), "action": action},
        )


def check_may_read_user(actor: Actor, username: str) -> None:
    """A user reads its own account; admins and leaders read every account."""
    if actor.username != username.strip().lower():
        check_admin(actor, LIST_USERS)
