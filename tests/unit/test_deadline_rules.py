"""Deadlines in the domain: never before the day a command is given, each
unit's own across reassignments, moved only by a granted extension for the
units it names; discovery evidence at report time.

The domain never reads the clock: every command that takes a deadline is
given ``today`` by its caller (the application's clock, or an import its own).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.application import Application

from domain.actor import Actor, Role
from domain.deadlines import DeadlineAction, Policy, due_actions
from domain.errors import Forbidden, InvalidInput, TransitionNotAllowed
from domain.issue import Assignment, Issue
from services.views import IssueView
from tests.unit.builders import (
    ADMIN,
    CO_DEADLINE,
    CO_HANDLER,
    CO_UNIT,
    DEADLINE,
    HANDLER,
    INSPECTOR,
    LEAD_UNIT,
    OTHER_UNIT,
    SYSTEM,
    TODAY,
    collected,
    issue_in,
    new_campaign,
    report_fields,
)

YH01, AGR = "YH01", "AGR"
YH01_HANDLER = Actor("u-yh01", "yh01", Role.HANDLER, YH01)
AGR_HANDLER = Actor("u-agr", "agr", Role.HANDLER, AGR)
OTHER_INSPECTOR = Actor("u-inspector-2", "inspector-2", Role.INSPECTOR, "OFF")
FILE = {"id": "f1", "name": "现场.jpg", "size": 3, "sha256": "0" * 64, "storage_key": "k1"}


# -- deadlines in the past ---------------------------------------------------------------


def test_assign_refuses_a_deadline_before_today_and_takes_today_itself() -> None:
    issue = issue_in("reported")
    with pytest.raises(InvalidInput) as refused:
        issue.assign(ADMIN, lead=LEAD_UNIT, deadline=TODAY - timedelta(days=1), today=TODAY)
    assert refused.value.field == "deadline"
    assert collected(issue) == []
    issue.assign(ADMIN, lead=LEAD_UNIT, deadline=TODAY, today=TODAY)
    assert issue.deadline == TODAY


def test_today_is_the_callers_not_the_wall_clock() -> None:
    # Far in the future by the given day: refused, whatever the machine's clock says.
    issue = issue_in("reported")
    with pytest.raises(InvalidInput):
        issue.assign(ADMIN, lead=LEAD_UNIT, deadline=date(2998, 12, 31), today=date(2999, 1, 1))
    # A historic import passes the day the command was given then.
    issue.assign(ADMIN, lead=LEAD_UNIT, deadline=date(2001, 3, 1), today=date(2001, 2, 1))
    assert issue.deadline == date(2001, 3, 1)


def test_a_co_deadline_before_today_is_refused_too() -> None:
    issue = issue_in("reported")
    with pytest.raises(InvalidInput):
        issue.assign(
            ADMIN,
            lead=LEAD_UNIT,
            co=[CO_UNIT],
            deadline=DEADLINE,
            co_deadlines={CO_UNIT: TODAY - timedelta(days=1)},
            today=TODAY,
        )


def test_reassign_refuses_a_deadline_before_today() -> None:
    issue = issue_in("assigned")
    with pytest.raises(InvalidInput) as refused:
        issue.reassign(
            ADMIN,
            lead=LEAD_UNIT,
            co=[OTHER_UNIT],
            reason="增派",
            deadline=date(2023, 10, 1),
            today=date(2023, 10, 2),
        )
    assert refused.value.field == "deadline"
    assert collected(issue) == []


def test_an_extension_to_a_day_before_today_is_refused() -> None:
    issue = issue_in("assigned")
    # Later than the current deadline (2023-09-30), but before the day it is asked.
    with pytest.raises(InvalidInput) as refused:
        issue.request_extension(HANDLER, deadline="2023-10-10", reason="雨季", today=date(2023, 10, 20))
    assert refused.value.field == "deadline"
    assert collected(issue) == []


def test_reopen_refuses_a_deadline_before_today_and_without_one_keeps_the_old() -> None:
    issue = issue_in("closed")
    with pytest.raises(InvalidInput) as refused:
        issue.reopen(ADMIN, reason="回头看", deadline="2024-01-01", today=date(2024, 1, 2))
    assert refused.value.field == "deadline"
    issue.reopen(ADMIN, reason="回头看", today=date(2024, 1, 2))
    assert issue.deadline == DEADLINE


# -- reassign deadlines ----------------------------------------------------------------------


def test_a_unit_new_to_the_issue_needs_a_deadline_of_its_own() -> None:
    issue = issue_in("assigned")
    with pytest.raises(InvalidInput) as refused:
        issue.reassign(ADMIN, lead=LEAD_UNIT, co=[CO_UNIT, OTHER_UNIT], reason="增派", today=TODAY)
    assert refused.value.field == "deadline"
    assert OTHER_UNIT in str(refused.value)
    issue.reassign(
        ADMIN, lead=LEAD_UNIT, co=[CO_UNIT, OTHER_UNIT], reason="增派", deadline="2023-12-20", today=TODAY
    )
    assert [(a.unit, a.deadline) for a in issue.assignments] == [
        (LEAD_UNIT, DEADLINE),
        (CO_UNIT, CO_DEADLINE),
        (OTHER_UNIT, date(2023, 12, 20)),
    ]


def test_a_deadline_given_moves_no_unit_that_has_one() -> None:
    issue = issue_in("assigned")
    issue.reassign(ADMIN, lead=CO_UNIT, co=[LEAD_UNIT], reason="互换", deadline="2023-12-31", today=TODAY)
    assert issue.assignment_of(LEAD_UNIT) == Assignment(LEAD_UNIT, "co", DEADLINE)
    assert issue.assignment_of(CO_UNIT) == Assignment(CO_UNIT, "lead", CO_DEADLINE)


def test_a_unit_added_later_is_never_overdue_for_time_before_it_was_added() -> None:
    issue = issue_in("assigned")
    day_after = DEADLINE + timedelta(days=1)
    assert issue.miss_deadline(SYSTEM, unit=LEAD_UNIT, today=day_after)
    issue.reassign(
        ADMIN,
        lead=LEAD_UNIT,
        co=[CO_UNIT, OTHER_UNIT],
        reason="增派",
        deadline=day_after + timedelta(days=20),
        today=day_after,
    )
    added = issue.assignment_of(OTHER_UNIT)
    assert added is not None and added.deadline == day_after + timedelta(days=20)
    assert not issue.is_overdue(added) and not issue.is_warned(added)
    # The deadline job has nothing for it until its own deadline comes near.
    due = due_actions(issue, day_after + timedelta(days=1), Policy())
    assert (DeadlineAction.MISS, OTHER_UNIT) not in due
    assert (DeadlineAction.WARN, OTHER_UNIT) not in due


# -- a deadline moves only through a granted extension --------------------------------------


def yh01_and_agr() -> Issue:
    """Lead YH01 and co AGR assigned with one deadline; AGR granted an extension
    (every event still pending, from the report on)."""
    issue = Issue.report(actor=INSPECTOR, campaign=new_campaign(), **report_fields())
    issue.assign(ADMIN, lead=YH01, co=[AGR], deadline=DEADLINE, today=TODAY)
    issue.request_extension(AGR_HANDLER, deadline="2023-12-31", reason="资金未到位", today=TODAY)
    issue.decide_extension(ADMIN, granted=True)
    assert issue.assignment_of(AGR) == Assignment(AGR, "co", date(2023, 12, 31))
    return issue


def test_a_unit_that_comes_back_gets_its_own_earlier_deadline_back() -> None:
    issue = yh01_and_agr()
    issue.reassign(ADMIN, lead=AGR, co=[], reason="改由农业局牵头", today=TODAY)
    issue.reassign(ADMIN, lead=AGR, co=[YH01], reason="盐湖区配合", today=TODAY)
    assert issue.assignment_of(YH01) == Assignment(YH01, "co", DEADLINE)
    assert issue.assignment_of(AGR) == Assignment(AGR, "lead", date(2023, 12, 31))
    # No deadline is needed for it, and one given does not replace its own.
    issue.reassign(ADMIN, lead=AGR, co=[], reason="x", today=TODAY)
    issue.reassign(ADMIN, lead=AGR, co=[YH01], reason="x", deadline="2024-01-31", today=TODAY)
    assert issue.assignment_of(YH01) == Assignment(YH01, "co", DEADLINE)


def test_a_unit_that_comes_back_is_overdue_again_for_its_own_missed_deadline() -> None:
    issue = yh01_and_agr()
    day_after = DEADLINE + timedelta(days=1)
    assert issue.miss_deadline(SYSTEM, unit=YH01, today=day_after)
    assert issue.overdue
    issue.reassign(ADMIN, lead=AGR, co=[], reason="改由农业局牵头", today=day_after)
    assert not issue.overdue  # AGR's own deadline is not missed
    issue.reassign(ADMIN, lead=AGR, co=[YH01], reason="盐湖区配合", today=day_after)
    yh01 = issue.assignment_of(YH01)
    assert yh01 is not None and yh01.deadline == DEADLINE
    assert issue.is_overdue(yh01) and issue.overdue
    # And the history shows the facts that made it so: nothing but the grant moved a deadline.
    names = [type(e).__name__ for e in collected(issue)]
    assert names.count("ExtensionGranted") == 1
    assert names[-2:] == ["Reassigned", "Reassigned"]


def test_the_remembered_deadlines_are_rebuilt_from_the_stored_events() -> None:
    issue = yh01_and_agr()
    issue.reassign(ADMIN, lead=AGR, co=[], reason="改由农业局牵头", today=TODAY)
    mapper = Application[Any]().mapper
    stored = [mapper.to_domain_event(mapper.to_stored_event(e)) for e in collected(issue)]
    rebuilt: Any = None
    for e in stored:
        rebuilt = e.mutate(rebuilt)
    assert rebuilt.unit_deadlines == {YH01: DEADLINE, AGR: date(2023, 12, 31)}
    rebuilt.reassign(ADMIN, lead=AGR, co=[YH01], reason="盐湖区配合", today=TODAY)
    assert rebuilt.assignment_of(YH01) == Assignment(YH01, "co", DEADLINE)


# -- which deadline an extension moves ------------------------------------------------------


def test_an_extension_is_for_the_requesters_unit_by_default() -> None:
    issue = issue_in("assigned")
    issue.request_extension(CO_HANDLER, deadline="2023-12-31", reason="资金未到位", today=TODAY)
    (requested,) = collected(issue)
    assert (requested.unit, requested.units) == (CO_UNIT, [CO_UNIT])
    issue.decide_extension(ADMIN, granted=True)
    (granted,) = collected(issue)
    assert (granted.units, granted.previous_deadlines) == ([CO_UNIT], {CO_UNIT: CO_DEADLINE.isoformat()})
    assert issue.assignment_of(CO_UNIT) == Assignment(CO_UNIT, "co", date(2023, 12, 31))
    assert issue.deadline == DEADLINE


def test_the_lead_may_ask_for_several_units_and_the_grant_moves_exactly_those() -> None:
    issue = issue_in("reported")
    issue.assign(ADMIN, lead=LEAD_UNIT, co=[CO_UNIT, OTHER_UNIT], deadline=DEADLINE, today=TODAY)
    issue.request_extension(
        HANDLER, deadline="2023-12-31", reason="统一延期", units=[LEAD_UNIT, CO_UNIT], today=TODAY
    )
    assert issue.pending_extension is not None
    assert issue.pending_extension["units"] == [LEAD_UNIT, CO_UNIT]
    issue.decide_extension(ADMIN, granted=True, note="同意")
    granted = collected(issue)[-1]
    assert type(granted).__name__ == "ExtensionGranted"
    assert granted.units == [LEAD_UNIT, CO_UNIT]
    assert granted.previous_deadlines == {LEAD_UNIT: "2023-09-30", CO_UNIT: "2023-09-30"}
    assert [(a.unit, a.deadline) for a in issue.assignments] == [
        (LEAD_UNIT, date(2023, 12, 31)),
        (CO_UNIT, date(2023, 12, 31)),
        (OTHER_UNIT, DEADLINE),
    ]


def test_the_lead_may_ask_for_a_co_unit_alone() -> None:
    issue = issue_in("assigned")
    issue.request_extension(
        HANDLER, deadline="2023-12-31", reason="配合单位资金未到位", units=[CO_UNIT], today=TODAY
    )
    issue.decide_extension(ADMIN, granted=True)
    assert issue.deadline == DEADLINE
    assert issue.assignment_of(CO_UNIT) == Assignment(CO_UNIT, "co", date(2023, 12, 31))


def test_a_co_unit_asks_only_for_itself_and_only_for_assigned_units() -> None:
    issue = issue_in("assigned")
    with pytest.raises(Forbidden):
        issue.request_extension(CO_HANDLER, deadline="2023-12-31", reason="x", units=[LEAD_UNIT], today=TODAY)
    with pytest.raises(InvalidInput) as refused:
        issue.request_extension(HANDLER, deadline="2023-12-31", reason="x", units=[OTHER_UNIT], today=TODAY)
    assert refused.value.field == "units"
    # Later than every named unit's current deadline.
    with pytest.raises(InvalidInput) as refused:
        issue.request_extension(
            HANDLER, deadline=CO_DEADLINE, reason="x", units=[LEAD_UNIT, CO_UNIT], today=TODAY
        )
    assert refused.value.field == "deadline"
    assert collected(issue) == []


def test_invalid_units_are_reported_before_the_lifecycle() -> None:
    issue = issue_in("assigned_pending_extension")
    with pytest.raises(InvalidInput):
        issue.request_extension(HANDLER, deadline="2023-12-31", reason="x", units=[OTHER_UNIT], today=TODAY)
    with pytest.raises(TransitionNotAllowed):
        issue.request_extension(HANDLER, deadline="2023-12-31", reason="x", units=[CO_UNIT], today=TODAY)


def test_reassigning_away_a_unit_of_the_request_drops_the_request() -> None:
    issue = issue_in("assigned")
    issue.request_extension(HANDLER, deadline="2023-12-31", reason="x", units=[CO_UNIT], today=TODAY)
    issue.reassign(ADMIN, lead=LEAD_UNIT, co=[], reason="精简", today=TODAY)
    assert issue.pending_extension is None


def _old_format(event: Any, *drop: str) -> Any:
    """``event`` as a store that predates ``drop`` holds it: stored without them."""
    mapper = Application[Any]().mapper
    stored = mapper.to_stored_event(event)
    state = mapper.transcoder.decode(stored.state)
    for name in drop:
        del state[name]
    old = type(stored)(
        stored.originator_id, stored.originator_version, stored.topic, mapper.transcoder.encode(state)
    )
    return mapper.to_domain_event(old)


def test_stored_extension_events_without_units_still_load_and_mean_the_requesting_unit() -> None:
    issue = Issue.report(actor=INSPECTOR, campaign=new_campaign(), **report_fields())
    issue.assign(ADMIN, lead=LEAD_UNIT, co=[CO_UNIT], deadline=DEADLINE, today=TODAY)
    issue.request_extension(HANDLER, deadline="2023-12-31", reason="雨季", today=TODAY)
    issue.decide_extension(ADMIN, granted=True)
    reported, assigned, requested, granted = collected(issue)
    old_requested = _old_format(requested, "units")
    assert "units" not in vars(old_requested)
    events = [reported, assigned, old_requested, _old_format(granted, "units", "previous_deadlines")]
    rebuilt: Any = None
    for e in events[:3]:
        rebuilt = e.mutate(rebuilt)
    assert rebuilt.pending_extension["units"] == [LEAD_UNIT]
    rebuilt = events[3].mutate(rebuilt)
    assert rebuilt.assignment_of(LEAD_UNIT) == Assignment(LEAD_UNIT, "lead", date(2023, 12, 31))
    assert rebuilt.assignment_of(CO_UNIT) == Assignment(CO_UNIT, "co", DEADLINE)
    assert rebuilt.unit_deadlines == {LEAD_UNIT: date(2023, 12, 31), CO_UNIT: DEADLINE}


# -- per-assignment overdue and warned ------------------------------------------------------


def test_each_assignment_says_whether_it_is_overdue_or_warned() -> None:
    issue = issue_in("assigned")  # lead 2023-09-30, co 2023-10-31
    issue.warn_deadline(SYSTEM, unit=LEAD_UNIT, today=DEADLINE - timedelta(days=2))
    issue.warn_deadline(SYSTEM, unit=CO_UNIT, today=CO_DEADLINE - timedelta(days=2))
    issue.miss_deadline(SYSTEM, unit=CO_UNIT, today=CO_DEADLINE + timedelta(days=1))
    view = IssueView.of(issue)
    assert [(a.unit, a.deadline, a.overdue, a.warned) for a in view.assignments] == [
        (LEAD_UNIT, DEADLINE, False, True),
        (CO_UNIT, CO_DEADLINE, True, True),
    ]
    # The issue's deadline is the lead's; it is overdue because an assignment is.
    assert (view.deadline, view.overdue) == (DEADLINE, True)
    # A granted extension gives the co unit a new deadline, neither warned nor missed yet.
    issue.request_extension(CO_HANDLER, deadline="2023-12-31", reason="x", today=TODAY)
    issue.decide_extension(ADMIN, granted=True)
    co = IssueView.of(issue).assignments[1]
    assert (co.overdue, co.warned) == (False, False)
    assert not IssueView.of(issue).overdue


# -- discovery evidence ------------------------------------------------------------------------


def test_the_reporter_attaches_discovery_photos_while_the_issue_is_reported() -> None:
    issue = issue_in("reported")  # reported by INSPECTOR
    issue.attach_evidence(INSPECTOR, files=[dict(FILE)], note="现场照片")
    (event,) = collected(issue)
    assert type(event).__name__ == "DiscoveryEvidenceAttached"
    assert (event.unit, event.note) == ("OFF", "现场照片")
    assert issue.discovery_evidence == [FILE]
    assert issue.evidence == []  # apart from rectification evidence
    assert IssueView.of(issue).discovery_evidence == (FILE,)


@pytest.mark.parametrize("actor", [OTHER_INSPECTOR, ADMIN, HANDLER])
def test_others_may_not_attach_while_the_issue_is_reported(actor: Actor) -> None:
    issue = issue_in("reported")
    with pytest.raises(Forbidden):
        issue.attach_evidence(actor, files=[dict(FILE)])
    assert collected(issue) == []


def test_after_the_report_evidence_is_the_assigned_units_rectification_evidence() -> None:
    issue = issue_in("reported")
    issue.attach_evidence(INSPECTOR, files=[dict(FILE)])
    issue.assign(ADMIN, lead=LEAD_UNIT, deadline=DEADLINE, today=TODAY)
    with pytest.raises(Forbidden):
        issue.attach_evidence(INSPECTOR, files=[dict(FILE, id="f2")])
    issue.attach_evidence(HANDLER, files=[dict(FILE, id="f3")])
    assert [f["id"] for f in issue.discovery_evidence] == ["f1"]
    assert [f["id"] for f in issue.evidence] == ["f3"]
