"""The admin PATCH endpoints (CONTRACT.md): users, units, campaigns. Admin
succeeds; other roles 403; bad input 422 with the field named; the effects
show where users meet them. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from domain.actor import system_actor
from services.bootstrap import Services
from tests.e2e.conftest import ok
from tests.e2e.samples import error, issue_body
from tests.support import City, small_city

Auth = Callable[[str], dict[str, str]]
OTHER_ROLES = ("inspector", "clerk", "handler", "reviewer", "leader")
PASSWORD = "correct-horse-battery"


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def _history_types(services: Services, kind: str, key: str) -> list[str]:
    app = services.app
    aggregate = {"user": app._user, "unit": app._existing_unit, "campaign": app._campaign}[kind](key)
    return [type(e).__name__ for e in app.events_of(aggregate.id)]


# -- users ----------------------------------------------------------------------------------
def test_patch_user(services: Services, city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    changed = ok(
        client.patch(
            "/api/v1/users/clerk",
            headers=admin,
            json={"name": "李四", "role": "reviewer", "unit": "C02", "password": PASSWORD, "reason": "调岗"},
        )
    )
    assert changed == {
        "id": changed["id"],
        "username": "clerk",
        "name": "李四",
        "role": "reviewer",
        "unit": "C02",
        "active": True,
    }
    assert _history_types(services, "user", "clerk")[-3:] == ["Renamed", "RoleChanged", "PasswordChanged"]
    signed_in = ok(client.post("/api/v1/tokens", json={"username": "clerk", "password": PASSWORD}), 201)
    me = ok(client.get("/api/v1/users/clerk", headers={"Authorization": f"Bearer {signed_in['token']}"}))
    assert me["role"] == "reviewer"
    listed = ok(client.get("/api/v1/users?unit=C02", headers=admin))
    assert "clerk" in {u["username"] for u in listed}
    # the same values again record nothing
    before = _history_types(services, "user", "clerk")
    ok(client.patch("/api/v1/users/clerk", headers=admin, json={"name": "李四", "unit": "C02"}))
    assert _history_types(services, "user", "clerk") == before


def test_a_role_change_applies_from_the_next_request(
    city: City, client: FlaskClient, token_for: Auth
) -> None:
    clerk = token_for("clerk")
    error(client.post("/api/v1/issues", headers=clerk, json=issue_body(unit="C02T1V1")), 403)
    ok(client.patch("/api/v1/users/clerk", headers=token_for("admin"), json={"role": "inspector"}))
    ok(client.post("/api/v1/issues", headers=clerk, json=issue_body(unit="C02T1V1")), 201)


def test_a_deactivated_users_token_gets_401(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    admin = token_for("admin")
    handler = token_for("handler")
    ok(client.get("/api/v1/issues", headers=handler))
    services.app.update_user(system_actor(), "handler", password=PASSWORD)
    off = ok(client.patch("/api/v1/users/handler", headers=admin, json={"active": False, "reason": "离职"}))
    assert off["active"] is False
    error(client.get("/api/v1/issues", headers=handler), 401)
    error(client.post("/api/v1/tokens", json={"username": "handler", "password": PASSWORD}), 401)
    assert not next(u for u in ok(client.get("/api/v1/users", headers=admin)) if u["username"] == "handler")[
        "active"
    ]
    ok(client.patch("/api/v1/users/handler", headers=admin, json={"active": True}))
    error(client.get("/api/v1/issues", headers=handler), 401)  # its old tokens ended for good
    ok(client.post("/api/v1/tokens", json={"username": "handler", "password": PASSWORD}), 201)
    error(client.patch("/api/v1/users/admin", headers=admin, json={"active": False}), 422, "active")


def test_patch_user_refusals(city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    for role in OTHER_ROLES:
        error(client.patch("/api/v1/users/clerk", headers=token_for(role), json={"name": "x"}), 403)
        # 403 before the body is read
        error(client.patch("/api/v1/users/clerk", headers=token_for(role), json={"role": "king"}), 403)
    error(client.patch("/api/v1/users/nobody", headers=admin, json={"name": "x"}), 404)
    error(client.patch("/api/v1/users/nobody", headers=token_for("clerk"), json={"name": "x"}), 404)
    error(client.patch("/api/v1/users/clerk", json={"name": "x"}), 401)
    error(client.patch("/api/v1/users/clerk", headers=admin, json={}), 422, "_")
    error(client.patch("/api/v1/users/clerk", headers=admin, json={"reason": "only why"}), 422, "_")
    error(client.patch("/api/v1/users/clerk", headers=admin, json={"nickname": "x"}), 422, "nickname")
    error(client.patch("/api/v1/users/clerk", headers=admin, json={"role": "system"}), 422, "role")
    error(client.patch("/api/v1/users/clerk", headers=admin, json={"password": "short"}), 422, "password")
    error(client.patch("/api/v1/users/clerk", headers=admin, json={"unit": "NOPE"}), 422, "unit")
    error(client.patch("/api/v1/users/clerk", headers=admin, json={"active": "maybe"}), 422, "active")
    error(client.patch("/api/v1/users/clerk", headers=admin, json={"name": ""}), 422, "name")
    error(client.patch("/api/v1/users/clerk", headers=admin, data="{", content_type="application/json"), 422)


# -- units ----------------------------------------------------------------------------------
def test_a_renamed_unit_appears_in_the_unit_list(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    renamed = ok(
        client.patch(
            "/api/v1/units/C02", headers=token_for("admin"), json={"name": "临猗县新", "reason": "更名"}
        )
    )
    assert renamed == {
        "code": "C02",
        "name": "临猗县新",
        "kind": "county",
        "parent": "C",
        "path": ["C", "C02"],
        "active": True,
    }
    assert renamed in ok(client.get("/api/v1/units", headers=token_for("clerk")))
    assert _history_types(services, "unit", "C02")[-1] == "Renamed"


def test_a_moved_unit_changes_who_sees_what(city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    issue = ok(client.post("/api/v1/issues", headers=admin, json=issue_body(unit="C01T1V1")), 201)
    seen_by = {
        r: ok(client.get("/api/v1/issues", headers=token_for(r)))["total"]
        for r in ("reviewer", "other-reviewer")
    }
    assert seen_by == {"reviewer": 1, "other-reviewer": 0}
    ok(client.get(f"/api/v1/issues/{issue['id']}", headers=token_for("reviewer")))

    moved = ok(
        client.patch("/api/v1/units/C01T1", headers=admin, json={"parent": "C02", "reason": "区划调整"})
    )
    assert moved["parent"] == "C02" and moved["path"] == ["C", "C02", "C01T1"]

    village = ok(client.get("/api/v1/units/C01T1V1", headers=admin))
    assert village["path"] == ["C", "C02", "C01T1", "C01T1V1"]
    assert [u["code"] for u in ok(client.get("/api/v1/units?parent=C02", headers=admin))] == [
        "C01T1",
        "C02T1",
    ]
    seen_by = {
        r: ok(client.get("/api/v1/issues", headers=token_for(r)))["total"]
        for r in ("reviewer", "other-reviewer")
    }
    assert seen_by == {"reviewer": 0, "other-reviewer": 1}
    error(client.get(f"/api/v1/issues/{issue['id']}", headers=token_for("reviewer")), 404)
    ok(client.get(f"/api/v1/issues/{issue['id']}", headers=token_for("other-reviewer")))
    assert ok(client.get("/api/v1/issues?unit=C02", headers=admin))["total"] == 1
    # the clerk of the moved village still reports there, now inside C02
    ok(client.post("/api/v1/issues", headers=token_for("clerk"), json=issue_body(unit="C01T1V1")), 201)
    assert ok(client.get("/api/v1/issues", headers=token_for("other-reviewer")))["total"] == 2


def test_a_closed_unit_gets_no_new_reports_or_assignments(
    city: City, client: FlaskClient, token_for: Auth
) -> None:
    admin = token_for("admin")
    kept = ok(client.post("/api/v1/issues", headers=admin, json=issue_body(unit="C02T1V1")), 201)
    closed = ok(
        client.patch("/api/v1/units/C02T1V1", headers=admin, json={"active": False, "reason": "撤并"})
    )
    assert closed["active"] is False
    assert not next(u for u in ok(client.get("/api/v1/units", headers=admin)) if u["code"] == "C02T1V1")[
        "active"
    ]
    error(client.post("/api/v1/issues", headers=admin, json=issue_body(unit="C02T1V1")), 422, "unit")
    fresh = ok(client.post("/api/v1/issues", headers=admin, json=issue_body(unit="C02T1")), 201)
    ok(client.patch("/api/v1/units/C02", headers=admin, json={"active": False}))
    body = {"lead": "C02", "co": [], "deadline": "2099-12-31", "measures": "整改"}
    error(client.post(f"/api/v1/issues/{fresh['id']}/assign", headers=admin, json=body), 422, "lead")
    # its problems keep it
    assert ok(client.get(f"/api/v1/issues/{kept['id']}", headers=admin))["unit"] == "C02T1V1"
    ok(client.patch("/api/v1/units/C02", headers=admin, json={"active": True}))
    ok(client.post(f"/api/v1/issues/{fresh['id']}/assign", headers=admin, json=body))


def test_patch_unit_refusals(city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    for role in OTHER_ROLES:
        error(client.patch("/api/v1/units/C02", headers=token_for(role), json={"name": "x"}), 403)
        error(client.patch("/api/v1/units/C02", headers=token_for(role), json={"name": 7}), 403)
    error(client.patch("/api/v1/units/NOPE", headers=admin, json={"name": "x"}), 404)
    error(client.patch("/api/v1/units/C01", headers=admin, json={"parent": "C01"}), 422, "parent")
    error(client.patch("/api/v1/units/C01", headers=admin, json={"parent": "C01T1V1"}), 422, "parent")
    error(client.patch("/api/v1/units/C01", headers=admin, json={"parent": "NOPE"}), 422, "parent")
    error(client.patch("/api/v1/units/C01", headers=admin, json={"parent": None}), 422, "parent")
    error(client.patch("/api/v1/units/C", headers=admin, json={"parent": "C01"}), 422, "parent")
    error(client.patch("/api/v1/units/C", headers=admin, json={"active": False}), 422, "active")
    error(client.patch("/api/v1/units/C01", headers=admin, json={}), 422, "_")
    error(client.patch("/api/v1/units/C01", headers=admin, json={"kind": "city"}), 422, "kind")
    error(client.patch("/api/v1/units/C01", headers=admin, json={"name": "名" * 101}), 422, "name")
    assert ok(client.get("/api/v1/units/C01", headers=admin))["path"] == ["C", "C01"]


# -- campaigns ------------------------------------------------------------------------------
TAXONOMY_2024 = [
    {
        "code": "A01",
        "name": "两不愁三保障（调整）",
        "categories": [{"code": "A01C01", "name": "义务教育保障"}],
    },
    {"code": "A02", "name": "产业帮扶", "categories": [{"code": "A02C01", "name": "产业项目"}]},
    {"code": "A03", "name": "乡村建设", "categories": [{"code": "A03C01", "name": "人居环境"}]},
]


def test_patch_campaign(services: Services, city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    kept = ok(
        client.post("/api/v1/issues", headers=admin, json=issue_body(aspect="A01", category="A01C02")), 201
    )
    changed = ok(
        client.patch(
            "/api/v1/campaigns/YC2023",
            headers=admin,
            json={
                "name": "新名称",
                "deadline": "2024-06-30",
                "aspects": TAXONOMY_2024,
                "reason": "2024年调整",
            },
        )
    )
    assert (changed["name"], changed["deadline"]) == ("新名称", "2024-06-30")
    a01 = changed["aspects"][0]
    assert a01["name"] == "两不愁三保障（调整）" and a01["retired"] is False
    assert [(c["code"], c["retired"]) for c in a01["categories"]] == [("A01C01", False), ("A01C02", True)]
    assert [a["code"] for a in changed["aspects"]] == ["A01", "A02", "A03"]
    assert ok(client.get("/api/v1/campaigns", headers=token_for("clerk")))[0] == changed
    assert ok(client.get("/api/v1/campaigns/YC2023", headers=admin)) == changed
    assert _history_types(services, "campaign", "YC2023")[-5:] == [
        "Renamed",
        "DeadlineChanged",
        "AspectRenamed",
        "CategoryRetired",
        "AspectAdded",
    ]

    # a retired category is refused for a new report and for a reclassification; its problems keep it
    error(
        client.post("/api/v1/issues", headers=admin, json=issue_body(aspect="A01", category="A01C02")),
        422,
        "category",
    )
    ok(client.post("/api/v1/issues", headers=admin, json=issue_body(aspect="A03", category="A03C01")), 201)
    assert ok(client.get(f"/api/v1/issues/{kept['id']}", headers=admin))["category"] == "A01C02"
    other = ok(
        client.post("/api/v1/issues", headers=admin, json=issue_body(aspect="A01", category="A01C01")), 201
    )
    reclassify = {"aspect": "A01", "category": "A01C02", "severity": "critical", "key": True, "reason": "x"}
    error(
        client.post(f"/api/v1/issues/{other['id']}/reclassify", headers=admin, json=reclassify),
        422,
        "category",
    )
    ok(client.post(f"/api/v1/issues/{kept['id']}/reclassify", headers=admin, json=reclassify))

    # an aspect left out is retired
    ok(client.patch("/api/v1/campaigns/YC2023", headers=admin, json={"aspects": TAXONOMY_2024[:2]}))
    error(
        client.post("/api/v1/issues", headers=admin, json=issue_body(aspect="A03", category="A03C01")),
        422,
        "aspect",
    )


def test_patch_campaign_refusals(city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    for role in OTHER_ROLES:
        error(client.patch("/api/v1/campaigns/YC2023", headers=token_for(role), json={"name": "x"}), 403)
    error(client.patch("/api/v1/campaigns/NOPE", headers=admin, json={"name": "x"}), 404)
    error(client.patch("/api/v1/campaigns/YC2023", headers=admin, json={}), 422, "_")
    error(client.patch("/api/v1/campaigns/YC2023", headers=admin, json={"code": "YC2099"}), 422, "code")
    error(client.patch("/api/v1/campaigns/YC2023", headers=admin, json={"deadline": "soon"}), 422, "deadline")
    error(client.patch("/api/v1/campaigns/YC2023", headers=admin, json={"aspects": []}), 422, "aspects")
    moved = [{"code": "A02", "name": "产业帮扶", "categories": [{"code": "A01C02", "name": "住房"}]}]
    error(client.patch("/api/v1/campaigns/YC2023", headers=admin, json={"aspects": moved}), 422, "aspects")
    assert ok(client.get("/api/v1/campaigns/YC2023", headers=admin))["name"] == "2022年度考核评估反馈问题整改"


def test_role_refusals_come_before_body_errors(city: City, client: FlaskClient, token_for: Auth) -> None:
    """The role checks live in the services; the views still ask them before
    reading a body (CONTRACT.md: 403 before 422)."""
    for path in ("/api/v1/units", "/api/v1/users", "/api/v1/campaigns"):
        error(client.post(path, headers=token_for("leader"), json={}), 403)
        error(client.post(path, headers=token_for("admin"), json={}), 422)
    error(client.post("/api/v1/issues", headers=token_for("handler"), json={}), 403)
    error(client.post("/api/v1/issues", headers=token_for("inspector"), json={}), 422)


def test_the_patch_endpoints_are_documented(client: FlaskClient) -> None:
    spec = ok(client.get("/api/openapi.json"))
    for path in ("/api/v1/users/{username}", "/api/v1/units/{code}", "/api/v1/campaigns/{code}"):
        operation = spec["paths"][path]["patch"]
        assert operation["requestBody"]["content"]["application/json"]["schema"]
        assert "200" in operation["responses"]
