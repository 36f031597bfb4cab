"""The office's administration pages: accounts and the unit tree, through the
API's commands; other roles are refused."""

from __future__ import annotations

from flask import Flask

from services.bootstrap import Services
from tests.e2e.ui_client import city, page_token, sign_in, ui
from tests.support import City

__all__ = ["city", "ui"]  # fixtures


def test_the_office_creates_changes_and_deactivates_accounts(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    office = ui.test_client()
    sign_in(office, "admin")
    listing = office.get("/admin/users").get_data(as_text=True)
    assert "county-handler" in listing and "新增账号" in listing
    token = page_token(office, "/admin/users")
    new = {
        "csrf_token": token,
        "username": "h-c01t1",
        "name": "一镇经办人",
        "role": "handler",
        "unit": "C01T1",
    }
    r = office.post("/admin/users", data={**new, "password": "short"})
    assert "至少" in office.get(r.headers["Location"]).get_data(as_text=True)  # 8 characters at least
    r = office.post("/admin/users", data={**new, "password": "a long password"})
    assert "账号h-c01t1已创建" in office.get(r.headers["Location"]).get_data(as_text=True)
    assert app.get_user(city.admin, "h-c01t1").unit == "C01T1"
    # The new user signs in; then the office moves it, resets its password and deactivates it.
    user = ui.test_client()
    assert sign_in(user, "h-c01t1", "a long password")[1] == "/inbox"
    form = page_token(office, "/admin/users/h-c01t1")
    change = {"csrf_token": form, "name": "一镇经办人", "role": "clerk", "unit": "C01T1V1", "reason": "调岗"}
    r = office.post("/admin/users/h-c01t1", data={**change, "active": "true"})
    assert r.headers["Location"] == "/admin/users"
    changed = app.get_user(city.admin, "h-c01t1")
    assert (changed.role, changed.unit, changed.active) == ("clerk", "C01T1V1", True)
    assert user.get("/").headers["Location"] == "/report"  # the new role, at the next request
    office.post("/admin/users/h-c01t1", data={**change, "password": "another long one"})  # no "active": off
    assert app.get_user(city.admin, "h-c01t1").active is False
    assert user.get("/report").headers["Location"].startswith("/login")  # signed out
    assert sign_in(ui.test_client(), "h-c01t1", "another long one")[0] == 200  # refused: deactivated


def test_the_office_adds_renames_moves_and_closes_units(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    office = ui.test_client()
    sign_in(office, "admin")
    tree = office.get("/admin/units").get_data(as_text=True)
    assert tree.index("盐湖区") < tree.index("盐湖区一镇") < tree.index("盐湖区一村")
    token = page_token(office, "/admin/units")
    r = office.post(
        "/admin/units",
        data={"csrf_token": token, "code": "C01T2", "name": "二镇", "kind": "township", "parent": "C01"},
    )
    assert "单位C01T2已新增" in office.get(r.headers["Location"].split("#")[0]).get_data(as_text=True)
    r = office.post(
        "/admin/units/C01T2",
        data={
            "csrf_token": token,
            "name": "北城街道",
            "parent": "C02",
            "active": "true",
            "reason": "区划调整",
        },
    )
    unit = next(u for u in sqlite_services.queries.units() if u["code"] == "C01T2")
    assert (unit["name"], unit["parent"], unit["active"]) == ("北城街道", "C02", True)
    office.post("/admin/units/C01T2", data={"csrf_token": token, "name": "北城街道", "parent": "C02"})
    assert next(u for u in sqlite_services.queries.units() if u["code"] == "C01T2")["active"] is False
    assert app is sqlite_services.app


def test_other_roles_may_not_administer(ui: Flask, sqlite_services: Services, city: City) -> None:
    handler = ui.test_client()
    sign_in(handler, "county-handler")
    assert handler.get("/admin/users").status_code == 403
    assert handler.get("/admin/units").status_code == 403
    assert handler.get("/admin/users/admin").status_code == 403
    token = page_token(handler, "/issues")
    r = handler.post(
        "/admin/users", data={"csrf_token": token, "username": "x-y", "role": "admin", "unit": "C"}
    )
    assert r.status_code == 403 and "责任单位经办人不能管理用户" in r.get_data(as_text=True)
    assert "x-y" not in [u["username"] for u in sqlite_services.queries.users(city.admin)]
    leader = ui.test_client()
    sign_in(leader, "leader")
    page = leader.get("/admin/users").get_data(as_text=True)
    assert "county-handler" in page and "新增账号" not in page  # leaders read the accounts, change nothing
    assert "系统管理" not in leader.get("/issues").get_data(as_text=True)


def test_the_office_starts_a_campaign_and_changes_its_taxonomy(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    office = ui.test_client()
    sign_in(office, "admin")
    token = page_token(office, "/admin/campaigns")
    taxonomy = "\n".join(
        [
            "B01 两不愁三保障",
            "    B01C01 义务教育保障",
            "    B01C02 住房安全保障",
            "B02 产业帮扶",
            "    B02C01 产业项目",
        ]
    )
    form = {
        "csrf_token": token,
        "code": "YC2024",
        "name": "2024年整改",
        "deadline": "2024-12-31",
        "aspects": taxonomy,
    }
    r = office.post("/admin/campaigns", data=form)
    assert "整改行动YC2024已启动" in office.get(r.headers["Location"]).get_data(as_text=True)
    started = app.get_campaign("YC2024")
    assert [a["code"] for a in started.aspects] == ["B01", "B02"]
    assert [c["code"] for c in started.aspects[0]["categories"]] == ["B01C01", "B01C02"]
    page = office.get("/admin/campaigns/YC2024").get_data(as_text=True)
    assert "B01C02 住房安全保障" in page
    # Rename a category, leave one out (retired), add an aspect.
    lines = ["B01 两不愁三保障", "    B01C01 义务教育有保障", "B02 产业帮扶", "    B02C01 产业项目"]
    lines += ["B03 就业帮扶", "    B03C01 务工就业"]
    changed = "\n".join(lines)
    r = office.post(
        "/admin/campaigns/YC2024", data={"csrf_token": token, "name": "2024年整改", "aspects": changed}
    )
    assert r.headers["Location"] == "/admin/campaigns"
    campaign = app.get_campaign("YC2024")
    b01 = campaign.aspects[0]
    assert b01["categories"][0]["name"] == "义务教育有保障"
    assert b01["categories"][1].get("retired") is True
    assert [a["code"] for a in campaign.aspects] == ["B01", "B02", "B03"]
    assert "已停用" in office.get("/admin/campaigns/YC2024").get_data(as_text=True)
    # A taxonomy the API refuses is refused here in the same words.
    r = office.post("/admin/campaigns", data={**form, "code": "YC2025", "aspects": "C01 没有类别的方面\n"})
    assert "方面与类别 1 所含类别: 长度不能少于1" in office.get(r.headers["Location"]).get_data(as_text=True)
