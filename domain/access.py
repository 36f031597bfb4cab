"""Who may do what: the role table and the unit-scope rules.

The rules that need only the actor and the issue are decided here; the rules
that need the org tree take a ``within(unit, ancestor)`` function, which the
services answer from the ``Unit`` aggregates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from domain.actor import Actor, Role
from domain.errors import Forbidden
from domain.lifecycle import Action

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
        raise Forbidden(f"only the user who reported the issue may {action}")


def may_see(actor: Actor, location: str, assigned_units: Iterable[str], within: Within) -> bool:
    """Admin, leader, inspector and the system see everything; a reviewer what
    is located in or assigned to its subtree; a clerk what is located in its
    subtree; a handler what is assigned to its unit or a unit below it."""
    role = actor.role
    if role in (Role.ADMIN, Role.LEADER, Role.INSPECTOR, Role.SYSTEM):
        return True
    located = within(location, actor.unit)
    if role is Role.CLERK:
        return located
    assigned = any(within(unit, actor.unit) for unit in assigned_units)
    if role is Role.HANDLER:
        return assigned
    if role is Role.REVIEWER:
        return located or assigned
    return False


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
