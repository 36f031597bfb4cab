"""The deadline job: warn, record missed deadlines, escalate with letters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from uuid import UUID

from eventsourcing.persistence import RecordConflictError
from eventsourcing.utils import get_topic

from domain.access import check_role
from domain.actor import Actor, system_actor
from domain.deadlines import DeadlineAction, Light, Policy, due_actions, light
from domain.issue import Issue
from domain.letter import LETTER_BOOK_ID, LetterBook, LetterKind
from domain.lifecycle import Action
from services.issues import IssueCommands
from services.store import command
from services.views import IssueView

#: How long a unit has to answer a supervision letter.
RESPOND_WITHIN_DAYS = 7
SWEEP_CHUNK = 500
#: Extension requests read from the log at a time.
REQUESTS_PAGE = 1000


@dataclass(frozen=True)
class SweepResult:
    checked: int
    warned: int
    missed: int
    letters: int
    escalated: int


@dataclass
class DeadlineFindings:
    checked: int = 0
    warned: int = 0
    missed: int = 0
    escalate: dict[str, list[UUID]] = field(default_factory=dict)  # unit -> issues


class DeadlineCommands(IssueCommands):
    deadline_policy: Policy = Policy()

    def deadline_light(self, deadline: date, *, overdue: bool = False, warned: bool = False) -> Light:
        """The traffic light of a deadline today (``domain.deadlines.light``)."""
        return light(deadline, self.today(), self.deadline_policy, overdue=overdue, warned=warned)

    def pending_extensions(self, actor: Actor) -> list[IssueView]:
        """The problems whose extension request waits for a decision, oldest
        request first, for whoever may decide them (the office; 403 for
        others). Found from the requests in the event log (few beside the
        problems), each answered by its aggregate as it is now."""
        check_role(actor, Action.DECIDE_EXTENSION)
        requested: dict[UUID, None] = {}
        start = 0
        while True:
            page = self.recorder.select_notifications(
                start=start,
                limit=REQUESTS_PAGE,
                topics=[get_topic(Issue.ExtensionRequested)],
                inclusive_of_start=False,
            )
            for n in page:
                requested.setdefault(UUID(str(n.originator_id)), None)
            if len(page) < REQUESTS_PAGE:
                break
            start = page[-1].id
        waiting = []
        for issue_id in requested:
            issue = self._find(Issue, issue_id)
            if issue is not None and issue.pending_extension is not None and self.may_see(actor, issue):
                waiting.append(IssueView.of(issue))
        return waiting

    def letter_book(self, actor: Actor) -> LetterBook:
        book = self._find(LetterBook, LETTER_BOOK_ID)
        return book if book is not None else LetterBook.open(actor)

    @command
    def sweep_deadlines(
        self, candidates: list[str], *, today: date | None = None, actor: Actor | None = None
    ) -> SweepResult:
        """The system records, for each candidate issue, what its deadlines call
        for today; overdue issues of one unit share one supervision letter.
        Running it twice on the same day records nothing new."""
        today = today or self.today()
        findings = self.record_deadlines(candidates, today=today, actor=actor)
        return self.escalate_overdue(findings, today=today, actor=actor)

    @command
    def record_deadlines(
        self,
        candidates: list[str],
        *,
        today: date,
        actor: Actor | None = None,
        findings: DeadlineFindings | None = None,
    ) -> DeadlineFindings:
        """The first half of the sweep: warnings and missed deadlines, in chunks
        of one transaction each; collects what must be escalated."""
        actor = actor or system_actor()
        findings = findings or DeadlineFindings()
        for start in range(0, len(candidates), SWEEP_CHUNK):
            chunk = [UUID(str(ref)) for ref in candidates[start : start + SWEEP_CHUNK]]
            try:
                with self.unit_of_work():
                    found = self._sweep_chunk(chunk, actor, today)
            except RecordConflictError:
                # Someone acted on one of these issues meanwhile: one at a time.
                found = {}
                for issue_id in chunk:
                    found.update(self._retrying(partial(self._sweep_chunk, [issue_id], actor, today)))
            findings.checked += len(chunk)
            for issue_id, (warned, missed, units) in found.items():
                findings.warned += warned
                findings.missed += missed
                for unit in units:
                    findings.escalate.setdefault(unit, []).append(issue_id)
        return findings

    @command
    def escalate_overdue(
        self, findings: DeadlineFindings, *, today: date, actor: Actor | None = None
    ) -> SweepResult:
        """The second half: one supervision letter per unit."""
        actor = actor or system_actor()
        letters = escalated = 0
        for unit, issue_ids in sorted(findings.escalate.items()):
            listed = self._retrying(partial(self._escalate, actor, unit, issue_ids, today))
            letters += bool(listed)
            escalated += listed
        return SweepResult(findings.checked, findings.warned, findings.missed, letters, escalated)

    def _sweep_chunk(
        self, issue_ids: list[UUID], actor: Actor, today: date
    ) -> dict[UUID, tuple[int, int, list[str]]]:
        """Warns and records missed deadlines; returns what each issue needs."""
        found: dict[UUID, tuple[int, int, list[str]]] = {}
        for issue_id in issue_ids:
            issue = self._find(Issue, issue_id)
            if issue is None:
                continue
            warned = missed = 0
            escalate: list[str] = []
            for action, unit in due_actions(issue, today, self.deadline_policy):
                if action is DeadlineAction.WARN:
                    warned += issue.warn_deadline(actor, unit=unit, today=today)
                elif action is DeadlineAction.MISS:
                    missed += issue.miss_deadline(actor, unit=unit, today=today)
                else:
                    escalate.append(unit)
            if warned or missed:
                self._save(issue)
            found[issue_id] = (warned, missed, escalate)
        return found

    def _escalate(self, actor: Actor, unit: str, issue_ids: list[UUID], today: date) -> int:
        """One supervision letter to ``unit`` listing its problems that are still
        overdue long enough; the letter and the facts on its issues are saved
        together or not at all. Returns how many problems it lists."""
        issues = [i for i in (self._find(Issue, x) for x in issue_ids) if i is not None]
        issues = [
            i
            for i in issues
            if (DeadlineAction.SUPERVISE, unit) in due_actions(i, today, self.deadline_policy)
        ]
        if not issues:
            return 0
        book = self.letter_book(actor)
        letter = book.issue(
            actor,
            kind=LetterKind.SUPERVISION,
            unit=unit,
            issues=[str(i.id) for i in issues],
            issued_on=today,
            respond_by=today + timedelta(days=RESPOND_WITHIN_DAYS),
            subject=f"关于督促加快整改{len(issues)}个逾期问题的函",
        )
        for issue in issues:
            a = issue.assignment_of(unit)
            assert a is not None
            issue.issue_supervision_letter(
                actor, unit=unit, letter={**letter, "deadline": a.deadline.isoformat()}
            )
        self._save(book, *issues)
        return len(issues)
