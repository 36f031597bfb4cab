"""Administrative changes through the services, on SQLite and PostgreSQL:
users, units (rename, move, close) and campaigns, with their effects on
signing in, on who sees what and on the read model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from domain.actor import system_actor
from domain.errors import Forbidden, InvalidInput, NotFound
from services import store
from services.accounts import NotAuthenticated
from services.bootstrap import Services, build
from services.read_model import tables as t
from services.read_model.queries import IssueFilter
from services.settings import Settings
from tests.support import TAXONOMY, City, in_days, report, small_city


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def _ids(s: Services, actor: object, **kw: object) -> set[str]:
    page = s.queries.list_issues(actor, IssueFilter(per_page=100, **kw))  # type: ignore[arg-type]
    return {item.id for item in page.items}


def _types(s: Services, aggregate_id: str) -> list[str]:
    return [type(e).__name__ for e in s.app.events_of(UUID(aggregate_id))]


# -- users ----------------------------------------------------------------------------------
def test_a_user_update_records_one_event_per_change_and_nothing_for_the_same_values(
    services: Services, city: City
) -> None:
    app = services.app
    view = app.update_user(
        city.admin, "clerk", name="李四", role="reviewer", unit="C02", password="new-password", reason="调岗"
    )
    assert (view.name, view.role, view.unit, view.active) == ("李四", "reviewer", "C02", True)
    assert _types(services, view.id)[-3:] == ["Renamed", "RoleChanged", "PasswordChanged"]
    assert {e.reason for e in app.events_of(UUID(view.id))[-3:]} == {"调岗"}
    app.update_user(city.admin, "clerk", name="李四", role="reviewer", unit="C02", password="new-password")
    assert len(app.events_of(UUID(view.id))) == 4
    assert app.authenticate("clerk", "new-password").role == "reviewer"
    row = next(u for u in services.queries.users(city.admin) if u["username"] == "clerk")
    assert (row["name"], row["role"], row["unit"]) == ("李四", "reviewer", "C02")


def test_role_and_unit_changes_apply_from_the_next_request(services: Services, city: City) -> None:
    issued = services.app.issue_token(system_actor(), "county-handler")
    assert services.app.actor_for_token(issued.token)[0].role == "handler"
    services.app.update_user(city.admin, "county-handler", role="reviewer", unit="C02")
    actor = services.app.actor_for_token(issued.token)[0]
    assert (actor.role, actor.unit) == ("reviewer", "C02")


def test_a_deactivated_user_cannot_sign_in_and_its_tokens_end_for_good(
    services: Services, city: City
) -> None:
    app = services.app
    app.update_user(city.admin, "handler", password="password-1")
    old = app.issue_token(system_actor(), "handler")
    app.update_user(city.admin, "handler", active=False, reason="离职")
    with pytest.raises(NotAuthenticated):
        app.actor_for_token(old.token)
    with pytest.raises(NotAuthenticated):
        app.authenticate("handler", "password-1")
    app.update_user(city.admin, "handler", active=True, reason="返岗")
    assert app.authenticate("handler", "password-1").username == "handler"
    with pytest.raises(NotAuthenticated):
        app.actor_for_token(old.token)
    new = app.issue_token(system_actor(), "handler")
    assert app.actor_for_token(new.token)[0].username == "handler"


def test_user_updates_keep_the_password_rule_and_need_an_open_unit(services: Services, city: City) -> None:
    app = services.app
    with pytest.raises(InvalidInput) as e:
        app.update_user(city.admin, "clerk", name="改名", password="short")
    assert e.value.field == "password"
    with pytest.raises(InvalidInput):
        app.update_user(city.admin, "clerk", unit="NOPE")
    app.update_unit(city.admin, "C02T1", active=False)
    with pytest.raises(InvalidInput):
        app.update_user(city.admin, "clerk", unit="C02T1")
    assert app.get_user(city.admin, "clerk").name == "clerk"  # nothing of the refused updates was saved


def test_only_admins_update_users_and_unknown_users_are_not_found(services: Services, city: City) -> None:
    with pytest.raises(Forbidden):
        services.app.update_user(city.leader, "clerk", name="x")
    with pytest.raises(Forbidden):
        services.app.check_may_update_user(city.leader, "clerk")
    with pytest.raises(NotFound):
        services.app.check_may_update_user(city.leader, "nobody")
    with pytest.raises(Forbidden):
        services.queries.users(city.handler)
    with pytest.raises(Forbidden):
        services.app.get_user(city.handler, "clerk")
    assert services.app.get_user(city.handler, "handler").username == "handler"


# -- units ----------------------------------------------------------------------------------
def test_a_renamed_unit_is_in_the_read_model(services: Services, city: City) -> None:
    services.app.update_unit(city.admin, "C02", name="临猗县（新）", reason="更名")
    row = next(u for u in services.queries.units() if u["code"] == "C02")
    assert row["name"] == "临猗县（新）"


def test_a_moved_unit_takes_its_subtree_and_its_problems_along(services: Services, city: City) -> None:
    app = services.app
    issue = report(services, city, unit="C01T1V1")
    assert app.within("C01T1V1", "C01")  # the path is now cached
    assert _ids(services, city.reviewer) == {issue}

    view = app.update_unit(city.admin, "C01T1", parent="C02", reason="区划调整")

    assert view.path == ("C", "C02", "C01T1")
    assert app.get_unit("C01T1V1").path == ("C", "C02", "C01T1", "C01T1V1")
    assert app.within("C01T1V1", "C02") and not app.within("C01T1V1", "C01")
    paths = {u["code"]: u["path"] for u in services.queries.units()}
    assert paths["C01T1V1"] == ["C", "C02", "C01T1", "C01T1V1"]
    # who sees what follows the tree: commands and lists, now and as of now
    assert app.get_issue(city.other_reviewer, issue).id == issue
    with pytest.raises(NotFound):
        app.get_issue(city.reviewer, issue)
    assert _ids(services, city.other_reviewer) == {issue}
    assert _ids(services, city.reviewer) == set()
    assert _ids(services, city.admin, unit="C02") == {issue}
    assert _ids(services, city.admin, unit="C01") == set()
    now = datetime.now(UTC)
    assert {
        i.id for i in services.queries.list_issues(city.other_reviewer, IssueFilter(), as_of=now).items
    } == {issue}
    assert services.queries.list_issues(city.reviewer, IssueFilter(), as_of=now).total == 0
    # the move is one event on the unit and one on each unit below it
    moved = app.events_of(app._existing_unit("C01T1V1").id)[-1]
    assert (type(moved).__name__, moved.carried_by, moved.reason) == ("Moved", "C01T1", "区划调整")


def test_a_unit_never_moves_below_itself(services: Services, city: City) -> None:
    with pytest.raises(InvalidInput) as e:
        services.app.update_unit(city.admin, "C01", parent="C01T1V1")
    assert e.value.field == "parent"
    with pytest.raises(InvalidInput):
        services.app.update_unit(city.admin, "C01", parent="NOPE")
    assert services.app.get_unit("C01T1").path == ("C", "C01", "C01T1")


def test_a_closed_unit_takes_no_new_problems_or_assignments_but_keeps_its_own(
    services: Services, city: City
) -> None:
    app = services.app
    kept = report(services, city, unit="C02T1V1")
    app.assign(city.admin, kept, lead="C02", deadline=in_days(30))
    app.update_unit(city.admin, "C02", active=False, reason="撤并")
    fresh = report(services, city, unit="C01T1V1")
    with pytest.raises(InvalidInput) as e:
        app.assign(city.admin, fresh, lead="C02", deadline=in_days(30))
    assert e.value.field == "lead"
    with pytest.raises(InvalidInput):
        report(services, city, unit="C02")
    # its problems stay its own, and a reassignment may keep it
    assert app.get_issue(city.other_handler, kept).lead == "C02"
    app.reassign(city.admin, kept, lead="C02", co=["C01"], reason="加上盐湖区", deadline=in_days(30))
    app.update_unit(city.admin, "C02", active=True, reason="恢复")
    app.assign(city.admin, fresh, lead="C02", deadline=in_days(30))


def test_only_admins_change_units(services: Services, city: City) -> None:
    with pytest.raises(Forbidden):
        services.app.update_unit(city.leader, "C02", name="x")
    with pytest.raises(NotFound):
        services.app.check_may_update_unit(city.leader, "NOPE")
    with pytest.raises(Forbidden):
        services.app.add_unit(city.leader, code="X", name="x", kind="village", parent="NOPE")


@pytest.fixture
def two(settings: Settings, tmp_path: object) -> Iterator[tuple[Services, Services, City]]:
    """Two ``Services`` on one database stand for two server processes."""
    first = build(settings)
    first.init()
    city = small_city(first)
    second = build(settings)
    second.init()
    yield first, second, city
    first.close()
    second.close()


def test_a_move_made_by_another_process_reaches_this_ones_checks_and_rows(
    two: tuple[Services, Services, City], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, city = two
    report(second, city, unit="C01T1V1")
    assert second.app.within("C01T1V1", "C01")
    assert second.queries.list_issues(city.reviewer, IssueFilter()).total == 1  # second projected it

    first.app.update_unit(city.admin, "C01T1", parent="C02")
    first.queries.list_issues(city.admin, IssueFilter())  # first projects the move

    monkeypatch.setattr(store, "UNIT_PATH_TRUST_SECONDS", 0.0)
    assert second.app.within("C01T1V1", "C02")
    later = report(second, city, unit="C01T1V1", title="second problem")
    assert later in _ids(second, city.other_reviewer)
    assert later not in _ids(second, city.reviewer)
    as_of = second.queries.list_issues(city.other_reviewer, IssueFilter(), as_of=datetime.now(UTC))
    assert later in {i.id for i in as_of.items}


# -- campaigns ------------------------------------------------------------------------------
def test_a_campaign_update_shows_in_the_read_model_and_retired_codes_refuse_new_problems(
    services: Services, city: City
) -> None:
    app = services.app
    kept = report(services, city, aspect="A01", category="A01C02")
    aspects = [
        {
            "code": "A01",
            "name": "两不愁三保障（调整）",
            "categories": [{"code": "A01C01", "name": "义务教育保障"}],
        },
        TAXONOMY[1],
        {"code": "A03", "name": "乡村建设", "categories": [{"code": "A03C01", "name": "人居环境"}]},
    ]
    view = app.update_campaign(
        city.admin, "YC2023", name="新名称", deadline="2024-06-30", aspects=aspects, reason="2024年调整"
    )
    assert view.name == "新名称"
    row = next(c for c in services.queries.campaigns() if c["code"] == "YC2023")
    assert (row["name"], row["deadline"].isoformat()) == ("新名称", "2024-06-30")
    by_code = {a["code"]: a for a in row["aspects"]}
    assert by_code["A01"]["name"] == "两不愁三保障（调整）"
    assert [c.get("retired", False) for c in by_code["A01"]["categories"]] == [False, True]
    assert "A03" in by_code
    with pytest.raises(InvalidInput) as e:
        report(services, city, aspect="A01", category="A01C02")
    assert e.value.field == "category"
    report(services, city, aspect="A03", category="A03C01")
    assert app.get_issue(city.admin, kept).category == "A01C02"
    app.reclassify(
        city.admin, kept, aspect="A01", category="A01C02", severity="critical", key=True, reason="加重"
    )
    # the same values again record nothing
    before = len(app.events_of(app._campaign("YC2023").id))
    app.update_campaign(city.admin, "YC2023", name="新名称", deadline="2024-06-30", aspects=aspects)
    assert len(app.events_of(app._campaign("YC2023").id)) == before


def test_the_read_model_rebuilds_the_same_campaign(services: Services, city: City) -> None:
    services.app.update_campaign(city.admin, "YC2023", aspects=[TAXONOMY[0]], reason="合并")
    before = services.queries.campaigns()
    services.projector.rebuild()
    assert services.queries.campaigns() == before
    assert before[0]["aspects"][1].get("retired") is True


# -- the projections, each on its own ---------------------------------------------------------
def _table(s: Services, table: Any, *columns: str) -> list[tuple[Any, ...]]:
    with s.writer.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(*[table.c[c] for c in columns])))


def test_each_projection_follows_a_move_on_its_own_and_rebuilds_to_the_same_rows(
    services: Services, city: City
) -> None:
    issue = report(services, city, unit="C01T1V1")
    services.projector.catch_up()
    services.app.update_unit(city.admin, "C01T1", parent="C02", reason="区划调整")
    services.app.update_unit(city.admin, "C01T1V1", active=False)

    # The issues projection moves its own copy of the paths and the scope,
    # while the org projection still stands before the move.
    services.projector.catch_up(["issues"])
    paths = dict(_table(services, t.issue_units, "code", "path"))
    assert paths["C01T1V1"] == "/C/C02/C01T1/C01T1V1/"
    scope = {u for i, u in _table(services, t.issue_scope, "issue_id", "unit") if i == issue}
    assert {"C", "C02", "C01T1", "C01T1V1"} <= scope and "C01" not in scope
    units = {
        code: (path, active) for code, path, active in _table(services, t.units, "code", "path", "active")
    }
    assert units["C01T1V1"] == ("/C/C01/C01T1/C01T1V1/", True)

    services.projector.catch_up(["org"])
    units = {
        code: (path, active) for code, path, active in _table(services, t.units, "code", "path", "active")
    }
    assert units["C01T1V1"] == ("/C/C02/C01T1/C01T1V1/", False)

    tables = [
        (t.units, ("code", "path", "active")),
        (t.issue_units, ("code", "path")),
        (t.issue_scope, ("issue_id", "unit", "located", "assigned")),
        (t.issue_states, ("issue_id", "located", "assigned", "status")),
    ]
    before = [_table(services, table, *columns) for table, columns in tables]
    services.projector.rebuild(["issues"])
    services.projector.rebuild(["org"])
    after = [_table(services, table, *columns) for table, columns in tables]
    # The state history as rebuilt may start its stretches elsewhere (a
    # rebuild sees the final tree in one batch), but the current rows agree.
    assert after[:3] == before[:3]
    h = t.issue_states.c
    with services.writer.connect() as conn:
        current = conn.execute(select(h.located).where(h.issue_id == issue, h.valid_to.is_(None))).all()
    assert len(current) == 1 and "|C02|" in current[0][0] and "|C01|" not in current[0][0]
