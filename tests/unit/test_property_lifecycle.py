"""Random command sequences by random actors never break the lifecycle's invariants.

A hypothesis state machine holds one issue (started on any path of
``tests.unit.builders.PATHS``) and fires commands at it: mostly by the actor who
could do it, often by someone who may not. After every step it checks the
invariants, that a refused command recorded nothing and changed nothing, and
that replaying every event from scratch gives exactly the live state.

Deadlines are followed by a model of their own (``known``: each unit's
deadline on this issue, also while it is not assigned), which only ``Assigned``,
a granted extension for that unit, ``Reopened`` with a deadline, and a
reassignment adding a unit new to the issue change: a deadline moves only
through a granted extension, whatever the sequence of assignments,
reassignments (dropping and re-adding units), extensions and missed deadlines.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from eventsourcing.application import Application
from hypothesis import HealthCheck, settings
from hypothesis import event as note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.actor import Actor, Role
from domain.errors import DomainError
from domain.issue import Issue
from domain.lifecycle import TRANSITIONS, Action, Status
from tests.unit.builders import (
    ADMIN,
    CLERK,
    CO_HANDLER,
    HANDLER,
    INSPECTOR,
    LEADER,
    OTHER_HANDLER,
    OTHER_REVIEWER,
    PATHS,
    REVIEWER,
    SUBMITTER_AS_REVIEWER,
    SYSTEM,
    TODAY,
    collected,
    new_campaign,
    reported,
)

# The co unit's handler, later a reviewer: can only be refused as a verifier
# after it submitted itself.
CO_SUBMITTER_AS_REVIEWER = Actor(CO_HANDLER.user_id, CO_HANDLER.username, Role.REVIEWER, "C01")
ACTORS = [
    ADMIN,
    HANDLER,
    CO_HANDLER,
    OTHER_HANDLER,
    REVIEWER,
    OTHER_REVIEWER,
    SUBMITTER_AS_REVIEWER,
    CO_SUBMITTER_AS_REVIEWER,
    LEADER,
    INSPECTOR,
    CLERK,
    SYSTEM,
]
UNITS = ["D01", "C01", "C02", "C01T1"]
START = date(2023, 9, 1)

# The event each action records, for checking moves against the table.
EVENT_ACTION: dict[str, Action] = {
    "Reclassified": Action.RECLASSIFY,
    "Assigned": Action.ASSIGN,
    "AssignmentDisputed": Action.DISPUTE_ASSIGNMENT,
    "Reassigned": Action.REASSIGN,
    "ProgressReported": Action.REPORT_PROGRESS,
    "EvidenceAttached": Action.ATTACH_EVIDENCE,
    "DiscoveryEvidenceAttached": Action.ATTACH_DISCOVERY_EVIDENCE,
    "ExtensionRequested": Action.REQUEST_EXTENSION,
    "ExtensionGranted": Action.DECIDE_EXTENSION,
    "ExtensionRefused": Action.DECIDE_EXTENSION,
    "DeadlineWarned": Action.WARN_DEADLINE,
    "DeadlineMissed": Action.MISS_DEADLINE,
    "SupervisionLetterIssued": Action.ISSUE_SUPERVISION_LETTER,
    "Submitted": Action.SUBMIT,
    "VerificationPassed": Action.PASS_VERIFICATION,
    "VerificationFailed": Action.FAIL_VERIFICATION,
    "Reopened": Action.REOPEN,
    "Rejected": Action.REJECT,
    "MergedAsDuplicate": Action.MERGE_AS_DUPLICATE,
    "CommentAdded": Action.COMMENT,
}


def actors(*likely: Actor) -> st.SearchStrategy[Actor]:
    """Usually one who may act, often anybody."""
    return st.one_of(st.sampled_from(likely), st.sampled_from(ACTORS))


days = st.integers(min_value=-10, max_value=90).map(lambda n: START + timedelta(days=n))
texts = st.sampled_from(["整改说明", "已按要求整改", "情况属实"])
# Refused wherever a text is required: empty, blank, or 5,001 characters.
bad_texts = st.sampled_from(["", "  "]) | st.just(5001).map(lambda n: "长" * n)
units = st.sampled_from(UNITS)
unit_lists = st.lists(units, max_size=2)

_store = Application[Any]()  # in memory: only its mapper (JSON round trip) is used


def replay(events: list[Any]) -> Issue:
    issue: Any = None
    for e in events:
        issue = e.mutate(issue)
    assert isinstance(issue, Issue)
    return issue


def state_of(issue: Issue) -> dict[str, Any]:
    return {k: v for k, v in vars(issue).items() if k != "_pending_events"}


class LifecycleMachine(RuleBasedStateMachine):
    issue: Issue
    events: list[Any]
    today: date
    known: dict[str, date]  # the model: each unit's own deadline on this issue
    given: date | None  # the deadline the command under way was given

    @initialize(path=st.sampled_from(["reported", "assigned", *sorted(PATHS)]))
    def start(self, path: str) -> None:
        self.campaign = new_campaign()
        self.original = reported(self.campaign, title="原问题")
        steps, _ = PATHS[path]
        self.issue = Issue.report(
            actor=INSPECTOR,
            campaign=self.campaign,
            title="危房改造未完成",
            description="",
            source="flying",
            aspect="A01",
            category="A01C02",
            severity="serious",
            key=False,
            unit="C01T1V1",
            discovered_at="2023-06-01",
            today=TODAY,
        )
        for step in steps:
            step(self.issue)
        self.events = collected(self.issue)
        self.today = TODAY
        self.given = None
        self.known = {}
        for e in self.events:
            self.follow_deadlines(e)

    def follow_deadlines(self, e: Any) -> None:
        """The model's only moves: what each event may do to a unit's deadline."""
        name = type(e).__name__
        if name == "Assigned":
            for a in e.assignments:
                self.known[a["unit"]] = date.fromisoformat(a["deadline"])
        elif name == "Reassigned":
            for a in e.assignments:
                day = date.fromisoformat(a["deadline"])
                if a["unit"] in self.known:
                    # A unit that stays, or comes back, has its own deadline.
                    assert day == self.known[a["unit"]], (a, self.known)
                else:
                    # A unit new to the issue has the deadline given for it.
                    assert day == self.given, (a, self.given)
                    self.known[a["unit"]] = day
        elif name == "ExtensionGranted":
            for unit in e.units or [e.unit]:
                self.known[unit] = date.fromisoformat(e.deadline)
        elif name == "Reopened" and e.deadline is not None:
            for a in self.issue.assignments:
                self.known[a.unit] = date.fromisoformat(e.deadline)

    # -- one step -------------------------------------------------------------------
    def attempt(self, actor: Actor, command: Callable[[Issue], object]) -> None:
        # As the repository does: the command gets a copy of the cached issue,
        # and whatever it does, the cached one stays as it was.
        cached = self.issue
        before = copy.deepcopy(state_of(cached))
        issue = self.issue = copy.deepcopy(cached)
        assert state_of(issue) == before
        assert issue._pending_events is not cached._pending_events
        try:
            self._attempt(actor, issue, command, before)
        finally:
            assert state_of(cached) == before

    def _attempt(
        self, actor: Actor, issue: Issue, command: Callable[[Issue], object], before: dict[str, Any]
    ) -> None:
        status = issue.status
        deadlines = {a.unit: a.deadline for a in issue.assignments}
        submitted_by = issue.submitted_by
        try:
            command(issue)
        except DomainError:
            # A refusal records nothing and changes nothing.
            assert collected(issue) == []
            assert state_of(issue) == before
            return
        new = collected(issue)
        names = [type(e).__name__ for e in new]
        assert len(new) <= 1, names
        for e in new:
            # Every event records its actor, the one who acted.
            assert e.actor == actor.as_record()
            assert set(e.actor) == {"user_id", "username", "role", "unit"}
            # The move is the table's move.
            action = EVENT_ACTION[type(e).__name__]
            assert TRANSITIONS[action][status] is issue.status
            if type(e).__name__.startswith("Verification"):
                assert e.actor["user_id"] != submitted_by
        # A closed issue changes only by reopening (or a comment).
        if status is Status.CLOSED:
            assert set(names) <= {"Reopened", "CommentAdded"}
        # Deadlines move only by a granted extension or a reopening with a deadline;
        # a reassignment keeps the deadlines of the units that stay.
        after = {a.unit: a.deadline for a in issue.assignments}
        for e in new:
            self.follow_deadlines(e)
        # Whatever the sequence, every assigned unit has the deadline the model says.
        assert after == {unit: self.known[unit] for unit in after}, (after, self.known)
        moved = {u for u in deadlines.keys() & after.keys() if deadlines[u] != after[u]}
        if moved:
            assert len(new) == 1
            e = new[0]
            if type(e).__name__ == "ExtensionGranted":
                assert moved <= set(e.units)
                assert all(after[u] == date.fromisoformat(e.deadline) for u in e.units if u in after)
            else:
                assert type(e).__name__ == "Reopened" and e.deadline is not None, names
                assert set(after.values()) == {date.fromisoformat(e.deadline)}
        if "Assigned" not in names and "Reassigned" not in names:
            assert after.keys() == deadlines.keys()
        self.events.extend(new)
        for name in names:
            note(f"recorded {name}")

    # -- commands ------------------------------------------------------------------------
    @rule(n=st.integers(min_value=1, max_value=40))
    def time_passes(self, n: int) -> None:
        self.today += timedelta(days=n)

    @rule(actor=actors(ADMIN), lead=units, co=unit_lists, deadline=days)
    def assign(self, actor: Actor, lead: str, co: list[str], deadline: date) -> None:
        self.attempt(actor, lambda i: i.assign(actor, lead=lead, co=co, deadline=deadline, today=self.today))

    @rule(actor=actors(ADMIN), lead=units, co=unit_lists, deadline=st.none() | days)
    def reassign(self, actor: Actor, lead: str, co: list[str], deadline: date | None) -> None:
        self.given = deadline
        self.attempt(
            actor,
            lambda i: i.reassign(actor, lead=lead, co=co, reason="改派", deadline=deadline, today=self.today),
        )
        self.given = None

    @rule(actor=actors(HANDLER, CO_HANDLER))
    def dispute(self, actor: Actor) -> None:
        self.attempt(actor, lambda i: i.dispute_assignment(actor, reason="不属于本单位"))

    @rule(actor=actors(ADMIN), keep=units, deadline=st.none() | days)
    def drop_and_readd(self, actor: Actor, keep: str, deadline: date | None) -> None:
        """Down to one unit, then back to the units it had: each comes back
        with its own deadline, and needs none to be given."""
        lead, co = self.issue.lead, [a.unit for a in self.issue.assignments if a.role == "co"]
        recorded = len(self.events)
        self.reassign(actor, keep, [], deadline)
        if lead is None or len(self.events) == recorded:
            return
        self.reassign(actor, lead, co, None)
        assert len(self.events) == recorded + 2, "a unit coming back was refused its own deadline"

    @rule(actor=st.sampled_from([HANDLER, CO_HANDLER]), deadline=days, for_units=st.none() | unit_lists)
    def extension_granted(self, actor: Actor, deadline: date, for_units: list[str] | None) -> None:
        self.request_extension(actor, deadline, for_units)
        self.decide_extension(ADMIN, True)

    @rule(actor=actors(HANDLER, CO_HANDLER), note=texts)
    def progress(self, actor: Actor, note: str) -> None:
        self.attempt(actor, lambda i: i.report_progress(actor, note=note))

    @rule(actor=actors(HANDLER, CO_HANDLER, INSPECTOR), n=st.integers(min_value=0, max_value=2))
    def evidence(self, actor: Actor, n: int) -> None:
        files = [
            {"id": f"e{k}", "name": f"{k}.jpg", "size": k, "sha256": "0" * 64, "storage_key": f"k{k}"}
            for k in range(n)
        ]
        self.attempt(actor, lambda i: i.attach_evidence(actor, files=files))

    @rule(actor=actors(HANDLER, CO_HANDLER), deadline=days, for_units=st.none() | unit_lists)
    def request_extension(self, actor: Actor, deadline: date, for_units: list[str] | None) -> None:
        self.attempt(
            actor,
            lambda i: i.request_extension(
                actor, deadline=deadline, reason="延期", units=for_units, today=self.today
            ),
        )

    @rule(actor=actors(ADMIN), granted=st.booleans())
    def decide_extension(self, actor: Actor, granted: bool) -> None:
        self.attempt(actor, lambda i: i.decide_extension(actor, granted=granted))

    @rule(actor=actors(SYSTEM), unit=units, today=days)
    def warn(self, actor: Actor, unit: str, today: date) -> None:
        self.attempt(actor, lambda i: i.warn_deadline(actor, unit=unit, today=today))

    @rule(actor=actors(SYSTEM), unit=units, today=days)
    def miss(self, actor: Actor, unit: str, today: date) -> None:
        self.attempt(actor, lambda i: i.miss_deadline(actor, unit=unit, today=today))

    @rule(actor=actors(SYSTEM, ADMIN), unit=units)
    def letter(self, actor: Actor, unit: str) -> None:
        def command(i: Issue) -> None:
            a = i.assignment_of(unit)
            deadline = a.deadline.isoformat() if a else "2023-01-01"
            i.issue_supervision_letter(actor, unit=unit, letter={"number": 1, "deadline": deadline})

        self.attempt(actor, command)

    @rule(actor=actors(HANDLER, CO_HANDLER), summary=texts)
    def submit(self, actor: Actor, summary: str) -> None:
        self.attempt(actor, lambda i: i.submit(actor, summary=summary))

    @rule(
        actor=actors(REVIEWER, OTHER_REVIEWER, SUBMITTER_AS_REVIEWER, CO_SUBMITTER_AS_REVIEWER),
        passed=st.booleans(),
        note=texts,
    )
    def verify(self, actor: Actor, passed: bool, note: str) -> None:
        self.attempt(actor, lambda i: i.verify(actor, passed=passed, note=note))

    @rule(actor=actors(ADMIN, REVIEWER), deadline=st.none() | days)
    def reopen(self, actor: Actor, deadline: date | None) -> None:
        self.attempt(actor, lambda i: i.reopen(actor, reason="回头看", deadline=deadline, today=self.today))

    @rule(actor=actors(ADMIN))
    def reject(self, actor: Actor) -> None:
        self.attempt(actor, lambda i: i.reject(actor, reason="不予立项"))

    @rule(actor=actors(ADMIN), itself=st.booleans())
    def merge(self, actor: Actor, itself: bool) -> None:
        self.attempt(actor, lambda i: i.merge_into(actor, i if itself else self.original))

    @rule(actor=actors(ADMIN), category=st.sampled_from(["A01C01", "A02C01", "A09C01"]))
    def reclassify(self, actor: Actor, category: str) -> None:
        aspect = category[:3]
        self.attempt(
            actor,
            lambda i: i.reclassify(
                actor,
                self.campaign,
                aspect=aspect,
                category=category,
                severity="general",
                key=True,
                reason="改",
            ),
        )

    @rule(actor=st.sampled_from(ACTORS), text=texts)
    def comment(self, actor: Actor, text: str) -> None:
        recorded = len(self.events)
        self.attempt(actor, lambda i: i.comment(actor, text=text))
        if len(self.events) > recorded:
            assert self.events[-1].instruction is (actor.role is Role.LEADER)

    @rule(
        actor=st.sampled_from(ACTORS),
        text=bad_texts,
        command=st.sampled_from(["comment", "progress", "submit", "dispute", "reject", "reopen", "verify"]),
    )
    def invalid_text(self, actor: Actor, text: str, command: str) -> None:
        commands: dict[str, Callable[[Issue], object]] = {
            "comment": lambda i: i.comment(actor, text=text),
            "progress": lambda i: i.report_progress(actor, note=text),
            "submit": lambda i: i.submit(actor, summary=text),
            "dispute": lambda i: i.dispute_assignment(actor, reason=text),
            "reject": lambda i: i.reject(actor, reason=text),
            "reopen": lambda i: i.reopen(actor, reason=text, today=self.today),
            "verify": lambda i: i.verify(actor, passed=False, note=text),
        }
        recorded = len(self.events)
        self.attempt(actor, commands[command])
        assert len(self.events) == recorded  # always refused

    # -- invariants --------------------------------------------------------------------------
    @invariant()
    def status_is_known_and_consistent(self) -> None:
        issue = self.issue
        assert isinstance(issue.status, Status)
        assert (issue.closed_at is not None) is (issue.status is Status.CLOSED)
        if issue.overdue:
            assert issue.is_open
        if issue.status is Status.REJECTED:
            assert issue.rejection_reason
        if issue.status in (Status.ASSIGNED, Status.SUBMITTED, Status.CLOSED):
            assert issue.lead is not None
            assert sum(a.role == "lead" for a in issue.assignments) == 1
        if issue.status is Status.SUBMITTED:
            assert issue.submitted_by is not None
        if issue.pending_extension is not None:
            assert issue.pending_extension["unit"] in issue.assigned_units
            assert set(issue.pending_extension["units"]) <= set(issue.assigned_units)
            # Only open work waits for a decision.
            assert issue.is_open

    @invariant()
    def version_counts_the_events(self) -> None:
        assert self.issue.version == len(self.events)
        assert [e.originator_version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def replay_gives_the_live_state(self) -> None:
        assert state_of(replay(self.events)) == state_of(self.issue)

    def teardown(self) -> None:
        # Through the store's mapper (JSON and back), too: what a reload would see.
        if not hasattr(self, "issue"):
            return
        mapper = _store.mapper
        stored = [mapper.to_domain_event(mapper.to_stored_event(e)) for e in self.events]
        assert state_of(replay(stored)) == state_of(self.issue)


LifecycleMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLifecycle = LifecycleMachine.TestCase
