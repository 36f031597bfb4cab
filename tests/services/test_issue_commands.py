"""The issue command handlers (``services/issues.py``) on SQLite and PostgreSQL.

The pipeline reports, in the contract's order: 404 (the issue is unknown or the
actor may not see it), 403 (role or unit), 412 (expected version), 422 (input),
409 (lifecycle). Scope comes from the org tree of ``tests.support.small_city``:
root C; counties C01, C02 with a township and a village each; department D01;
office OFF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from domain.errors import Forbidden, InvalidInput, NotFound, StaleVersion, TransitionNotAllowed
from domain.issue import Issue
from domain.lifecycle import Action
from services.bootstrap import Services, build
from services.read_model.queries import IssueFilter
from services.views import IssueView
from tests.support import City, report, small_city

DEADLINE = date(2023, 9, 30)


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def assigned(s: Services, city: City, **kw: Any) -> str:
    """A problem in a C01 village, assigned to D01 (lead) and C01 (co)."""
    issue = report(s, city, **kw)
    s.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=DEADLINE, measures="限期改造")
    return issue


def submitted(s: Services, city: City, **kw: Any) -> str:
    issue = assigned(s, city, **kw)
    s.app.submit(city.handler, issue, summary="已完成改造")
    return issue


# -- 404: unknown, or not visible ------------------------------------------------------


def test_an_unknown_issue_is_not_found(services: Services, city: City) -> None:
    report(services, city)
    for ref in (str(uuid4()), uuid4(), "YC2023-0999", "NOPE-0001", "not an issue", "YC2023-", ""):
        with pytest.raises(NotFound):
            services.app.get_issue(city.admin, ref)
        with pytest.raises(NotFound):
            services.app.comment(city.admin, ref, text="有吗")
        with pytest.raises(NotFound):
            services.app.history(city.admin, ref)


def test_an_issue_is_found_by_id_or_code(services: Services, city: City) -> None:
    first = report(services, city)
    second = report(services, city, title="第二个问题")
    assert services.app.get_issue(city.admin, "YC2023-0001").id == first
    assert services.app.get_issue(city.admin, "YC2023-2").id == second
    assert services.app.get_issue(city.admin, UUID(second)).code == "YC2023-0002"


def test_a_handler_of_another_unit_gets_not_found_for_everything(services: Services, city: City) -> None:
    issue = assigned(services, city)
    app, other = services.app, city.other_handler  # handler of C02: not assigned
    attempts: list[Callable[[], object]] = [
        lambda: app.get_issue(other, issue),
        lambda: app.history(other, issue),
        lambda: app.report_progress(other, issue, note="x"),
        lambda: app.submit(other, issue, summary="x"),
        lambda: app.comment(other, issue, text="x"),
        # A wrong role too: 404 still wins over 403.
        lambda: app.assign(other, issue, lead="C02", deadline=DEADLINE),
        lambda: app.verify(other, issue, passed=True),
        # And over 412 and 422.
        lambda: app.report_progress(other, issue, note="", expected_version=99),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert services.app.get_issue(city.admin, issue).version == 2


def test_a_handler_sees_issues_assigned_to_its_unit_or_below(services: Services, city: City) -> None:
    issue = report(services, city)
    # Not yet assigned: a handler of the location's county does not see it.
    with pytest.raises(NotFound):
        services.app.get_issue(city.county_handler, issue)
    services.app.assign(city.admin, issue, lead="C01T1", deadline=DEADLINE)
    # Assigned to a township below C01: the county's handler sees it ...
    assert services.app.get_issue(city.county_handler, issue).lead == "C01T1"
    services.app.comment(city.county_handler, issue, text="请镇里抓紧")
    # ... but only the township's own handlers may work on it (403, not 404).
    with pytest.raises(Forbidden):
        services.app.report_progress(city.county_handler, issue, note="代报")
    with pytest.raises(NotFound):
        services.app.get_issue(city.handler, issue)


def test_a_clerk_sees_only_what_is_located_in_its_subtree(services: Services, city: City) -> None:
    mine = report(services, city, unit="C01T1V1")
    above = report(services, city, unit="C01")
    elsewhere = report(services, city, unit="C02T1V1")
    # Being assigned into the clerk's county gives the clerk nothing.
    services.app.assign(city.admin, elsewhere, lead="C01", deadline=DEADLINE)
    services.app.comment(city.clerk, mine, text="村里已知晓")
    for issue in (above, elsewhere):
        with pytest.raises(NotFound):
            services.app.get_issue(city.clerk, issue)
        with pytest.raises(NotFound):
            services.app.comment(city.clerk, issue, text="x")


def test_a_reviewer_sees_what_is_located_in_or_assigned_to_its_subtree(
    services: Services, city: City
) -> None:
    located = report(services, city, unit="C01T1V1")
    assigned_in = report(services, city, unit="C02T1V1")
    services.app.assign(city.admin, assigned_in, lead="C01T1", deadline=DEADLINE)
    neither = report(services, city, unit="C02T1V1")
    services.app.assign(city.admin, neither, lead="D01", deadline=DEADLINE)
    assert services.app.get_issue(city.reviewer, located).id == located
    assert services.app.get_issue(city.reviewer, assigned_in).id == assigned_in
    with pytest.raises(NotFound):
        services.app.get_issue(city.reviewer, neither)
    assert services.app.get_issue(city.other_reviewer, neither).id == neither
    for everyone in (city.admin, city.leader, city.inspector, city.city_reviewer):
        assert services.app.get_issue(everyone, neither).id == neither


# -- 403: role and unit -----------------------------------------------------------------


def test_a_wrong_role_is_forbidden(services: Services, city: City) -> None:
    issue = report(services, city)
    app = services.app
    attempts: list[tuple[Actor, Callable[[Actor], object]]] = [
        (city.leader, lambda a: app.assign(a, issue, lead="D01", deadline=DEADLINE)),
        (city.inspector, lambda a: app.assign(a, issue, lead="D01", deadline=DEADLINE)),
        (city.reviewer, lambda a: app.reject(a, issue, reason="不是问题")),
        (city.leader, lambda a: app.reject(a, issue, reason="不是问题", duplicate_of="YC2023-0001")),
        (city.clerk, lambda a: app.decide_extension(a, issue, granted=True)),
        (
            city.clerk,
            lambda a: app.reclassify(
                a, issue, aspect="A02", category="A02C01", severity="general", key=False, reason="x"
            ),
        ),
    ]
    for actor, command in attempts:
        with pytest.raises(Forbidden):
            command(actor)
    view = app.get_issue(city.admin, issue)
    assert (view.status, view.version) == ("reported", 1)


def test_handler_work_is_forbidden_to_others_who_see_the_issue(services: Services, city: City) -> None:
    issue = assigned(services, city)
    app = services.app
    for actor in (city.admin, city.leader, city.inspector, city.reviewer):
        with pytest.raises(Forbidden):
            app.report_progress(actor, issue, note="代报")
        with pytest.raises(Forbidden):
            app.submit(actor, issue, summary="代交")
        with pytest.raises(Forbidden):
            app.request_extension(actor, issue, deadline="2023-12-31", reason="x")
    # The lead's and the co unit's handlers may.
    app.report_progress(city.handler, issue, note="已开工")
    view = app.report_progress(city.county_handler, issue, note="已配合")
    assert view.version == 4


def test_only_reviewers_verify(services: Services, city: City) -> None:
    issue = submitted(services, city)
    for actor in (city.admin, city.leader, city.handler, city.inspector):
        with pytest.raises(Forbidden):
            services.app.verify(actor, issue, passed=True, note="通过")
    assert services.app.get_issue(city.admin, issue).status == "submitted"


def test_a_reviewer_verifies_only_in_its_subtree(services: Services, city: City) -> None:
    issue = submitted(services, city)  # located in C01T1V1, assigned to D01 and C01
    with pytest.raises(NotFound):
        services.app.verify(city.other_reviewer, issue, passed=True)
    view = services.app.verify(city.reviewer, issue, passed=True, note="现场核查通过")
    assert view.status == "closed"
    # The city's reviewer (root) may too, on another one.
    other = report(services, city, unit="C02T1V1")
    services.app.assign(city.admin, other, lead="D01", deadline=DEADLINE)
    services.app.submit(city.handler, other, summary="完成")
    with pytest.raises(NotFound):
        services.app.verify(city.reviewer, other, passed=False, note="x")
    assert services.app.verify(city.city_reviewer, other, passed=False, note="材料不全").status == "assigned"


def test_the_submitter_never_verifies_even_with_a_reviewers_role(services: Services, city: City) -> None:
    issue = submitted(services, city)  # submitted by the D01 handler
    services.app.change_user_role(city.admin, "handler", role="reviewer", unit="C01")
    turned = services.app.actor_for("handler")
    assert turned.user_id == city.handler.user_id
    with pytest.raises(Forbidden):
        services.app.verify(turned, issue, passed=True, note="自己验收")
    assert services.app.get_issue(city.admin, issue).status == "submitted"
    assert services.app.verify(city.reviewer, issue, passed=True).status == "closed"


def test_a_clerk_reports_only_inside_its_subtree(services: Services, city: City) -> None:
    app = services.app
    fields: dict[str, Any] = {
        "campaign": "YC2023",
        "title": "饮水不达标",
        "source": "cadre",
        "aspect": "A01",
        "category": "A01C01",
    }
    view = app.report_issue(city.clerk, unit="C01T1V1", **fields)
    assert (view.code, view.unit, view.status) == ("YC2023-0001", "C01T1V1", "reported")
    assert view.reported_by["username"] == "clerk"
    for outside in ("C01T1", "C01", "C02T1V1", "C", "D01"):
        with pytest.raises(Forbidden):
            app.report_issue(city.clerk, unit=outside, **fields)
    # Refused reports take no number.
    assert app.report_issue(city.inspector, unit="C02T1V1", **fields).code == "YC2023-0002"
    assert app.report_issue(city.admin, unit="D01", **fields).code == "YC2023-0003"


def test_roles_that_do_not_report(services: Services, city: City) -> None:
    for actor in (city.handler, city.reviewer, city.leader):
        with pytest.raises(Forbidden):
            services.app.report_issue(
                actor,
                campaign="YC2023",
                title="x",
                source="flying",
                aspect="A01",
                category="A01C01",
                unit="C01T1V1",
            )
    assert services.queries.count_issues() == 0


def test_report_refuses_invalid_input(services: Services, city: City) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"campaign": "NOPE"}, "campaign"),
        ({"unit": "C99"}, "unit"),
        ({"title": "题" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"description": "述" * 5001}, "description"),
        ({"source": "gossip"}, "source"),
        ({"severity": "extreme"}, "severity"),
        ({"aspect": "A09"}, "aspect"),
        ({"category": "A02C01"}, "category"),
        ({"discovered_at": "2023-02-30"}, "discovered_at"),
    ]
    for kw, field_name in cases:
        with pytest.raises(InvalidInput) as refused:
            report(services, city, **kw)
        assert refused.value.field == field_name
    assert services.app.get_campaign("YC2023").issues_numbered == 0
    # The limits themselves are fine.
    view = services.app.get_issue(
        city.admin, report(services, city, title="题" * 200, description="述" * 5000)
    )
    assert (len(view.title), len(view.description), view.code) == (200, 5000, "YC2023-0001")


# -- the order: 404 -> 403 -> 412 -> 422 -> 409 -----------------------------------------


def test_the_pipeline_orders_its_refusals(services: Services, city: City) -> None:
    issue = assigned(services, city)  # version 2, status assigned
    app = services.app
    # 403 beats 412, 422 and 409: a leader, a stale version, no lead, wrong status.
    with pytest.raises(Forbidden):
        app.assign(city.leader, issue, lead="", deadline="never", expected_version=1)
    # 412 beats 422 and 409.
    with pytest.raises(StaleVersion) as stale:
        app.assign(city.admin, issue, lead="", deadline="never", expected_version=1)
    assert (stale.value.expected, stale.value.actual) == (1, 2)
    # 422 beats 409.
    with pytest.raises(InvalidInput) as invalid:
        app.assign(city.admin, issue, lead="D01", deadline="never", expected_version=2)
    assert invalid.value.field == "deadline"
    with pytest.raises(InvalidInput) as invalid:
        app.assign(city.admin, issue, lead="NOPE", deadline=DEADLINE, expected_version=2)
    assert invalid.value.field == "lead"
    # 409, with the current status.
    with pytest.raises(TransitionNotAllowed) as refused:
        app.assign(city.admin, issue, lead="D01", deadline=DEADLINE, expected_version=2)
    assert refused.value.status == "assigned"
    # Nothing was recorded along the way.
    assert app.get_issue(city.admin, issue).version == 2


def test_the_submitter_as_verifier_is_a_403_and_comes_before_412_and_422(
    services: Services, city: City
) -> None:
    issue = submitted(services, city)  # version 3, submitted by the D01 handler
    services.app.change_user_role(city.admin, "handler", role="reviewer", unit="C01")
    turned = services.app.actor_for("handler")
    with pytest.raises(Forbidden):
        services.app.verify(turned, issue, passed=True, expected_version=1)
    with pytest.raises(Forbidden):
        services.app.verify(turned, issue, passed=False, note="")
    assert services.app.get_issue(city.admin, issue).version == 3


def test_invalid_input_comes_before_the_lifecycle_for_reassign_and_extension(
    services: Services, city: City
) -> None:
    app = services.app
    fresh = report(services, city)
    with pytest.raises(InvalidInput) as refused:
        app.reassign(city.admin, fresh, lead="C01", co=["C01"], reason="改派")
    assert refused.value.field == "co"
    issue = submitted(services, city)
    with pytest.raises(InvalidInput) as refused:
        app.request_extension(city.handler, issue, deadline="2023-01-01", reason="x")
    assert refused.value.field == "deadline"
    with pytest.raises(TransitionNotAllowed):
        app.request_extension(city.handler, issue, deadline="2023-12-31", reason="x")


def test_the_right_expected_version_is_accepted_and_a_stale_one_changes_nothing(
    services: Services, city: City
) -> None:
    issue = report(services, city)
    app = services.app
    view = app.comment(city.leader, issue, text="要高度重视", expected_version=1)
    assert view.version == 2
    with pytest.raises(StaleVersion):
        app.comment(city.leader, issue, text="再次批示", expected_version=1)
    with pytest.raises(StaleVersion):
        app.comment(city.leader, issue, text="未来的版本", expected_version=3)
    assert app.get_issue(city.admin, issue).version == 2
    assert len(app.history(city.admin, issue)) == 2


def test_a_checked_command_decides_on_the_checked_issue_once(services: Services, city: City) -> None:
    issue = report(services, city)
    app = services.app
    loads: list[UUID] = []
    original = app._visible_issue

    def counting(actor: Actor, ref: str | UUID) -> Issue:
        found = original(actor, ref)
        loads.append(found.id)
        return found

    app._visible_issue = counting  # type: ignore[method-assign]
    with app.checked_command(city.leader, issue, Action.COMMENT, 1):
        app.comment(city.leader, issue, text="要高度重视", expected_version=1)
        app.comment(city.leader, issue, text="再次批示")  # the second one loads again
    assert len(loads) == 2
    assert app.get_issue(city.admin, issue).version == 3


def test_a_write_between_check_and_command_is_retried_or_stale(services: Services, city: City) -> None:
    issue = report(services, city)
    app = services.app
    with app.checked_command(city.leader, issue, Action.COMMENT):
        app.comment(city.inspector, issue, text="插队")  # another request wins the race
        view = app.comment(city.leader, issue, text="要高度重视")
    assert view.version == 3
    last = app.history(city.admin, issue)[-1]
    assert (last.actor["username"], last.data["text"]) == (city.leader.username, "要高度重视")
    with pytest.raises(StaleVersion), app.checked_command(city.leader, issue, Action.COMMENT, 3):
        app.comment(city.inspector, issue, text="又插队")
        app.comment(city.leader, issue, text="批示", expected_version=3)
    assert app.get_issue(city.admin, issue).version == 4


def test_invalid_input_on_commands(services: Services, city: City) -> None:
    issue = assigned(services, city)
    app = services.app
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: app.report_progress(city.handler, issue, note=""), "note"),
        (lambda: app.submit(city.handler, issue, summary=" "), "summary"),
        (lambda: app.request_extension(city.handler, issue, deadline="2023-09-01", reason="x"), "deadline"),
        (lambda: app.request_extension(city.handler, issue, deadline="soon", reason="x"), "deadline"),
        (lambda: app.reassign(city.admin, issue, lead="C99", reason="x"), "lead"),
        (lambda: app.reassign(city.admin, issue, lead="C02", co=["C99"], reason="x"), "co"),
        (lambda: app.reassign(city.admin, issue, lead="C02", reason=""), "reason"),
        (lambda: app.comment(city.leader, issue, text=""), "text"),
        (lambda: app.attach_evidence(city.handler, issue, files=[]), "file"),
        (
            lambda: app.reclassify(
                city.admin, issue, aspect="A01", category="A02C01", severity="general", key=False, reason="x"
            ),
            "category",
        ),
    ]
    for command, field_name in cases:
        with pytest.raises(InvalidInput) as refused:
            command()
        assert refused.value.field == field_name
    assert app.get_issue(city.admin, issue).version == 2


def test_the_lifecycle_refusal_names_the_current_status(services: Services, city: City) -> None:
    issue = submitted(services, city)
    app = services.app
    with pytest.raises(TransitionNotAllowed) as refused:
        app.report_progress(city.handler, issue, note="还在做")
    assert refused.value.status == "submitted"
    app.verify(city.reviewer, issue, passed=True)
    commands: list[Callable[[], object]] = [
        lambda: app.submit(city.handler, issue, summary="再交一次"),
        lambda: app.reassign(city.admin, issue, lead="C02", reason="x", deadline="2023-12-31"),
        lambda: app.verify(city.reviewer, issue, passed=False, note="x"),
        lambda: app.reject(city.admin, issue, reason="x"),
    ]
    for command in commands:
        with pytest.raises(TransitionNotAllowed) as refused:
            command()
        assert refused.value.status == "closed"


# -- the whole lifecycle through the services ----------------------------------------------


def test_return_reopen_and_extension_through_the_services(services: Services, city: City) -> None:
    app = services.app
    issue = assigned(services, city)
    view = app.request_extension(city.handler, issue, deadline="2023-10-31", reason="雨季")
    assert view.deadline == DEADLINE
    assert view.pending_extension == {
        "unit": "D01",
        "deadline": "2023-10-31",
        "reason": "雨季",
        "units": ["D01"],
    }
    with pytest.raises(TransitionNotAllowed):
        app.request_extension(city.county_handler, issue, deadline="2023-11-30", reason="也要延期")
    view = app.decide_extension(city.admin, issue, granted=True, note="同意")
    assert view.deadline == date(2023, 10, 31)
    assert view.pending_extension is None

    app.submit(city.county_handler, issue, summary="完成")
    view = app.verify(city.reviewer, issue, passed=False, note="材料不全")
    assert (view.status, view.closed_at) == ("assigned", None)
    app.submit(city.handler, issue, summary="补齐")
    view = app.verify(city.city_reviewer, issue, passed=True)
    assert view.status == "closed"
    assert view.closed_at is not None

    assert view.pending_extension is None
    view = app.reopen(city.reviewer, issue, reason="回头看反弹", deadline="2024-03-31")
    assert (view.status, view.closed_at) == ("assigned", None)
    assert [a.deadline for a in view.assignments] == [date(2024, 3, 31)] * 2
    with pytest.raises(NotFound):
        app.reopen(city.other_reviewer, issue, reason="x")


def test_an_undecided_extension_request_ends_with_the_closure(services: Services, city: City) -> None:
    app = services.app
    issue = assigned(services, city)
    app.request_extension(city.handler, issue, deadline="2023-10-31", reason="雨季")
    app.submit(city.handler, issue, summary="提前完成")
    view = app.verify(city.reviewer, issue, passed=True)
    assert (view.status, view.pending_extension) == ("closed", None)
    app.reopen(city.admin, issue, reason="回头看反弹", deadline="2024-03-31")
    view = app.request_extension(city.handler, issue, deadline="2024-04-30", reason="冬季停工")
    assert view.pending_extension == {
        "unit": "D01",
        "deadline": "2024-04-30",
        "reason": "冬季停工",
        "units": ["D01"],
    }
    assert app.get_issue(city.admin, issue).deadline == date(2024, 3, 31)


def test_dispute_and_reassign_keep_deadlines(services: Services, city: City) -> None:
    app = services.app
    issue = assigned(services, city)
    view = app.dispute_assignment(city.handler, issue, reason="不属于教育局")
    assert view.pending_dispute == {"unit": "D01", "reason": "不属于教育局"}
    view = app.reassign(
        city.admin, issue, lead="C01", co=["C02"], reason="改由属地牵头", deadline="2023-11-15"
    )
    # C01 stays and keeps its deadline; C02 is new and gets the one given for it.
    assert [(a.unit, a.role, a.deadline) for a in view.assignments] == [
        ("C01", "lead", DEADLINE),
        ("C02", "co", date(2023, 11, 15)),
    ]
    assert view.pending_dispute is None
    # The old lead loses sight of it; the new co unit sees it.
    with pytest.raises(NotFound):
        app.get_issue(city.handler, issue)
    assert app.report_progress(city.other_handler, issue, note="已接手").version == 5


# -- merge as duplicate -------------------------------------------------------------------------


def test_reject_with_duplicate_of_merges_into_the_original(services: Services, city: City) -> None:
    app = services.app
    original = report(services, city)
    duplicate = report(services, city, title="同一户危房（重复登记）")
    view = app.reject(city.admin, duplicate, reason="", duplicate_of=original)
    assert view.status == "rejected"
    assert view.duplicate_of == original
    assert view.rejection_reason == "duplicate of YC2023-0001"
    (last,) = app.history(city.admin, duplicate)[-1:]
    assert last.type == "MergedAsDuplicate"
    assert last.data["duplicate_of_code"] == "YC2023-0001"
    # The original is untouched.
    assert app.get_issue(city.admin, original).version == 1


def test_duplicate_of_may_be_a_code(services: Services, city: City) -> None:
    original = report(services, city)
    duplicate = report(services, city)
    view = services.app.reject(city.admin, duplicate, reason="重复", duplicate_of="YC2023-0001")
    assert view.duplicate_of == original
    assert view.rejection_reason == "重复"


def test_merge_refusals(services: Services, city: City) -> None:
    app = services.app
    original = report(services, city)
    duplicate = report(services, city)
    rejected = report(services, city)
    app.reject(city.admin, rejected, reason="不是问题")
    for bad in (str(uuid4()), "YC2023-0099", duplicate, rejected):
        with pytest.raises(InvalidInput) as refused:
            app.reject(city.admin, duplicate, reason="重复", duplicate_of=bad)
        assert refused.value.field == "duplicate_of"
    # Only a reported issue is merged.
    app.assign(city.admin, duplicate, lead="D01", deadline=DEADLINE)
    with pytest.raises(TransitionNotAllowed) as not_now:
        app.reject(city.admin, duplicate, reason="重复", duplicate_of=original)
    assert not_now.value.status == "assigned"
    with pytest.raises(TransitionNotAllowed):
        app.reject(city.admin, duplicate, reason="不是问题")


# -- history and as_of ---------------------------------------------------------------------------


def test_history_is_every_fact_oldest_first_with_actor_and_data(services: Services, city: City) -> None:
    app = services.app
    issue = submitted(services, city)
    app.verify(city.reviewer, issue, passed=False, note="材料不全")
    app.comment(city.leader, issue, text="务必按期整改")
    history = app.history(city.leader, issue)
    assert [h.type for h in history] == [
        "Reported",
        "Assigned",
        "Submitted",
        "VerificationFailed",
        "CommentAdded",
    ]
    assert [h.version for h in history] == [1, 2, 3, 4, 5]
    assert [h.at for h in history] == sorted(h.at for h in history)
    assert all(h.at.tzinfo is not None for h in history)
    assert [(h.actor["username"], h.actor["role"], h.actor["unit"]) for h in history] == [
        ("inspector", "inspector", "OFF"),
        ("admin", "admin", "OFF"),
        ("handler", "handler", "D01"),
        ("reviewer", "reviewer", "C01"),
        ("leader", "leader", "C"),
    ]
    reported_data, assigned_data = history[0].data, history[1].data
    assert reported_data["code"] == "YC2023-0001"
    assert reported_data["title"] == "危房改造未完成"
    assert assigned_data == {
        "assignments": [
            {"unit": "D01", "role": "lead", "deadline": "2023-09-30"},
            {"unit": "C01", "role": "co", "deadline": "2023-09-30"},
        ],
        "measures": "限期改造",
    }
    assert history[3].data == {"note": "材料不全"}
    assert history[4].data == {"text": "务必按期整改", "instruction": True}
    for h in history:
        assert "actor" not in h.data and "originator_id" not in h.data and "timestamp" not in h.data


def test_history_is_scoped_like_the_issue(services: Services, city: City) -> None:
    issue = assigned(services, city)
    assert len(services.app.history(city.handler, issue)) == 2
    with pytest.raises(NotFound):
        services.app.history(city.other_handler, issue)


def test_get_issue_as_of_gives_the_state_at_that_instant(services: Services, city: City) -> None:
    app = services.app
    issue = submitted(services, city)
    app.verify(city.reviewer, issue, passed=True)
    reported_at, assigned_at, submitted_at, closed_at = (h.at for h in app.history(city.admin, issue))

    assert app.get_issue(city.admin, issue, as_of=reported_at).status == "reported"
    # as_of includes what was recorded at exactly that instant.
    at_assignment = app.get_issue(city.admin, issue, as_of=assigned_at)
    assert (at_assignment.status, at_assignment.version, at_assignment.lead) == ("assigned", 2, "D01")
    just_before = app.get_issue(city.admin, issue, as_of=assigned_at - timedelta(microseconds=1))
    assert (just_before.status, just_before.version, just_before.lead) == ("reported", 1, None)
    assert app.get_issue(city.admin, issue, as_of=submitted_at).status == "submitted"
    closed = app.get_issue(city.admin, issue, as_of=closed_at + timedelta(days=1))
    assert (closed.status, closed.closed_at) == ("closed", closed_at)
    assert closed == app.get_issue(city.admin, issue)
    with pytest.raises(NotFound):
        app.get_issue(city.admin, issue, as_of=reported_at - timedelta(seconds=1))
    # history as_of is cut at the same instant.
    assert [h.type for h in app.history(city.admin, issue, as_of=submitted_at)] == [
        "Reported",
        "Assigned",
        "Submitted",
    ]


def test_as_of_accepts_any_time_zone(services: Services, city: City) -> None:
    issue = assigned(services, city)
    assigned_at = services.app.history(city.admin, issue)[1].at
    from zoneinfo import ZoneInfo

    in_shanghai = assigned_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert services.app.get_issue(city.admin, issue, as_of=in_shanghai).status == "assigned"
    just_before = (assigned_at - timedelta(microseconds=1)).astimezone(ZoneInfo("America/New_York"))
    assert services.app.get_issue(city.admin, issue, as_of=just_before).status == "reported"


# -- the event store agrees with the live results -------------------------------------------------


def _busy_issue(s: Services, city: City) -> IssueView:
    app = s.app
    issue = assigned(s, city, key=True)
    app.report_progress(city.handler, issue, note="已开工")
    app.attach_evidence(
        city.handler,
        issue,
        files=[{"id": "ev1", "name": "a.jpg", "size": 3, "sha256": "0" * 64, "storage_key": "ev/ev1"}],
        note="照片",
    )
    app.request_extension(city.county_handler, issue, deadline="2023-11-30", reason="雨季")
    app.decide_extension(city.admin, issue, granted=True)
    app.submit(city.county_handler, issue, summary="完成")
    app.verify(city.reviewer, issue, passed=False, note="不全")
    app.submit(city.handler, issue, summary="补齐")
    app.verify(city.reviewer, issue, passed=True)
    return app.comment(city.leader, issue, text="好")


def test_a_state_rebuilt_from_the_event_store_matches_the_live_result(services: Services, city: City) -> None:
    live = _busy_issue(services, city)
    issue_id = UUID(live.id)
    # Bypassing the repository's cache: every event replayed from the store.
    rebuilt: Any = services.app.repository.get(issue_id, version=live.version)
    assert isinstance(rebuilt, Issue)
    assert IssueView.of(rebuilt) == live
    replayed: Any = None
    for e in services.app.events_of(issue_id):
        replayed = e.mutate(replayed)
    assert IssueView.of(replayed) == live
    assert services.app.get_issue(city.admin, live.id) == live


def test_a_fresh_application_reads_the_same_state(services: Services, city: City) -> None:
    live = _busy_issue(services, city)
    fresh = build(replace(services.settings))
    try:
        assert fresh.app.get_issue(city.admin, live.id) == live
        assert fresh.app.history(city.admin, live.id) == services.app.history(city.admin, live.id)
    finally:
        fresh.close()


def test_the_read_model_follows_the_commands(services: Services, city: City) -> None:
    live = _busy_issue(services, city)
    page = services.queries.list_issues(city.leader, IssueFilter(status="closed"))
    (row,) = page.items
    assert (row.id, row.code, row.status, row.version, row.lead) == (
        live.id,
        live.code,
        "closed",
        live.version,
        "D01",
    )
    assert row.closed_at == live.closed_at


# -- the deadline job -----------------------------------------------------------------------------


def _event_count(s: Services) -> int:
    return int(s.app.recorder.max_notification_id() or 0)


def test_sweep_deadlines_warns_misses_and_writes_one_letter_per_unit(services: Services, city: City) -> None:
    app = services.app
    due = date(2023, 7, 1)
    # Two ordinary problems for D01 (one also for C01), a key problem for C02,
    # one with a later deadline, and one already submitted.
    a = report(services, city, title="问题A")
    app.assign(city.admin, a, lead="D01", co=["C01"], deadline=due)
    b = report(services, city, title="问题B")
    app.assign(city.admin, b, lead="D01", deadline=due)
    k = report(services, city, title="重点问题", key=True, unit="C02T1V1")
    app.assign(city.admin, k, lead="C02", deadline=due)
    later = report(services, city, title="后期问题")
    app.assign(city.admin, later, lead="D01", deadline=date(2023, 12, 31))
    done = report(services, city, title="已提交问题")
    app.assign(city.admin, done, lead="D01", deadline=due)
    app.submit(city.handler, done, summary="完成")
    report(services, city, title="未交办问题")

    # Three days before: warnings, once per deadline (a has two units).
    result = services.sweep_deadlines(today=date(2023, 6, 28))
    assert (result.warned, result.missed, result.letters) == (4, 0, 0)
    for issue in (a, b, k):
        assert app.history(city.admin, issue)[-1].type == "DeadlineWarned"
    assert app.history(city.admin, a)[-1].data == {"unit": "C01", "deadline": "2023-07-01", "days_left": 3}
    assert app.history(city.admin, later)[-1].type == "Assigned"
    assert app.history(city.admin, done)[-1].type == "Submitted"
    count = _event_count(services)
    again = services.sweep_deadlines(today=date(2023, 6, 28))
    assert (again.warned, again.missed, again.letters) == (0, 0, 0)
    assert _event_count(services) == count

    # On the deadline itself nothing is missed yet.
    assert services.sweep_deadlines(today=due).missed == 0
    assert not app.get_issue(city.admin, a).overdue

    # The next calendar day: missed, overdue.
    result = services.sweep_deadlines(today=date(2023, 7, 2))
    assert (result.warned, result.missed, result.letters) == (0, 4, 0)
    assert [app.get_issue(city.admin, i).overdue for i in (a, b, k, later, done)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    overdue = services.queries.list_issues(city.leader, IssueFilter(overdue=True))
    assert {i.id for i in overdue.items} == {a, b, k}
    assert services.queries.letters() == []

    # Three days overdue: the key problem escalates, the others not yet.
    result = services.sweep_deadlines(today=date(2023, 7, 4))
    assert (result.letters, result.escalated) == (1, 1)
    (letter,) = services.queries.letters()
    assert (letter["kind"], letter["unit"], letter["issues"]) == ("supervision", "C02", [k])

    # Fourteen days overdue: one letter per unit listing its overdue problems.
    result = services.sweep_deadlines(today=date(2023, 7, 15))
    assert (result.letters, result.escalated) == (2, 3)
    letters = services.queries.letters(kind="supervision")
    assert [x["number"] for x in letters] == [1, 2, 3]
    by_unit = {x["unit"]: x for x in letters[1:]}
    assert sorted(by_unit) == ["C01", "D01"]
    assert sorted(by_unit["D01"]["issues"]) == sorted([a, b])
    assert by_unit["C01"]["issues"] == [a]
    assert len({x["doc_no"] for x in letters}) == 3
    assert services.queries.letters(unit="D01") == [by_unit["D01"]]
    assert by_unit["D01"]["issued_on"] == date(2023, 7, 15)
    view = app.get_issue(city.admin, a)
    assert sorted(x["unit"] for x in view.letters) == ["C01", "D01"]
    assert all(x["deadline"] == "2023-07-01" for x in view.letters)
    assert app.history(city.admin, b)[-1].type == "SupervisionLetterIssued"
    assert app.history(city.admin, b)[-1].actor["role"] == "system"

    # Running again, or later, records nothing new.
    count = _event_count(services)
    for today in (date(2023, 7, 15), date(2023, 7, 16), date(2023, 9, 1)):
        result = services.sweep_deadlines(today=today)
        assert (result.warned, result.missed, result.letters) == (0, 0, 0)
    assert _event_count(services) == count
    assert len(services.queries.letters()) == 3


def test_sweep_deadlines_after_a_granted_extension(services: Services, city: City) -> None:
    app = services.app
    issue = report(services, city)
    app.assign(city.admin, issue, lead="D01", deadline=date(2023, 7, 1))
    services.sweep_deadlines(today=date(2023, 7, 2))
    assert app.get_issue(city.admin, issue).overdue
    app.request_extension(city.handler, issue, deadline="2023-08-31", reason="资金未到位")
    view = app.decide_extension(city.admin, issue, granted=True)
    assert (view.deadline, view.overdue) == (date(2023, 8, 31), False)
    # No letter for the old deadline any more; the new one is watched afresh.
    assert services.sweep_deadlines(today=date(2023, 7, 20)).letters == 0
    result = services.sweep_deadlines(today=date(2023, 8, 29))
    assert result.warned == 1
    assert app.get_issue(city.admin, issue).overdue is False
