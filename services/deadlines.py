"""The deadline job: warn, record missed deadlines, escalate with letters."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from domain.actor import Actor, system_actor
from domain.deadlines import DeadlineAction, Policy, due_actions
from domain.issue import Issue
from domain.letter import LETTER_BOOK_ID, LetterBook, LetterKind
from services.issues import IssueCommands

#: How long a unit has to answer a supervision letter.
RESPOND_WITHIN_DAYS = 7


@dataclass(frozen=True)
class SweepResult:
    checked: int
    warned: int
    missed: int
    letters: int
    escalated: int


class DeadlineCommands(IssueCommands):
    deadline_policy: Policy = Policy()

    def letter_book(self, actor: Actor) -> LetterBook:
        book = self._find(LetterBook, LETTER_BOOK_ID)
        return book if book is not None else LetterBook.open(actor)

    def sweep_deadlines(
        self, candidates: list[str], *, today: date | None = None, actor: Actor | None = None
    ) -> SweepResult:
        """The system records, for each candidate issue, what its deadlines call
        for today; overdue issues of one unit share one supervision letter.
        Running it twice on the same day records nothing new."""
        actor = actor or system_actor()
        today = today or self.today()
        warned = missed = escalated = 0
        to_escalate: dict[str, list[Issue]] = defaultdict(list)
        for ref in candidates:
            issue = self._find(Issue, UUID(str(ref)))
            if issue is None:
                continue
            changed = False
            for action, unit in due_actions(issue, today, self.deadline_policy):
                if action is DeadlineAction.WARN:
                    changed |= issue.warn_deadline(actor, unit=unit, today=today)
                    warned += 1
                elif action is DeadlineAction.MISS:
                    changed |= issue.miss_deadline(actor, unit=unit, today=today)
                    missed += 1
                else:
                    to_escalate[unit].append(issue)
            if changed:
                self._retrying(lambda issue=issue: self._save(issue))  # type: ignore[misc]
        letters = 0
        for unit, issues in sorted(to_escalate.items()):
            self._escalate(actor, unit, issues, today)
            letters += 1
            escalated += len(issues)
        return SweepResult(len(candidates), warned, missed, letters, escalated)

    def _escalate(self, actor: Actor, unit: str, issues: list[Issue], today: date) -> None:
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
        # The letter and the facts on its issues are saved together or not at all.
        self._save(book, *issues)
