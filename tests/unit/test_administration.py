"""Administrative changes of users, units and campaigns: each is an event
with who and why, no-op changes record nothing, and the rules are decided
on the aggregates."""

from __future__ import annotations

from typing import Any

import pytest

from domain.access import (
    LIST_USERS,
    MANAGE_CAMPAIGNS,
    MANAGE_UNITS,
    MANAGE_USERS,
    check_admin,
    check_may_read_user,
)
from domain.actor import Actor, Role
from domain.errors import Forbidden, InvalidInput
from domain.issue import Issue
from domain.unit import Unit
from domain.user import User
from tests.unit.builders import (
    ADMIN,
    HANDLER,
    LEADER,
    SYSTEM,
    TAXONOMY,
    new_campaign,
    report_fields,
    reported,
)


def _types(aggregate: Any) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


# -- users ------------------------------------------------------------------------------
def _user() -> User:
    user = User.create(SYSTEM, username="wang", name="王", role="handler", unit="D01", password_hash="h0")
    user.collect_events()
    return user


def test_each_user_change_is_an_event_with_who_and_why() -> None:
    user = _user()
    assert user.rename(ADMIN, name="王五", reason="typo")
    assert user.change_role(ADMIN, role="reviewer", unit="C01", reason="promoted")
    user.change_password(ADMIN, password_hash="h1", reason="forgotten")
    assert user.deactivate(ADMIN, reason="left")
    assert user.reactivate(ADMIN, reason="back")
    events = user.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Renamed",
        "RoleChanged",
        "PasswordChanged",
        "Deactivated",
        "Reactivated",
    ]
    assert all(e.actor == ADMIN.as_record() for e in events)
    assert [e.reason for e in events] == ["typo", "promoted", "forgotten", "left", "back"]
    assert (user.name, user.role, user.unit, user.password_hash, user.active) == (
        "王五",
        Role.REVIEWER,
        "C01",
        "h1",
        True,
    )


def test_user_changes_to_what_it_already_is_record_nothing() -> None:
    user = _user()
    assert not user.rename(ADMIN, name="王")
    assert not user.change_role(ADMIN, role="handler", unit="D01")
    assert not user.reactivate(ADMIN)
    assert _types(user) == []


def test_only_an_admin_changes_a_user() -> None:
    user = _user()
    for change in (
        lambda a: user.rename(a, name="x"),
        lambda a: user.change_role(a, role="clerk", unit="C01"),
        lambda a: user.deactivate(a),
    ):
        with pytest.raises(Forbidden):
            change(LEADER)
    assert _types(user) == []


def test_deactivation_ends_every_token_and_reactivation_brings_none_back() -> None:
    user = _user()
    user.issue_token(SYSTEM, token_id="t1", token_hash="x")
    user.deactivate(ADMIN)
    assert user.active_tokens == {}
    with pytest.raises(Forbidden):
        user.issue_token(SYSTEM, token_id="t2", token_hash="y")
    user.reactivate(ADMIN)
    assert user.active_tokens == {}


def test_an_admin_cannot_deactivate_itself() -> None:
    admin = User.create(SYSTEM, username="admin", name="", role="admin", unit="OFF", password_hash="h")
    me = admin.as_actor
    with pytest.raises(InvalidInput):
        admin.deactivate(me)


def test_a_user_name_has_at_most_100_characters() -> None:
    with pytest.raises(InvalidInput) as e:
        _user().rename(ADMIN, name="x" * 101)
    assert e.value.field == "name"


# -- units ------------------------------------------------------------------------------
def _tree() -> dict[str, Unit]:
    """C > C01 > C01T1 > C01T1V1, and C > C02."""
    units: dict[str, Unit] = {}
    for code, parent in (("C", None), ("C01", "C"), ("C01T1", "C01"), ("C01T1V1", "C01T1"), ("C02", "C")):
        units[code] = Unit.add(
            SYSTEM, code=code, name=code, kind="county", parent=units[parent] if parent else None
        )
        units[code].collect_events()
    return units


def test_a_unit_moves_and_the_units_below_it_record_their_new_path() -> None:
    u = _tree()
    assert u["C01T1"].move(ADMIN, u["C02"], reason="merged")
    assert u["C01T1V1"].carry(ADMIN, u["C01T1"], reason="merged")
    moved, carried = u["C01T1"].collect_events(), u["C01T1V1"].collect_events()
    assert [type(e).__name__ for e in moved + carried] == ["Moved", "Moved"]
    assert (moved[0].parent, moved[0].path, moved[0].carried_by, moved[0].reason) == (
        "C02",
        ["C", "C02", "C01T1"],
        "",
        "merged",
    )
    assert (carried[0].parent, carried[0].carried_by) == ("C01T1", "C01T1")
    assert u["C01T1V1"].path == ("C", "C02", "C01T1", "C01T1V1")
    assert u["C01T1V1"].is_within("C02") and not u["C01T1V1"].is_within("C01")


@pytest.mark.parametrize("target", ["C01T1", "C01T1V1"])
def test_a_unit_never_moves_under_itself_or_below_itself(target: str) -> None:
    u = _tree()
    with pytest.raises(InvalidInput) as e:
        u["C01T1"].move(ADMIN, u[target])
    assert e.value.field == "parent"
    assert _types(u["C01T1"]) == []


def test_the_root_does_not_move_and_a_move_to_the_same_parent_records_nothing() -> None:
    u = _tree()
    with pytest.raises(InvalidInput):
        u["C"].move(ADMIN, u["C02"])
    assert not u["C01T1"].move(ADMIN, u["C01"])
    assert not u["C02"].carry(ADMIN, u["C01"])  # not below it
    assert _types(u["C01T1"]) == []


def test_a_closed_unit_takes_no_new_unit_and_reopens() -> None:
    u = _tree()
    assert u["C02"].close(ADMIN, reason="dissolved")
    assert not u["C02"].close(ADMIN)
    assert _types(u["C02"]) == ["Closed"]
    with pytest.raises(InvalidInput):
        u["C02"].check_open()
    with pytest.raises(InvalidInput):
        u["C01T1"].move(ADMIN, u["C02"])
    with pytest.raises(InvalidInput):
        Unit.add(ADMIN, code="C02T9", name="新镇", kind="township", parent=u["C02"])
    assert u["C02"].reopen(ADMIN, reason="restored")
    u["C02"].check_open()
    assert _types(u["C02"]) == ["Reopened"]


def test_the_root_cannot_be_closed_and_only_an_admin_changes_units() -> None:
    u = _tree()
    with pytest.raises(InvalidInput):
        u["C"].close(ADMIN)
    with pytest.raises(Forbidden):
        u["C02"].rename(HANDLER, "x")
    with pytest.raises(Forbidden):
        u["C02"].close(LEADER)
    assert u["C02"].rename(ADMIN, "临猗县", reason="official name")
    assert not u["C02"].rename(ADMIN, "临猗县")
    assert _types(u["C02"]) == ["Renamed"]


# -- campaigns ----------------------------------------------------------------------------
def _revised(**changes: Any) -> list[dict[str, Any]]:
    """The test taxonomy with A01's categories or A02 replaced."""
    aspects = [dict(a) for a in TAXONOMY]
    for code, value in changes.items():
        aspects = [
            value if a["code"] == code else a for a in aspects if value is not None or a["code"] != code
        ]
    return aspects


def test_campaign_name_and_deadline_changes_are_events() -> None:
    campaign = new_campaign()
    assert campaign.rename(ADMIN, name="新名称", reason="r1")
    assert campaign.change_deadline(ADMIN, deadline="2024-06-30", reason="r2")
    assert not campaign.rename(ADMIN, name="新名称")
    assert not campaign.change_deadline(ADMIN, deadline="2024-06-30")
    events = campaign.collect_events()
    assert [(type(e).__name__, e.reason) for e in events] == [("Renamed", "r1"), ("DeadlineChanged", "r2")]
    assert campaign.deadline.isoformat() == "2024-06-30"


def test_the_same_taxonomy_records_nothing() -> None:
    campaign = new_campaign()
    assert campaign.revise_taxonomy(ADMIN, TAXONOMY) == 0
    assert _types(campaign) == []


def test_new_codes_are_added_and_names_change() -> None:
    campaign = new_campaign()
    aspects = [
        *_revised(
            A02={
                "code": "A02",
                "name": "产业帮扶和就业",
                "categories": [
                    {"code": "A02C01", "name": "产业项目"},
                    {"code": "A02C02", "name": "就业帮扶"},
                ],
            }
        ),
        {"code": "A03", "name": "乡村建设", "categories": [{"code": "A03C01", "name": "人居环境"}]},
    ]
    assert campaign.revise_taxonomy(ADMIN, aspects, reason="2024 taxonomy") == 3
    events = campaign.collect_events()
    assert [type(e).__name__ for e in events] == ["AspectRenamed", "CategoryAdded", "AspectAdded"]
    assert {e.reason for e in events} == {"2024 taxonomy"}
    campaign.check_classification("A02", "A02C02")
    campaign.check_classification("A03", "A03C01")


def test_left_out_aspects_and_categories_are_retired_and_refused_for_new_problems() -> None:
    campaign = new_campaign()
    aspects = _revised(
        A01={
            "code": "A01",
            "name": "两不愁三保障",
            "categories": [{"code": "A01C01", "name": "义务教育保障"}],
        },
        A02=None,
    )
    assert campaign.revise_taxonomy(ADMIN, aspects) == 2
    assert _types(campaign) == ["CategoryRetired", "AspectRetired"]
    with pytest.raises(InvalidInput) as e:
        Issue.report(actor=ADMIN, campaign=campaign, **report_fields(aspect="A01", category="A01C02"))
    assert e.value.field == "category"
    with pytest.raises(InvalidInput) as e:
        Issue.report(actor=ADMIN, campaign=campaign, **report_fields(aspect="A02", category="A02C01"))
    assert e.value.field == "aspect"
    # Retired entries stay in the taxonomy, marked.
    assert [a.get("retired", False) for a in campaign.aspects] == [False, True]


def test_a_problem_keeps_its_retired_category_but_none_is_reclassified_into_one() -> None:
    campaign = new_campaign()
    issue = reported(campaign, aspect="A01", category="A01C02")
    other = reported(campaign, aspect="A01", category="A01C01")
    campaign.revise_taxonomy(
        ADMIN,
        _revised(
            A01={
                "code": "A01",
                "name": "两不愁三保障",
                "categories": [{"code": "A01C01", "name": "义务教育保障"}],
            }
        ),
    )
    assert issue.category == "A01C02"
    issue.reclassify(
        ADMIN, campaign, aspect="A01", category="A01C02", severity="critical", key=True, reason="更严重"
    )
    assert issue.severity == "critical"
    with pytest.raises(InvalidInput):
        other.reclassify(
            ADMIN, campaign, aspect="A01", category="A01C02", severity="general", key=False, reason="x"
        )


def test_a_retired_code_given_again_is_restored() -> None:
    campaign = new_campaign()
    campaign.revise_taxonomy(ADMIN, _revised(A02=None))
    campaign.collect_events()
    assert campaign.revise_taxonomy(ADMIN, TAXONOMY) == 1
    assert _types(campaign) == ["AspectRestored"]
    campaign.check_classification("A02", "A02C01")


def test_a_category_never_moves_to_another_aspect_and_a_bad_taxonomy_records_nothing() -> None:
    campaign = new_campaign()
    moved = _revised(
        A01={
            "code": "A01",
            "name": "两不愁三保障",
            "categories": [{"code": "A01C01", "name": "义务教育保障"}],
        },
        A02={
            "code": "A02",
            "name": "产业帮扶",
            "categories": [{"code": "A02C01", "name": "产业项目"}, {"code": "A01C02", "name": "住房"}],
        },
    )
    with pytest.raises(InvalidInput):
        campaign.revise_taxonomy(ADMIN, moved)
    with pytest.raises(InvalidInput):
        campaign.revise_taxonomy(ADMIN, [])
    with pytest.raises(Forbidden):
        campaign.revise_taxonomy(LEADER, TAXONOMY)
    assert _types(campaign) == []


# -- the admin rules of domain/access.py ----------------------------------------------------
@pytest.mark.parametrize("role", list(Role))
def test_admins_and_the_system_administer_and_leaders_also_read_accounts(role: Role) -> None:
    actor = Actor("u", "someone", role, "C")
    for action in (MANAGE_UNITS, MANAGE_USERS, MANAGE_CAMPAIGNS, LIST_USERS):
        allowed = role in (Role.ADMIN, Role.SYSTEM) or (action == LIST_USERS and role is Role.LEADER)
        if allowed:
            check_admin(actor, action)
        else:
            with pytest.raises(Forbidden):
                check_admin(actor, action)


def test_a_user_reads_its_own_account() -> None:
    check_may_read_user(HANDLER, HANDLER.username.upper())
    with pytest.raises(Forbidden):
        check_may_read_user(HANDLER, "someone-else")
    check_may_read_user(LEADER, "someone-else")
