"""Commands on issues (问题), and reading one issue or its history.

Every command takes the acting user and checks, in the order the HTTP
contract reports them: the issue exists and the actor may see it (404), the
actor's role and unit may do this (403), the expected version (412), the input
(422), the lifecycle (409). The aggregate makes the decision; this layer loads,
scopes and saves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.access import REPORT, allowed_actions, check_role, may_report_at, may_see
from domain.actor import Actor
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.issue import Issue
from domain.lifecycle import Action
from services.org import OrgCommands
from services.store import command, resolve_issue_ref
from services.views import HistoryEntry, IssueView

# Event fields every event has; history shows the rest as ``data``.
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "actor", "originator_topic"}


class IssueCommands(OrgCommands):
    # -- reading ----------------------------------------------------------------
    def _visible_issue(self, actor: Actor, ref: str | UUID) -> Issue:
        issue = self._find(Issue, resolve_issue_ref(ref))
        if issue is None or not self.may_see(actor, issue):
            raise NotFound(f"no issue {ref}", code="unknown_issue", params={"issue": str(ref)})
        return issue

    def may_see(self, actor: Actor, issue: Issue) -> bool:
        return may_see(actor, issue.unit, issue.assigned_units, self.within)

    def allowed_actions(self, actor: Actor, ref: str | UUID) -> frozenset[Action]:
        """The actions the actor may take on the issue now (the UI's buttons),
        from the access table and the lifecycle; 404 when it may not see it."""
        return allowed_actions(actor, self._visible_issue(actor, ref), self.within)

    def get_issue(self, actor: Actor, ref: str | UUID, *, as_of: datetime | None = None) -> IssueView:
        """Anyone who may see the issue; ``as_of`` gives its state at that
        instant, to a caller who would have seen it then."""
        if as_of is None:
            return IssueView.of(self._visible_issue(actor, ref))
        issue, _ = self._visible_then(actor, ref, as_of)
        return IssueView.of(issue)

    def issue_as_of(self, issue_id: UUID, as_of: datetime) -> Issue:
        """The issue as it stood at ``as_of`` (no visibility check: callers scope)."""
        issue, _ = self._replayed(issue_id, as_of)
        if issue is None:
            raise NotFound("the issue did not exist yet at that time", code="issue_not_yet_reported")
        return issue

    def _replayed(self, issue_id: UUID, as_of: datetime) -> tuple[Issue | None, list[Any]]:
        """The issue at ``as_of`` (None before its first event) and its events up to then."""
        events = self.events_of(issue_id, until=as_of)
        issue: Issue | None = None
        for e in events:
            issue = e.mutate(issue)
        return issue, events

    def _visible_then(self, actor: Actor, ref: str | UUID, as_of: datetime) -> tuple[Issue, list[Any]]:
        """The issue and its events at ``as_of``, scoped as the caller would
        have been then: by the issue's location and assignments at that
        instant (the caller's role and unit as they are now). An issue that
        did not exist yet is not found, never an empty answer."""
        issue_id = resolve_issue_ref(ref)
        issue, events = self._replayed(issue_id, as_of)
        if issue is None:
            now = self._find(Issue, issue_id)
            if now is not None and self.may_see(actor, now):
                raise NotFound(
                    f"issue {ref} did not exist yet at {as_of.isoformat()}", code="issue_not_yet_reported"
                )
            raise NotFound(f"no issue {ref}", code="unknown_issue", params={"issue": str(ref)})
        if not self.may_see(actor, issue):
            raise NotFound(f"no issue {ref}", code="unknown_issue", params={"issue": str(ref)})
        return issue, events

    def history(self, actor: Actor, ref: str | UUID, *, as_of: datetime | None = None) -> list[HistoryEntry]:
        """Every recorded fact of a visible issue, oldest first; with ``as_of``
        those up to and including that instant, scoped as :meth:`get_issue`."""
        if as_of is None:
            events = self.events_of(self._visible_issue(actor, ref).id)
        else:
            _, events = self._visible_then(actor, ref, as_of)
        return [history_entry(e) for e in events]

    # -- the command pipeline -----------------------------------------------------
    def check_command(
        self, actor: Actor, ref: str | UUID, action: Action, expected_version: int | None = None
    ) -> None:
        """The checks that come before reading the input: the issue exists and
        is visible (404), the actor may act (403), the version matches (412).
        The HTTP layer calls it before it parses a request body."""
        self._checked_issue(actor, ref, action, expected_version)

    def _checked_issue(
        self, actor: Actor, ref: str | UUID, action: Action, expected_version: int | None
    ) -> Issue:
        issue = self._visible_issue(actor, ref)
        issue.authorize(actor, action)
        self._check_version(issue, expected_version)
        return issue

    @contextmanager
    def checked_command(
        self, actor: Actor, ref: str | UUID, action: Action, expected_version: int | None = None
    ) -> Iterator[None]:
        """:meth:`check_command`, and the first command on that issue inside the
        block decides on the issue this check loaded instead of loading it
        again (one load per request). Safe: the save is conditional on the
        version, so a write in between makes it retry on a fresh load (or, with
        an expected version, fail as stale) exactly as without the reuse."""
        issue = self._checked_issue(actor, ref, action, expected_version)
        self._local.checked = issue
        try:
            yield
        finally:
            self._local.checked = None

    def _loaded_for_command(self, actor: Actor, ref: str | UUID) -> Issue:
        checked: Issue | None = getattr(self._local, "checked", None)
        if checked is not None and self._pending is None:
            self._local.checked = None
            if checked.id == resolve_issue_ref(ref):
                return checked
        return self._visible_issue(actor, ref)

    def _command(
        self,
        actor: Actor,
        ref: str | UUID,
        action: Action,
        decide: Callable[[Issue], list[Any] | None],
        expected_version: int | None,
    ) -> IssueView:
        # Run inside a @command: a lost race runs all of this again, loading afresh.
        issue = self._loaded_for_command(actor, ref)
        issue.authorize(actor, action)
        self._check_version(issue, expected_version)
        others = decide(issue) or []
        self._save(issue, *others)
        return IssueView.of(issue)

    # -- commands -------------------------------------------------------------------
    @command
    def report_issue(
        self,
        actor: Actor,
        *,
        campaign: str,
        title: str,
        description: str = "",
        source: str,
        aspect: str,
        category: str,
        severity: str = "general",
        key: bool = False,
        unit: str,
        discovered_at: date | str | None = None,
    ) -> IssueView:
        """Admin, inspector anywhere; clerk inside its own unit's subtree."""
        check_role(actor, REPORT)
        # The campaign numbers its problems: a report that loses the race for
        # the next number is run again (@command) and takes the one after.
        camp = self._campaign(campaign)
        location = self._unit(unit)
        if not may_report_at(actor, location.code, self.within):
            raise Forbidden("a clerk reports only problems inside its own unit", code="outside_own_unit")
        issue = Issue.report(
            actor=actor,
            campaign=camp,
            title=title,
            description=description,
            source=source,
            aspect=aspect,
            category=category,
            severity=severity,
            key=key,
            unit=location.code,
            discovered_at=discovered_at or self.today(),
            today=self.today(),
        )
        self._save(camp, issue)
        return IssueView.of(issue)

    def check_report_scope(self, actor: Actor, unit: str) -> None:
        """The check that comes before reading the rest of a report (403): a
        clerk reports only inside its own subtree. An unknown unit is left to
        the input checks (422)."""
        check_role(actor, REPORT)
        try:
            location = self._unit(unit)
        except InvalidInput:
            return
        if not may_report_at(actor, location.code, self.within):
            raise Forbidden("a clerk reports only problems inside its own unit", code="outside_own_unit")

    @command
    def reclassify(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        aspect: str,
        category: str,
        severity: str,
        key: bool,
        reason: str,
        expected_version: int | None = None,
    ) -> IssueView:
        """Admin."""

        def decide(issue: Issue) -> None:
            camp = self._campaign(issue.campaign)
            issue.reclassify(
                actor, camp, aspect=aspect, category=category, severity=severity, key=key, reason=reason
            )

        return self._command(actor, ref, Action.RECLASSIFY, decide, expected_version)

    @command
    def assign(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        lead: str,
        co: list[str] | tuple[str, ...] = (),
        deadline: date | str,
        measures: str = "",
        expected_version: int | None = None,
    ) -> IssueView:
        """Admin; only a ``reported`` issue. Lead and co units must exist; the
        deadline is not before today."""

        def decide(issue: Issue) -> None:
            self._unit(lead, "lead")
            for c in co:
                self._unit(c, "co")
            issue.assign(
                actor, lead=lead, co=list(co), deadline=deadline, measures=measures, today=self.today()
            )

        return self._command(actor, ref, Action.ASSIGN, decide, expected_version)

    @command
    def dispute_assignment(
        self, actor: Actor, ref: str | UUID, *, reason: str, expected_version: int | None = None
    ) -> IssueView:
        """A handler of an assigned unit (申诉)."""
        return self._command(
            actor,
            ref,
            Action.DISPUTE_ASSIGNMENT,
            lambda issue: issue.dispute_assignment(actor, reason=reason),
            expected_version,
        )

    @command
    def reassign(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        lead: str,
        co: list[str] | tuple[str, ...] = (),
        reason: str,
        deadline: date | str | None = None,
        expected_version: int | None = None,
    ) -> IssueView:
        """Admin; on an ``assigned`` issue. Units keep (or get back) their own
        deadlines; ``deadline`` is for units new to the issue, and required then."""

        def decide(issue: Issue) -> None:
            self._unit(lead, "lead", allow_closed=issue.assigned_units)
            for c in co:
                self._unit(c, "co", allow_closed=issue.assigned_units)
            issue.reassign(
                actor, lead=lead, co=list(co), reason=reason, deadline=deadline, today=self.today()
            )

        return self._command(actor, ref, Action.REASSIGN, decide, expected_version)

    @command
    def report_progress(
        self, actor: Actor, ref: str | UUID, *, note: str, expected_version: int | None = None
    ) -> IssueView:
        """A handler of the lead or a co unit."""
        return self._command(
            actor,
            ref,
            Action.REPORT_PROGRESS,
            lambda issue: issue.report_progress(actor, note=note),
            expected_version,
        )

    @command
    def attach_evidence(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        files: list[dict[str, Any]],
        note: str = "",
        expected_version: int | None = None,
    ) -> IssueView:
        """A handler of the lead or a co unit; ``files`` are stored already."""
        return self._command(
            actor,
            ref,
            Action.ATTACH_EVIDENCE,
            lambda issue: issue.attach_evidence(actor, files=files, note=note),
            expected_version,
        )

    @command
    def request_extension(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        deadline: date | str,
        reason: str,
        units: list[str] | tuple[str, ...] | None = None,
        expected_version: int | None = None,
    ) -> IssueView:
        """A handler of the lead or a co unit, for the deadlines of ``units``
        (default its own unit; a co unit's handler asks only for its own)."""
        return self._command(
            actor,
            ref,
            Action.REQUEST_EXTENSION,
            lambda issue: issue.request_extension(
                actor, deadline=deadline, reason=reason, units=units, today=self.today()
            ),
            expected_version,
        )

    @command
    def decide_extension(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        granted: bool,
        note: str = "",
        expected_version: int | None = None,
    ) -> IssueView:
        """Admin."""
        return self._command(
            actor,
            ref,
            Action.DECIDE_EXTENSION,
            lambda issue: issue.decide_extension(actor, granted=granted, note=note),
            expected_version,
        )

    @command
    def submit(
        self, actor: Actor, ref: str | UUID, *, summary: str, expected_version: int | None = None
    ) -> IssueView:
        """A handler of the lead or a co unit applies for closure (申请销号)."""
        return self._command(
            actor, ref, Action.SUBMIT, lambda issue: issue.submit(actor, summary=summary), expected_version
        )

    @command
    def verify(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        passed: bool,
        note: str = "",
        expected_version: int | None = None,
    ) -> IssueView:
        """A reviewer whose subtree holds the issue, never the submitter."""
        action = Action.PASS_VERIFICATION if passed else Action.FAIL_VERIFICATION
        return self._command(
            actor,
            ref,
            action,
            lambda issue: issue.verify(actor, passed=passed, note=note),
            expected_version,
        )

    @command
    def reopen(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        reason: str,
        deadline: date | str | None = None,
        expected_version: int | None = None,
    ) -> IssueView:
        """Admin anywhere; a reviewer inside its subtree (回头看)."""
        return self._command(
            actor,
            ref,
            Action.REOPEN,
            lambda issue: issue.reopen(actor, reason=reason, deadline=deadline, today=self.today()),
            expected_version,
        )

    @command
    def reject(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        reason: str,
        duplicate_of: str | UUID | None = None,
        expected_version: int | None = None,
    ) -> IssueView:
        """Admin; only a ``reported`` issue; with ``duplicate_of`` it is merged."""
        if not duplicate_of:
            return self._command(
                actor, ref, Action.REJECT, lambda issue: issue.reject(actor, reason=reason), expected_version
            )

        def merge(issue: Issue) -> None:
            try:
                original = self._visible_issue(actor, duplicate_of)
            except NotFound:
                raise InvalidInput(
                    f"no issue {duplicate_of}",
                    "duplicate_of",
                    code="unknown_issue",
                    params={"issue": str(duplicate_of)},
                ) from None
            issue.merge_into(actor, original, reason=reason)

        return self._command(actor, ref, Action.MERGE_AS_DUPLICATE, merge, expected_version)

    @command
    def comment(
        self, actor: Actor, ref: str | UUID, *, text: str, expected_version: int | None = None
    ) -> IssueView:
        """Anyone who sees the issue, in any status; a leader's comment is an instruction (批示)."""
        return self._command(
            actor, ref, Action.COMMENT, lambda issue: issue.comment(actor, text=text), expected_version
        )


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def history_entry(e: Any) -> HistoryEntry:
    data = {k: _plain(v) for k, v in vars(e).items() if k not in _ENVELOPE}
    return HistoryEntry(
        version=e.originator_version,
        type=type(e).__name__,
        at=e.timestamp,
        actor=dict(getattr(e, "actor", {}) or {}),
        data=data,
    )
