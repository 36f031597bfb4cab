"""The problem (问题) aggregate: every fact of its lifecycle as an event.

Each public method is a command: it checks the actor's role (``domain.access``),
validates its input, asks the transition table (``domain.lifecycle``) and only
then records an event. The ``_``-prefixed methods decorated with ``@event``
apply an event, both when it happens and when the issue is rebuilt from the
store, so they never check anything.

Events carry only JSON values (dates as ``YYYY-MM-DD``), and their topics are
pinned by ``tests/unit/test_event_topics.py``: never rename one without an
upcaster.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.access import REPORT, check_assignee, check_reporter, check_role
from domain.actor import Actor, Role
from domain.campaign import Campaign
from domain.clock import Timestamped
from domain.errors import Forbidden, InvalidInput, TransitionNotAllowed
from domain.lifecycle import OPEN_STATUSES, Action, Status, next_status
from domain.text import clean_text
from domain.vocabulary import Severity, Source

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_TEXT = 5000
#: No problem is recorded as found before this day: the campaigns this
#: system serves began long after it, so an earlier ``discovered_at`` is a
#: typing error (year 1, a two-digit year), not a fact.
EARLIEST_DISCOVERY = date(2000, 1, 1)

LEAD = "lead"
CO = "co"


@dataclass(frozen=True)
class Assignment:
    unit: str
    role: str  # LEAD or CO
    deadline: date

    def as_record(self) -> dict[str, str]:
        return {"unit": self.unit, "role": self.role, "deadline": self.deadline.isoformat()}

    @classmethod
    def from_record(cls, record: dict[str, str]) -> Assignment:
        return cls(record["unit"], record["role"], date.fromisoformat(record["deadline"]))


def issue_code(campaign_code: str, number: int) -> str:
    """``<campaign code>-<NNNN>``: at least four digits, counting per campaign."""
    return f"{campaign_code}-{number:04d}"


def _text(value: str, field: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    """Storable, NFC, not only invisible characters (``domain/text.py``)."""
    return clean_text(value, field, limit=limit, required=required)


def _date(value: date | str, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field} must be a date YYYY-MM-DD", field, code="invalid_date") from None


def _not_before(day: date, today: date, field: str = "deadline") -> date:
    """A deadline given to a command is never before the day the command is given
    (``today`` comes from the application's clock, or from a historic import)."""
    if day < today:
        raise InvalidInput(
            f"{field} must not be before today ({today.isoformat()})",
            field,
            code="deadline_in_past",
            params={"today": today.isoformat()},
        )
    return day


def _discovered(day: date, today: date) -> date:
    """A problem is found on or before the day it is reported, and not before
    :data:`EARLIEST_DISCOVERY`."""
    if day > today:
        raise InvalidInput(
            f"discovered_at must not be after today ({today.isoformat()})",
            "discovered_at",
            code="discovered_in_future",
            params={"today": today.isoformat()},
        )
    if day < EARLIEST_DISCOVERY:
        raise InvalidInput(
            f"discovered_at must not be before {EARLIEST_DISCOVERY.isoformat()}",
            "discovered_at",
            code="discovered_too_early",
            params={"earliest": EARLIEST_DISCOVERY.isoformat()},
        )
    return day


def _extension_units(request: dict[str, Any]) -> list[str]:
    """The units an extension request is for (older requests: the requester's)."""
    return list(request.get("units") or [request["unit"]])


def _enum(value: str, enum: type[Source] | type[Severity], field: str) -> str:
    try:
        return str(enum(value))
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(
            f"{field} must be one of {allowed}", field, code="invalid_choice", params={"allowed": allowed}
        ) from None


class Issue(Aggregate):
    """A problem found by an inspection, rectified by units, verified by reviewers."""

    # -- state (set by the apply methods only) --------------------------------
    campaign: str
    campaign_id: UUID
    number: int
    code: str
    title: str
    description: str
    source: str
    aspect: str
    category: str
    severity: str
    key: bool
    unit: str
    discovered_at: date
    reported_by: dict[str, str]
    status: Status
    assignments: tuple[Assignment, ...]
    #: Every unit's own deadline on this issue, also of units no longer
    #: assigned: a unit that comes back gets its own deadline back. Replaced
    #: whole (never changed in place) by Assigned, Reassigned (units new to
    #: the issue), ExtensionGranted and Reopened only.
    unit_deadlines: dict[str, date]
    measures: str
    pending_dispute: dict[str, str] | None
    pending_extension: dict[str, Any] | None
    warned: set[tuple[str, str]]
    missed: set[tuple[str, str]]
    letters: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    discovery_evidence: list[dict[str, Any]]
    submitted_by: str | None
    closed_at: datetime | None
    duplicate_of: str | None
    rejection_reason: str | None

    # The only containers the apply methods change in place; every other
    # attribute is immutable or replaced whole, and the dicts inside these
    # lists are never changed once added.
    _GROWING = ("warned", "missed", "letters", "evidence", "discovery_evidence", "_pending_events")

    def __deepcopy__(self, memo: dict[int, Any]) -> Issue:
        """The copy the repository hands each command instead of its cached
        issue: new containers for what grows in place, the rest shared (about
        ten times cheaper than a generic deep copy, once per command)."""
        copied = object.__new__(type(self))
        state = dict(self.__dict__)
        for name in self._GROWING:
            if name in state:
                state[name] = copy(state[name])
        copied.__dict__.update(state)
        memo[id(self)] = copied
        return copied

    @staticmethod
    def create_id(campaign_id: UUID, number: int, **_: Any) -> UUID:
        """Deterministic: one number of one campaign can never make two issues."""
        return uuid5(campaign_id, f"issue-{number}")

    # -- base event -------------------------------------------------------------
    class Event(Timestamped, Aggregate.Event):
        actor: dict[str, str]

    # -- reported (created) -----------------------------------------------------
    class Reported(Event, Aggregate.Created):
        campaign: str
        campaign_id: UUID
        number: int
        code: str
        title: str
        description: str
        source: str
        aspect: str
        category: str
        severity: str
        key: bool
        unit: str
        discovered_at: str

    @classmethod
    def report(
        cls,
        *,
        actor: Actor,
        campaign: Campaign,
        title: str,
        description: str,
        source: str,
        aspect: str,
        category: str,
        severity: str,
        key: bool,
        unit: str,
        discovered_at: date | str,
        today: date,
    ) -> Issue:
        """Registers a problem in the campaign's ledger; the campaign numbers
        it. It was found (``discovered_at``) on or before ``today`` (the
        application's clock, in its time zone) and not before
        :data:`EARLIEST_DISCOVERY`."""
        check_role(actor, REPORT)
        title = _text(title, "title", limit=MAX_TITLE)
        description = _text(description, "description", limit=MAX_DESCRIPTION, required=False)
        source = _enum(source, Source, "source")
        severity = _enum(severity, Severity, "severity")
        campaign.check_classification(aspect, category)
        found = _discovered(_date(discovered_at, "discovered_at"), today)
        if not unit:
            raise InvalidInput("unit must name the unit where the problem is", "unit", code="field_required")
        number = campaign.allocate_issue_number(actor)
        return cls(
            actor=actor.as_record(),
            campaign=campaign.code,
            campaign_id=campaign.id,
            number=number,
            code=issue_code(campaign.code, number),
            title=title,
            description=description,
            source=source,
            aspect=aspect,
            category=category,
            severity=severity,
            key=bool(key),
            unit=unit,
            discovered_at=found.isoformat(),
        )

    @event(Reported)
    def __init__(
        self,
        *,
        actor: dict[str, str],
        campaign: str,
        campaign_id: UUID,
        number: int,
        code: str,
        title: str,
        description: str,
        source: str,
        aspect: str,
        category: str,
        severity: str,
        key: bool,
        unit: str,
        discovered_at: str,
    ) -> None:
        self.campaign = campaign
        self.campaign_id = campaign_id
        self.number = number
        self.code = code
        self.title = title
        self.description = description
        self.source = source
        self.aspect = aspect
        self.category = category
        self.severity = severity
        self.key = key
        self.unit = unit
        self.discovered_at = date.fromisoformat(discovered_at)
        self.reported_by = actor
        self.status = Status.REPORTED
        self.assignments = ()
        self.unit_deadlines = {}
        self.measures = ""
        self.pending_dispute = None
        self.pending_extension = None
        self.warned = set()
        self.missed = set()
        self.letters = []
        self.evidence = []
        self.discovery_evidence = []
        self.submitted_by = None
        self.closed_at = None
        self.duplicate_of = None
        self.rejection_reason = None

    # -- derived facts ----------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def lead(self) -> str | None:
        return next((a.unit for a in self.assignments if a.role == LEAD), None)

    @property
    def assigned_units(self) -> tuple[str, ...]:
        return tuple(a.unit for a in self.assignments)

    @property
    def deadline(self) -> date | None:
        """The lead unit's current deadline."""
        return next((a.deadline for a in self.assignments if a.role == LEAD), None)

    @property
    def overdue(self) -> bool:
        """Open, and a current deadline has been recorded missed."""
        return any(self.is_overdue(a) for a in self.assignments)

    @property
    def reported_at(self) -> datetime:
        return self.created_on

    def assignment_of(self, unit: str) -> Assignment | None:
        return next((a for a in self.assignments if a.unit == unit), None)

    def is_overdue(self, a: Assignment) -> bool:
        """Open, and this assignment's current deadline has been recorded missed."""
        return self.is_open and (a.unit, a.deadline.isoformat()) in self.missed

    def is_warned(self, a: Assignment) -> bool:
        """Open, and the warning for this assignment's current deadline was recorded."""
        return self.is_open and (a.unit, a.deadline.isoformat()) in self.warned

    def _remember(self, assignments: tuple[Assignment, ...]) -> None:
        self.unit_deadlines = {**self.unit_deadlines, **{a.unit: a.deadline for a in assignments}}

    # -- the guard every command passes -------------------------------------------
    def action_for(self, action: Action) -> Action:
        """The action a command is in this status: evidence while the issue is
        ``reported`` is discovery evidence (the reporter's photos from the site)."""
        if action is Action.ATTACH_EVIDENCE and self.status is Status.REPORTED:
            return Action.ATTACH_DISCOVERY_EVIDENCE
        return action

    def authorize(self, actor: Actor, action: Action) -> None:
        """Role, assignment and reporter rules (403); services call it before anything else."""
        action = self.action_for(action)
        check_role(actor, action)
        check_assignee(actor, action, self.assigned_units)
        check_reporter(actor, action, self.reported_by.get("user_id", ""))
        verifying = action in (Action.PASS_VERIFICATION, Action.FAIL_VERIFICATION)
        if verifying and self.submitted_by and actor.user_id == self.submitted_by:
            raise Forbidden(
                "the verifier may not be the user who submitted the rectification",
                code="verifier_is_submitter",
            )

    def _check(self, actor: Actor, action: Action) -> Status:
        self.authorize(actor, action)
        return next_status(self.status, self.action_for(action))

    # -- classification ---------------------------------------------------------
    class Reclassified(Event):
        aspect: str
        category: str
        severity: str
        key: bool
        reason: str

    def reclassify(
        self,
        actor: Actor,
        campaign: Campaign,
        *,
        aspect: str,
        category: str,
        severity: str,
        key: bool,
        reason: str,
    ) -> None:
        severity = _enum(severity, Severity, "severity")
        campaign.check_classification(aspect, category, kept=(self.aspect, self.category))
        reason = _text(reason, "reason")
        self._check(actor, Action.RECLASSIFY)
        self._reclassified(
            actor=actor.as_record(),
            aspect=aspect,
            category=category,
            severity=severity,
            key=bool(key),
            reason=reason,
        )

    @event(Reclassified)
    def _reclassified(
        self,
        actor: dict[str, str],
        aspect: str,
        category: str,
        severity: str,
        key: bool,
        reason: str,
    ) -> None:
        self.aspect, self.category, self.severity, self.key = aspect, category, severity, key

    # -- assignment (交办, 双交办) ------------------------------------------------
    class Assigned(Event):
        assignments: list[dict[str, str]]
        measures: str

    def assign(
        self,
        actor: Actor,
        *,
        lead: str,
        co: list[str] | tuple[str, ...] = (),
        deadline: date | str,
        today: date,
        measures: str = "",
        co_deadlines: dict[str, date | str] | None = None,
    ) -> None:
        """Hands the problem to a lead unit and co-units, each with a deadline
        that is not before ``today``."""
        assignments = self._new_assignments(lead, co, _date(deadline, "deadline"), co_deadlines)
        for a in assignments:
            _not_before(a.deadline, today, "deadline" if a.role == LEAD else "co_deadlines")
        measures = _text(measures, "measures", required=False)
        self._check(actor, Action.ASSIGN)
        self._assigned(
            actor=actor.as_record(),
            assignments=[a.as_record() for a in assignments],
            measures=measures,
        )

    @staticmethod
    def _new_assignments(
        lead: str,
        co: list[str] | tuple[str, ...],
        deadline: date,
        co_deadlines: dict[str, date | str] | None = None,
    ) -> list[Assignment]:
        if not lead:
            raise InvalidInput("lead must name the lead unit", "lead", code="field_required")
        co = [c for c in dict.fromkeys(co) if c]
        if lead in co:
            raise InvalidInput(
                "the lead unit cannot also be a co unit", "co", code="lead_also_co", params={"unit": lead}
            )
        co_deadlines = co_deadlines or {}
        return [Assignment(lead, LEAD, deadline)] + [
            Assignment(c, CO, _date(co_deadlines.get(c, deadline), "co_deadlines")) for c in co
        ]

    @event(Assigned)
    def _assigned(self, actor: dict[str, str], assignments: list[dict[str, str]], measures: str) -> None:
        self.status = next_status(self.status, Action.ASSIGN)
        self.assignments = tuple(Assignment.from_record(a) for a in assignments)
        self._remember(self.assignments)
        self.measures = measures

    # -- dispute and reassignment (申诉, 改派) -------------------------------------
    class AssignmentDisputed(Event):
        unit: str
        reason: str

    def dispute_assignment(self, actor: Actor, *, reason: str) -> None:
        """An assigned unit disputes its assignment. One dispute waits at a
        time: until the admin decides it (a reassignment, which may keep the
        units), a second one, from the same unit or another, is refused
        (409 ``dispute_pending``) instead of replacing it."""
        reason = _text(reason, "reason")
        status = self._check(actor, Action.DISPUTE_ASSIGNMENT)
        waiting = self.pending_dispute
        if waiting is not None:
            raise TransitionNotAllowed(
                Action.DISPUTE_ASSIGNMENT,
                status,
                f"a dispute by {waiting['unit']} is already waiting for a decision",
                code="dispute_pending",
                params={"unit": waiting["unit"]},
            )
        self._assignment_disputed(actor=actor.as_record(), unit=actor.unit, reason=reason)

    @event(AssignmentDisputed)
    def _assignment_disputed(self, actor: dict[str, str], unit: str, reason: str) -> None:
        self.pending_dispute = {"unit": unit, "reason": reason}

    class Reassigned(Event):
        assignments: list[dict[str, str]]
        reason: str

    def reassign(
        self,
        actor: Actor,
        *,
        lead: str,
        co: list[str] | tuple[str, ...] = (),
        reason: str,
        today: date,
        deadline: date | str | None = None,
    ) -> None:
        """Changes the units. A unit that stays keeps its deadline, a unit that
        had one on this issue before gets it back (and with it what was warned
        and missed), whether or not ``deadline`` is given; ``deadline`` (not
        before ``today``) is the deadline of each unit new to the issue, and
        required when there is one."""
        reason = _text(reason, "reason")
        given = _not_before(_date(deadline, "deadline"), today) if deadline else None
        draft = self._new_assignments(lead, co, date.min)
        known = self.unit_deadlines
        new = [a.unit for a in draft if a.unit not in known]
        if new and given is None:
            raise InvalidInput(
                f"deadline is required for a unit new to the issue: {', '.join(new)}",
                "deadline",
                code="deadline_required_for_new_units",
                params={"units": new},
            )
        assignments = [Assignment(a.unit, a.role, known.get(a.unit) or given or a.deadline) for a in draft]
        self._check(actor, Action.REASSIGN)
        self._reassigned(
            actor=actor.as_record(),
            assignments=[a.as_record() for a in assignments],
            reason=reason,
        )

    @event(Reassigned)
    def _reassigned(self, actor: dict[str, str], assignments: list[dict[str, str]], reason: str) -> None:
        self.assignments = tuple(Assignment.from_record(a) for a in assignments)
        # The command gave every known unit its own deadline: only units new
        # to the issue add one here (older events are remembered as recorded).
        self._remember(self.assignments)
        self.pending_dispute = None
        pending = self.pending_extension
        if pending and not set(_extension_units(pending)) | {pending["unit"]} <= set(self.assigned_units):
            self.pending_extension = None

    # -- rectification work -------------------------------------------------------
    class ProgressReported(Event):
        unit: str
        note: str

    def report_progress(self, actor: Actor, *, note: str) -> None:
        note = _text(note, "note")
        self._check(actor, Action.REPORT_PROGRESS)
        self._progress_reported(actor=actor.as_record(), unit=actor.unit, note=note)

    @event(ProgressReported)
    def _progress_reported(self, actor: dict[str, str], unit: str, note: str) -> None:
        pass

    class EvidenceAttached(Event):
        unit: str
        files: list[dict[str, Any]]
        note: str

    class DiscoveryEvidenceAttached(Event):
        """Evidence of the problem as found (photos from the site), attached
        by its reporter while the issue is ``reported``; apart from the
        rectification evidence of the assigned units."""

        unit: str
        files: list[dict[str, Any]]
        note: str

    def attach_evidence(self, actor: Actor, *, files: list[dict[str, Any]], note: str = "") -> None:
        """``files``: ``{id, name, size, sha256, content_type, storage_key}`` each.
        While the issue is ``reported`` they are discovery evidence, which only
        its reporter may attach; later, rectification evidence of an assigned unit."""
        if not files:
            raise InvalidInput("attach at least one file", "file", code="file_required")
        for f in files:
            missing = {"id", "name", "size", "sha256", "storage_key"} - set(f)
            if missing:
                raise InvalidInput(
                    f"evidence metadata lacks {sorted(missing)}",
                    "file",
                    code="evidence_metadata_incomplete",
                    params={"missing": sorted(missing)},
                )
        note = _text(note, "note", required=False)
        self._check(actor, Action.ATTACH_EVIDENCE)
        if self.action_for(Action.ATTACH_EVIDENCE) is Action.ATTACH_DISCOVERY_EVIDENCE:
            self._discovery_evidence_attached(
                actor=actor.as_record(), unit=actor.unit, files=list(files), note=note
            )
        else:
            self._evidence_attached(actor=actor.as_record(), unit=actor.unit, files=list(files), note=note)

    @event(EvidenceAttached)
    def _evidence_attached(
        self, actor: dict[str, str], unit: str, files: list[dict[str, Any]], note: str
    ) -> None:
        self.evidence.extend(files)

    @event(DiscoveryEvidenceAttached)
    def _discovery_evidence_attached(
        self, actor: dict[str, str], unit: str, files: list[dict[str, Any]], note: str
    ) -> None:
        self.discovery_evidence.extend(files)

    # -- extensions (延期): the only way a deadline moves ---------------------------
    class ExtensionRequested(Event):
        unit: str
        deadline: str
        reason: str
        #: The units whose deadlines the request is for; absent in events
        #: recorded before units could be named: then the requesting ``unit``.
        units: list[str] | None = None

    def request_extension(
        self,
        actor: Actor,
        *,
        deadline: date | str,
        reason: str,
        today: date,
        units: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        """Asks to move the deadlines of ``units`` (default: the actor's own
        unit) to ``deadline``, not before ``today`` and later than each one's
        current deadline. A lead unit's handler may ask for any assigned
        unit, a co unit's handler for its own only."""
        wanted = _not_before(_date(deadline, "deadline"), today)
        reason = _text(reason, "reason")
        for_units = list(dict.fromkeys(u for u in (units or [actor.unit]) if u)) or [actor.unit]
        self.authorize(actor, Action.REQUEST_EXTENSION)
        if any(u != actor.unit for u in for_units) and actor.unit != self.lead:
            raise Forbidden(
                "only the lead unit's handlers may ask for another unit's deadline",
                code="extension_for_other_unit",
            )
        for u in for_units:
            current = self.assignment_of(u)
            if current is None:
                raise InvalidInput(
                    f"{u} is not assigned to this issue", "units", code="not_assigned_to", params={"unit": u}
                )
            if wanted <= current.deadline:
                raise InvalidInput(
                    f"an extension must move the deadline later (the deadline of {u} is {current.deadline})",
                    "deadline",
                    code="extension_not_later",
                    params={"deadline": current.deadline.isoformat()},
                )
        status = next_status(self.status, Action.REQUEST_EXTENSION)
        if self.pending_extension is not None:
            raise TransitionNotAllowed(
                Action.REQUEST_EXTENSION,
                status,
                "an extension request is already waiting for a decision",
                code="extension_pending",
            )
        self._extension_requested(
            actor=actor.as_record(),
            unit=actor.unit,
            deadline=wanted.isoformat(),
            reason=reason,
            units=for_units,
        )

    @event(ExtensionRequested)
    def _extension_requested(
        self, actor: dict[str, str], unit: str, deadline: str, reason: str, units: list[str] | None = None
    ) -> None:
        self.pending_extension = {
            "unit": unit,
            "deadline": deadline,
            "reason": reason,
            "units": list(units or [unit]),
        }

    class ExtensionGranted(Event):
        unit: str
        previous_deadline: str
        deadline: str
        note: str
        #: The units whose deadlines moved, and each one's previous deadline;
        #: absent in older events: then only ``unit``, from ``previous_deadline``.
        units: list[str] | None = None
        previous_deadlines: dict[str, str] | None = None

    class ExtensionRefused(Event):
        unit: str
        deadline: str
        note: str
        units: list[str] | None = None

    def decide_extension(self, actor: Actor, *, granted: bool, note: str = "") -> None:
        note = _text(note, "note", required=False)
        status = self._check(actor, Action.DECIDE_EXTENSION)
        request = self.pending_extension
        if request is None:
            raise TransitionNotAllowed(
                Action.DECIDE_EXTENSION,
                status,
                "there is no extension request to decide",
                code="no_extension_request",
            )
        units = _extension_units(request)
        if granted:
            previous = {}
            for u in [request["unit"], *units]:
                current = self.assignment_of(u)
                assert current is not None  # a reassignment drops a request it no longer fits
                previous[u] = current.deadline.isoformat()
            self._extension_granted(
                actor=actor.as_record(),
                unit=request["unit"],
                previous_deadline=previous[request["unit"]],
                deadline=request["deadline"],
                note=note,
                units=units,
                previous_deadlines={u: previous[u] for u in units},
            )
        else:
            self._extension_refused(
                actor=actor.as_record(),
                unit=request["unit"],
                deadline=request["deadline"],
                note=note,
                units=units,
            )

    @event(ExtensionGranted)
    def _extension_granted(
        self,
        actor: dict[str, str],
        unit: str,
        previous_deadline: str,
        deadline: str,
        note: str,
        units: list[str] | None = None,
        previous_deadlines: dict[str, str] | None = None,
    ) -> None:
        new = date.fromisoformat(deadline)
        moved = set(units or [unit])
        self.assignments = tuple(
            Assignment(a.unit, a.role, new) if a.unit in moved else a for a in self.assignments
        )
        self._remember(self.assignments)
        self.pending_extension = None

    @event(ExtensionRefused)
    def _extension_refused(
        self, actor: dict[str, str], unit: str, deadline: str, note: str, units: list[str] | None = None
    ) -> None:
        self.pending_extension = None

    # -- deadlines (临期预警, 逾期, 督办) --------------------------------------------
    class DeadlineWarned(Event):
        unit: str
        deadline: str
        days_left: int

    def warn_deadline(self, actor: Actor, *, unit: str, today: date) -> bool:
        """Records the warning once per deadline; False when nothing was due."""
        self._check(actor, Action.WARN_DEADLINE)
        a = self.assignment_of(unit)
        if a is None or (unit, a.deadline.isoformat()) in self.warned:
            return False
        self._deadline_warned(
            actor=actor.as_record(),
            unit=unit,
            deadline=a.deadline.isoformat(),
            days_left=(a.deadline - today).days,
        )
        return True

    @event(DeadlineWarned)
    def _deadline_warned(self, actor: dict[str, str], unit: str, deadline: str, days_left: int) -> None:
        self.warned.add((unit, deadline))

    class DeadlineMissed(Event):
        unit: str
        deadline: str

    def miss_deadline(self, actor: Actor, *, unit: str, today: date) -> bool:
        """Records a missed deadline once, from the day after it; False if not missed."""
        self._check(actor, Action.MISS_DEADLINE)
        a = self.assignment_of(unit)
        if a is None or today <= a.deadline or (unit, a.deadline.isoformat()) in self.missed:
            return False
        self._deadline_missed(actor=actor.as_record(), unit=unit, deadline=a.deadline.isoformat())
        return True

    @event(DeadlineMissed)
    def _deadline_missed(self, actor: dict[str, str], unit: str, deadline: str) -> None:
        self.missed.add((unit, deadline))

    class SupervisionLetterIssued(Event):
        unit: str
        letter: dict[str, Any]

    def issue_supervision_letter(self, actor: Actor, *, unit: str, letter: dict[str, Any]) -> None:
        """``letter`` names the letter (its number and 文号) the problem is listed in."""
        self._check(actor, Action.ISSUE_SUPERVISION_LETTER)
        if self.assignment_of(unit) is None:
            raise InvalidInput(
                f"the issue is not assigned to {unit}", "unit", code="not_assigned_to", params={"unit": unit}
            )
        self._supervision_letter_issued(actor=actor.as_record(), unit=unit, letter=dict(letter))

    @event(SupervisionLetterIssued)
    def _supervision_letter_issued(self, actor: dict[str, str], unit: str, letter: dict[str, Any]) -> None:
        self.letters.append({"unit": unit, **letter})

    def supervised_for(self, unit: str) -> bool:
        """Whether a supervision letter already covers the unit's current deadline."""
        a = self.assignment_of(unit)
        return a is not None and any(
            letter["unit"] == unit and letter.get("deadline") == a.deadline.isoformat()
            for letter in self.letters
        )

    # -- submission and verification (申请销号, 验收) -------------------------------
    class Submitted(Event):
        unit: str
        summary: str

    def submit(self, actor: Actor, *, summary: str) -> None:
        summary = _text(summary, "summary")
        self._check(actor, Action.SUBMIT)
        self._submitted(actor=actor.as_record(), unit=actor.unit, summary=summary)

    @event(Submitted)
    def _submitted(self, actor: dict[str, str], unit: str, summary: str) -> None:
        self.status = next_status(self.status, Action.SUBMIT)
        self.submitted_by = actor["user_id"]

    class VerificationPassed(Event):
        note: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = next_status(aggregate.status, Action.PASS_VERIFICATION)
            aggregate.closed_at = self.timestamp
            # Nobody can decide it on a closed issue: it must not outlive the closure.
            aggregate.pending_extension = None

    class VerificationFailed(Event):
        note: str

    def verify(self, actor: Actor, *, passed: bool, note: str = "") -> None:
        """Closes (销号) or returns (退回) a submitted issue."""
        note = _text(note, "note", required=not passed)
        action = Action.PASS_VERIFICATION if passed else Action.FAIL_VERIFICATION
        self._check(actor, action)  # also: the verifier is never the submitter
        if passed:
            self.trigger_event(self.VerificationPassed, actor=actor.as_record(), note=note)
        else:
            self._verification_failed(actor=actor.as_record(), note=note)

    @event(VerificationFailed)
    def _verification_failed(self, actor: dict[str, str], note: str) -> None:
        self.status = next_status(self.status, Action.FAIL_VERIFICATION)

    # -- look-back (回头看) ---------------------------------------------------------
    class Reopened(Event):
        reason: str
        deadline: str | None

    def reopen(self, actor: Actor, *, reason: str, today: date, deadline: date | str | None = None) -> None:
        """Reopens a closed problem; an optional new deadline (not before
        ``today``) for every assigned unit."""
        reason = _text(reason, "reason")
        new = _not_before(_date(deadline, "deadline"), today).isoformat() if deadline else None
        self._check(actor, Action.REOPEN)
        self._reopened(actor=actor.as_record(), reason=reason, deadline=new)

    @event(Reopened)
    def _reopened(self, actor: dict[str, str], reason: str, deadline: str | None) -> None:
        self.status = next_status(self.status, Action.REOPEN)
        self.closed_at = None
        self.submitted_by = None
        if deadline:
            new = date.fromisoformat(deadline)
            self.assignments = tuple(Assignment(a.unit, a.role, new) for a in self.assignments)
            self._remember(self.assignments)

    # -- not a problem (不予立项) ------------------------------------------------------
    class Rejected(Event):
        reason: str

    def reject(self, actor: Actor, *, reason: str) -> None:
        reason = _text(reason, "reason")
        self._check(actor, Action.REJECT)
        self._rejected(actor=actor.as_record(), reason=reason)

    @event(Rejected)
    def _rejected(self, actor: dict[str, str], reason: str) -> None:
        self.status = next_status(self.status, Action.REJECT)
        self.rejection_reason = reason

    class MergedAsDuplicate(Event):
        duplicate_of: str
        duplicate_of_code: str
        reason: str

    def merge_into(self, actor: Actor, original: Issue, *, reason: str = "") -> None:
        """Rejects this problem as a duplicate of ``original``."""
        reason = _text(reason, "reason", required=False) or f"duplicate of {original.code}"
        if original.id == self.id:
            raise InvalidInput("an issue cannot duplicate itself", "duplicate_of", code="duplicate_of_itself")
        if original.status is Status.REJECTED:
            raise InvalidInput(
                "the original is itself rejected",
                "duplicate_of",
                code="duplicate_of_rejected",
                params={"issue": original.code},
            )
        self._check(actor, Action.MERGE_AS_DUPLICATE)
        self._merged_as_duplicate(
            actor=actor.as_record(),
            duplicate_of=str(original.id),
            duplicate_of_code=original.code,
            reason=reason,
        )

    @event(MergedAsDuplicate)
    def _merged_as_duplicate(
        self, actor: dict[str, str], duplicate_of: str, duplicate_of_code: str, reason: str
    ) -> None:
        self.status = next_status(self.status, Action.MERGE_AS_DUPLICATE)
        self.duplicate_of = duplicate_of
        self.rejection_reason = reason

    # -- comments and leaders' instructions (批示) ------------------------------------
    class CommentAdded(Event):
        text: str
        instruction: bool

    def comment(self, actor: Actor, *, text: str) -> None:
        text = _text(text, "text")
        self._check(actor, Action.COMMENT)
        self._comment_added(actor=actor.as_record(), text=text, instruction=actor.role is Role.LEADER)

    @event(CommentAdded)
    def _comment_added(self, actor: dict[str, str], text: str, instruction: bool) -> None:
        pass
