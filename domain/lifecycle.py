"""The issue lifecycle in one table.

Every command on an :class:`~domain.issue.Issue` names its :class:`Action`; the
aggregate asks :func:`next_status` before it records anything, and the
projection uses the same table to follow status changes, so this file is the
only place where the lifecycle is written down::

    reported(待交办) -> assigned(整改中) -> submitted(待验收) -> closed(已销号)
                           ^                    |                  |
                           +---- returned(退回) -+                  +-> reopened -> assigned
    reported -> rejected (不予立项 / merged as duplicate)
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import TransitionNotAllowed


class Status(StrEnum):
    REPORTED = "reported"
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"
    CLOSED = "closed"
    REJECTED = "rejected"


OPEN_STATUSES = frozenset({Status.REPORTED, Status.ASSIGNED, Status.SUBMITTED})


class Action(StrEnum):
    RECLASSIFY = "reclassify"
    ASSIGN = "assign"
    DISPUTE_ASSIGNMENT = "dispute_assignment"
    REASSIGN = "reassign"
    REPORT_PROGRESS = "report_progress"
    ATTACH_EVIDENCE = "attach_evidence"
    ATTACH_DISCOVERY_EVIDENCE = "attach_discovery_evidence"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    WARN_DEADLINE = "warn_deadline"
    MISS_DEADLINE = "miss_deadline"
    ISSUE_SUPERVISION_LETTER = "issue_supervision_letter"
    SUBMIT = "submit"
    PASS_VERIFICATION = "pass_verification"
    FAIL_VERIFICATION = "fail_verification"
    REOPEN = "reopen"
    REJECT = "reject"
    MERGE_AS_DUPLICATE = "merge_as_duplicate"
    COMMENT = "comment"


R, A, S, C, X = (
    Status.REPORTED,
    Status.ASSIGNED,
    Status.SUBMITTED,
    Status.CLOSED,
    Status.REJECTED,
)

#: action -> {status before: status after}. A status missing from an action's
#: row means the lifecycle forbids that action in that status.
TRANSITIONS: dict[Action, dict[Status, Status]] = {
    Action.RECLASSIFY: {R: R, A: A, S: S},
    Action.ASSIGN: {R: A},
    Action.DISPUTE_ASSIGNMENT: {A: A},
    Action.REASSIGN: {A: A},
    Action.REPORT_PROGRESS: {A: A},
    Action.ATTACH_EVIDENCE: {A: A},
    Action.ATTACH_DISCOVERY_EVIDENCE: {R: R},
    Action.REQUEST_EXTENSION: {A: A},
    Action.DECIDE_EXTENSION: {A: A, S: S},
    Action.WARN_DEADLINE: {A: A},
    Action.MISS_DEADLINE: {A: A},
    Action.ISSUE_SUPERVISION_LETTER: {A: A},
    Action.SUBMIT: {A: S},
    Action.PASS_VERIFICATION: {S: C},
    Action.FAIL_VERIFICATION: {S: A},
    Action.REOPEN: {C: A},
    Action.REJECT: {R: X},
    Action.MERGE_AS_DUPLICATE: {R: X},
    Action.COMMENT: {R: R, A: A, S: S, C: C, X: X},
}


def next_status(status: Status, action: Action) -> Status:
    """The status after ``action``, or :class:`TransitionNotAllowed`."""
    try:
        return TRANSITIONS[action][status]
    except KeyError:
        raise TransitionNotAllowed(str(action), str(status)) from None


def is_allowed(status: Status, action: Action) -> bool:
    return status in TRANSITIONS[action]
