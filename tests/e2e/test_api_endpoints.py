"""HTTP API v1, endpoint by endpoint (CONTRACT.md): success, field-level 422s and
every status code the contract names, on SQLite and PostgreSQL.

Setup goes through the services (fast); everything asserted goes through HTTP.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.actor import system_actor
from services.bootstrap import Services
from tests.e2e.conftest import ok
from tests.e2e.samples import PDF, PNG, error, if_match, issue_body, multipart
from tests.support import City, in_days, report, small_city

Auth = Callable[[str], dict[str, str]]

ISSUE_FIELDS = {
    "id",
    "code",
    "campaign",
    "title",
    "description",
    "source",
    "aspect",
    "category",
    "severity",
    "key",
    "unit",
    "status",
    "assignments",
    "deadline",
    "overdue",
    "reported_at",
    "closed_at",
    "version",
}
STATS_FIELDS = {
    "key",
    "name",
    "total",
    "open",
    "closed",
    "rejected",
    "overdue",
    "closure_rate",
    "on_time_rate",
}
PASSWORD = "correct-horse-battery"


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def assigned(services: Services, city: City, **kw: Any) -> str:
    """A problem in C01T1V1, assigned to D01 (lead) and C01 (co)."""
    issue = report(services, city, **kw)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10), measures="限期整改")
    return issue


def submitted(services: Services, city: City, **kw: Any) -> str:
    issue = assigned(services, city, **kw)
    services.app.submit(city.handler, issue, summary="已完成整改")
    return issue


def closed(services: Services, city: City, **kw: Any) -> str:
    issue = submitted(services, city, **kw)
    services.app.verify(city.reviewer, issue, passed=True)
    return issue


def version_of(client: FlaskClient, auth: Auth, issue: str) -> int:
    version: int = ok(client.get(f"/api/v1/issues/{issue}", headers=auth("admin")))["version"]
    return version


# -- no token needed -------------------------------------------------------------------------------
def test_health_readiness_and_openapi_need_no_token(client: FlaskClient) -> None:
    assert ok(client.get("/healthz")) == {"status": "ok"}
    ready = ok(client.get("/readyz"))
    assert ready["status"] == "ok" and set(ready["checks"].values()) == {"ok"}
    spec = ok(client.get("/api/openapi.json"))
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/issues", "/api/v1/issues/{issue_id}", "/api/v1/tokens", "/api/v1/stats"):
        assert path in spec["paths"], path


# -- tokens and 401 --------------------------------------------------------------------------------
def test_sign_in_returns_a_token_that_works(services: Services, city: City, client: FlaskClient) -> None:
    services.app.change_password(system_actor(), "clerk", password=PASSWORD)
    token = ok(client.post("/api/v1/tokens", json={"username": "clerk", "password": PASSWORD}), 201)["token"]
    me = ok(client.get("/api/v1/users/clerk", headers={"Authorization": f"Bearer {token}"}))
    assert me["username"] == "clerk" and me["role"] == "clerk" and "password" not in me
    ok(client.get("/api/v1/issues", headers={"Authorization": f"Bearer {token}"}))

    wrong = client.post("/api/v1/tokens", json={"username": "clerk", "password": "wrong-password"})
    assert "token" not in error(wrong, 401)
    error(client.post("/api/v1/tokens", json={"username": "nobody", "password": PASSWORD}), 401)
    error(client.post("/api/v1/tokens", json={}), 422, "username", "password")
    error(client.post("/api/v1/tokens", json={"username": "clerk", "password": ""}), 422, "password")


#: One endpoint of each kind; every one of them needs a token.
PROTECTED = [
    ("get", "/api/v1/issues"),
    ("post", "/api/v1/issues"),
    ("get", "/api/v1/issues/YC2023-0001"),
    ("get", "/api/v1/issues/YC2023-0001/history"),
    ("post", "/api/v1/issues/YC2023-0001/assign"),
    ("post", "/api/v1/issues/YC2023-0001/evidence"),
    ("get", "/api/v1/stats"),
    ("get", "/api/v1/units"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("post", "/api/v1/campaigns"),
]


def test_no_or_bad_token_is_401(services: Services, city: City, client: FlaskClient) -> None:
    report(services, city)
    real = services.app.issue_token(system_actor(), "admin")
    user_hex, token_id = real.token.split("_")[1:3]
    bad_headers: list[dict[str, str]] = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {real.token}"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer rt_zz_zz_zz"},
        {"Authorization": f"Bearer rt_{user_hex}_{token_id}_wrong-secret"},
        {"Authorization": f"Bearer rt_{'0' * 32}_{token_id}_secret"},
    ]
    for method, path in PROTECTED:
        for headers in bad_headers:
            # 401 comes before everything else, even a body that is not valid at all.
            answer = getattr(client, method)(path, headers=headers, json={"title": "x" * 500})
            assert answer.status_code == 401, (method, path, headers)
            error(answer, 401)


def test_revoked_and_deactivated_tokens_stop_working_at_once(
    services: Services, city: City, client: FlaskClient
) -> None:
    first = services.app.issue_token(system_actor(), "handler")
    second = services.app.issue_token(system_actor(), "handler")
    one = {"Authorization": f"Bearer {first.token}"}
    two = {"Authorization": f"Bearer {second.token}"}
    ok(client.get("/api/v1/issues", headers=one))
    revoked = client.delete(f"/api/v1/tokens/{first.token_id}", headers=one)
    assert (revoked.status_code, revoked.data) == (204, b"")
    error(client.get("/api/v1/issues", headers=one), 401)
    ok(client.get("/api/v1/issues", headers=two))

    services.app.change_password(system_actor(), "handler", password=PASSWORD)
    ok(client.get("/api/v1/issues", headers=two))
    ok(client.post("/api/v1/tokens", json={"username": "handler", "password": PASSWORD}), 201)
    services.app.deactivate_user(system_actor(), "handler")
    error(client.get("/api/v1/issues", headers=two), 401)
    error(client.get("/api/v1/stats", headers=two), 401)
    error(client.post("/api/v1/tokens", json={"username": "handler", "password": PASSWORD}), 401)


def test_the_eleventh_sign_in_within_a_minute_is_429(services: Services, city: City, app: Flask) -> None:
    app.extensions["sign_in_limit"].enabled = True
    client = app.test_client()
    services.app.change_password(system_actor(), "admin", password=PASSWORD)
    services.app.change_password(system_actor(), "handler", password=PASSWORD)
    attempts = [
        client.post("/api/v1/tokens", json={"username": "admin", "password": f"guess-number-{n}"})
        for n in range(10)
    ]
    # The eleventh is refused even with the right password.
    attempts.append(client.post("/api/v1/tokens", json={"username": "admin", "password": PASSWORD}))
    assert [a.status_code for a in attempts] == [401] * 10 + [429]
    body = error(attempts[-1], 429)
    assert "token" not in body
    assert 1 <= int(attempts[-1].headers["Retry-After"]) <= 61
    # Others behind the same address (an office) still sign in.
    ok(client.post("/api/v1/tokens", json={"username": "handler", "password": PASSWORD}), 201)
    # Only signing in is limited.
    ok(client.get("/healthz"))


# -- reporting -------------------------------------------------------------------------------------
def test_report_a_problem(city: City, client: FlaskClient, token_for: Auth) -> None:
    r = client.post(
        "/api/v1/issues", headers=token_for("inspector"), json=issue_body(discovered_at="2023-06-01")
    )
    created = ok(r, 201)
    assert set(created) >= ISSUE_FIELDS
    assert created["code"] == "YC2023-0001" and created["status"] == "reported"
    assert created["version"] == 1 and r.headers["ETag"] == '"1"'
    assert created["assignments"] == [] and created["deadline"] is None and created["closed_at"] is None
    assert created["overdue"] is False and created["discovered_at"] == "2023-06-01"
    assert datetime.fromisoformat(created["reported_at"]).utcoffset() is not None
    body = issue_body(
        title="产业项目资金未拨付", aspect="A02", category="A02C01", source="self_check", key=True
    )
    second = ok(client.post("/api/v1/issues", headers=token_for("clerk"), json=body), 201)
    assert second["code"] == "YC2023-0002" and second["key"] is True and second["severity"] == "serious"
    third = issue_body(severity="critical", unit="C02T1V1")
    assert ok(client.post("/api/v1/issues", headers=token_for("admin"), json=third), 201)["unit"] == "C02T1V1"


def test_report_validation_errors_name_their_fields(city: City, client: FlaskClient, token_for: Auth) -> None:
    auth = token_for("inspector")
    missing = error(client.post("/api/v1/issues", headers=auth, json={}), 422)
    assert {"campaign", "title", "source", "aspect", "category", "unit"} <= set(missing["errors"])

    def rejected(field: str, **overrides: Any) -> None:
        error(client.post("/api/v1/issues", headers=auth, json=issue_body(**overrides)), 422, field)

    rejected("title", title="危" * 201)
    rejected("title", title="")
    rejected("title", title="   ")
    rejected("title", title=5)
    rejected("description", description="述" * 5001)
    rejected("source", source="rumour")
    rejected("severity", severity="apocalyptic")
    rejected("key", key="maybe")
    rejected("discovered_at", discovered_at="yesterday")
    rejected("campaign", campaign="NOPE")
    rejected("aspect", aspect="A09")
    rejected("category", category="A09C01")
    rejected("category", aspect="A02", category="A01C01")
    rejected("unit", unit="NOWHERE")
    # PostgreSQL text cannot hold NUL; accepting one would break the read model.
    rejected("title", title="危房\x00改造")
    rejected("description", description="\x00")
    ok(client.get("/api/v1/issues", headers=auth))
    # Exactly at the limits is fine.
    limits = issue_body(title="危" * 200, description="述" * 5000)
    created = ok(client.post("/api/v1/issues", headers=auth, json=limits), 201)
    assert len(created["title"]) == 200 and len(created["description"]) == 5000


def test_report_roles_and_the_clerks_scope(city: City, client: FlaskClient, token_for: Auth) -> None:
    for who in ("handler", "county-handler", "reviewer", "city-reviewer", "leader"):
        error(client.post("/api/v1/issues", headers=token_for(who), json=issue_body()), 403)
    clerk = token_for("clerk")
    error(client.post("/api/v1/issues", headers=clerk, json=issue_body(unit="C02T1V1")), 403)
    error(client.post("/api/v1/issues", headers=clerk, json=issue_body(unit="C01")), 403)
    # 403 comes before 422: a clerk reporting outside its unit hears that first.
    error(client.post("/api/v1/issues", headers=clerk, json=issue_body(unit="C02T1V1", title="x" * 201)), 403)
    error(client.post("/api/v1/issues", headers=token_for("leader"), json={"title": 1}), 403)
    ok(client.post("/api/v1/issues", headers=clerk, json=issue_body(unit="C01T1V1")), 201)


# -- reading one issue -----------------------------------------------------------------------------
def test_get_issue_by_id_or_code_with_etag(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    r = client.get(f"/api/v1/issues/{issue}", headers=token_for("county-handler"))
    body = ok(r)
    assert set(body) >= ISSUE_FIELDS
    assert r.headers["ETag"] == f'"{body["version"]}"' == '"2"'
    assert body["assignments"] == [
        {
            "unit": "D01",
            "role": "lead",
            "deadline": in_days(10).isoformat(),
            "overdue": False,
            "warned": False,
        },
        {"unit": "C01", "role": "co", "deadline": in_days(10).isoformat(), "overdue": False, "warned": False},
    ]
    assert body["deadline"] == in_days(10).isoformat()
    by_code = ok(client.get("/api/v1/issues/YC2023-0001", headers=token_for("leader")))
    assert by_code["id"] == issue
    by_upper = ok(client.get(f"/api/v1/issues/{issue.upper()}", headers=token_for("leader")))
    assert by_upper["id"] == issue

    error(client.get("/api/v1/issues/YC2023-0002", headers=token_for("admin")), 404)
    error(client.get("/api/v1/issues/00000000-0000-0000-0000-000000000000", headers=token_for("admin")), 404)
    for invisible in ("other-handler", "other-reviewer"):
        error(client.get(f"/api/v1/issues/{issue}", headers=token_for(invisible)), 404)
        error(client.get(f"/api/v1/issues/{issue}/history", headers=token_for(invisible)), 404)
        error(client.get("/api/v1/issues/YC2023-0001", headers=token_for(invisible)), 404)


def test_as_of_gives_the_state_at_that_instant(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = submitted(services, city)
    auth = token_for("reviewer")
    history = ok(client.get(f"/api/v1/issues/{issue}/history", headers=auth))
    expected_status = {"Reported": "reported", "Assigned": "assigned", "Submitted": "submitted"}
    assert [h["type"] for h in history] == list(expected_status)
    for entry in history:
        # ``as_of`` includes events recorded at exactly that instant.
        r = client.get(f"/api/v1/issues/{issue}", headers=auth, query_string={"as_of": entry["at"]})
        then = ok(r)
        assert then["version"] == entry["version"] and r.headers["ETag"] == f'"{entry["version"]}"'
        assert then["status"] == expected_status[entry["type"]]
        just_before = datetime.fromisoformat(entry["at"]) - timedelta(microseconds=1)
        r = client.get(
            f"/api/v1/issues/{issue}", headers=auth, query_string={"as_of": just_before.isoformat()}
        )
        if entry["version"] == 1:
            error(r, 404)  # it did not exist yet
        else:
            assert ok(r)["version"] == entry["version"] - 1
    assigned_then = history[1]["at"]
    r = client.get(f"/api/v1/issues/{issue}", headers=auth, query_string={"as_of": assigned_then})
    assert ok(r)["assignments"][0]["unit"] == "D01"
    # An offset other than UTC names the same instant.
    shanghai = datetime.fromisoformat(assigned_then).astimezone(services.settings.tz).isoformat()
    r = client.get(f"/api/v1/issues/{issue}", headers=auth, query_string={"as_of": shanghai})
    assert ok(r)["status"] == "assigned"
    now = ok(client.get(f"/api/v1/issues/{issue}", headers=auth))
    assert now["status"] == "submitted" and now["version"] == 3
    for bad in ("garbage", "2023-13-01T00:00:00+08:00", "2023-06-01T00:00:00", ""):
        error(client.get(f"/api/v1/issues/{issue}", headers=auth, query_string={"as_of": bad}), 422, "as_of")
    # A caller who could not see it then (nor now) gets 404.
    r = client.get(
        f"/api/v1/issues/{issue}", headers=token_for("other-reviewer"), query_string={"as_of": assigned_then}
    )
    error(r, 404)


def test_history_oldest_first_with_actors(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = closed(services, city)
    services.app.comment(city.leader, issue, text="请举一反三")
    history = ok(client.get(f"/api/v1/issues/{issue}/history", headers=token_for("clerk")))
    assert [h["version"] for h in history] == [1, 2, 3, 4, 5]
    assert [h["type"] for h in history] == [
        "Reported",
        "Assigned",
        "Submitted",
        "VerificationPassed",
        "CommentAdded",
    ]
    assert [h["actor"]["username"] for h in history] == [
        "inspector",
        "admin",
        "handler",
        "reviewer",
        "leader",
    ]
    assert history[2]["actor"]["role"] == "handler" and history[2]["actor"]["unit"] == "D01"
    assert history[2]["data"]["summary"] == "已完成整改"
    assert history[4]["data"] == {"text": "请举一反三", "instruction": True}
    instants = [datetime.fromisoformat(h["at"]) for h in history]
    assert instants == sorted(instants) and all(i.utcoffset() is not None for i in instants)
    assert all(re.search(r"T\d\d:\d\d:\d\d\.\d{6}", h["at"]) for h in history), "microseconds"
    error(client.get("/api/v1/issues/YC2023-0099/history", headers=token_for("admin")), 404)


# -- lists and search ------------------------------------------------------------------------------
def test_list_filters_and_pages(services: Services, city: City, client: FlaskClient, token_for: Auth) -> None:
    first = assigned(services, city)  # C01T1V1, D01 + C01
    reported_c02 = report(services, city, unit="C02T1V1", source="household", aspect="A02", category="A02C01")
    rejected = report(services, city, unit="C02T1V1")
    services.app.reject(city.admin, rejected, reason="不属实")
    late = report(services, city, unit="C02T1V1", source="petition")
    services.app.assign(city.admin, late, lead="C02", deadline=in_days(1))
    services.sweep_deadlines(today=in_days(3))
    extra = [report(services, city, title=f"问题{n}") for n in range(21)]
    auth = token_for("admin")

    def ids(**query: Any) -> set[str]:
        page = ok(client.get("/api/v1/issues", headers=auth, query_string={"per_page": 100, **query}))
        assert page["total"] == len(page["items"])
        return {item["id"] for item in page["items"]}

    everything = ok(client.get("/api/v1/issues", headers=auth))
    assert everything["total"] == 25 and everything["page"] == 1 and everything["per_page"] == 20
    assert len(everything["items"]) == 20
    assert all(set(item) >= ISSUE_FIELDS for item in everything["items"])
    second = ok(client.get("/api/v1/issues?page=2", headers=auth))
    assert len(second["items"]) == 5 and second["total"] == 25
    assert not {i["id"] for i in second["items"]} & {i["id"] for i in everything["items"]}
    assert ok(client.get("/api/v1/issues?page=3", headers=auth))["items"] == []
    assert ok(client.get("/api/v1/issues?per_page=100", headers=auth))["per_page"] == 100

    assert ids(status="rejected") == {rejected}
    assert ids(status="assigned") == {first, late}
    assert ids(status="assigned,rejected") == {first, late, rejected}
    assert ids(unit="C02") == {reported_c02, rejected, late}
    assert ids(unit="D01") == {first}  # an assignee counts
    assert ids(unit="C01T1") == {first, *extra}  # the subtree counts
    assert ids(source="household") == {reported_c02}
    assert ids(aspect="A02") == ids(category="A02C01") == {reported_c02}
    assert ids(overdue="true") == {late}
    assert late not in ids(overdue="false")
    assert len(ids(campaign="YC2023")) == 25 and ids(campaign="OTHER") == set()
    assert ids(status="closed") == set()
    overdue_item = next(
        i for i in ok(client.get("/api/v1/issues?overdue=true", headers=auth))["items"] if i["id"] == late
    )
    assert overdue_item["overdue"] is True and overdue_item["assignments"][0]["unit"] == "C02"

    def bad(field: str, **query: Any) -> None:
        error(client.get("/api/v1/issues", headers=auth, query_string=query), 422, field)

    bad("per_page", per_page=101)
    bad("per_page", per_page=0)
    bad("page", page=0)
    bad("page", page="abc")
    bad("page", page=10**30)
    bad("status", status="lost")
    bad("overdue", overdue="perhaps")
    bad("source", source="rumour")


def test_search_matches_chinese_substrings(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    by_title = report(services, city, title="饮水安全问题未解决", description="供水管网老化")
    by_description = report(services, city, title="其他问题", description="部分农户反映饮水不便，水质浑浊")
    report(services, city, title="住房问题", description="危房改造")
    auth = token_for("inspector")

    def found(q: str) -> set[str]:
        items = ok(client.get("/api/v1/issues", headers=auth, query_string={"q": q}))["items"]
        return {i["id"] for i in items}

    assert found("饮水") == {by_title, by_description}
    assert found("水质浑") == {by_description}
    assert found("管网") == {by_title}
    assert found("安全问题") == {by_title}
    assert found("不存在的词") == set()
    assert found("%") == set() and found("_") == set()  # no wildcards leak through
    assert len(found("问题")) == 3


# -- commands --------------------------------------------------------------------------------------
def test_assign_and_its_errors(services: Services, city: City, client: FlaskClient, token_for: Auth) -> None:
    issue = report(services, city)
    admin = token_for("admin")
    url = f"/api/v1/issues/{issue}/assign"
    good = {"lead": "C01", "co": ["D01"], "deadline": in_days(30).isoformat(), "measures": "制定整改方案"}

    error(client.post(url, headers=admin, json={}), 422, "lead", "deadline")
    error(client.post(url, headers=admin, json={**good, "deadline": "2023-02-30"}), 422, "deadline")
    error(client.post(url, headers=admin, json={**good, "deadline": 20231231}), 422, "deadline")
    error(client.post(url, headers=admin, json={**good, "lead": "NOPE"}), 422, "lead")
    error(client.post(url, headers=admin, json={**good, "co": ["NOPE"]}), 422, "co")
    error(client.post(url, headers=admin, json={**good, "co": "D01"}), 422, "co")
    error(client.post(url, headers=admin, json={**good, "co": ["C01"]}), 422, "co")
    error(client.post(url, headers=token_for("inspector"), json=good), 403)
    error(client.post(url, headers=token_for("reviewer"), json=good), 403)
    error(client.post(url, headers=token_for("handler"), json=good), 404)  # not assigned: invisible
    error(client.post(url, headers=if_match(admin, 7), json=good), 412)
    error(client.post("/api/v1/issues/YC2023-0042/assign", headers=admin, json=good), 404)

    r = client.post(url, headers=if_match(admin, 1), json=good)
    body = ok(r)
    assert body["status"] == "assigned" and body["version"] == 2 and r.headers["ETag"] == '"2"'
    assert body["lead"] == "C01" and body["deadline"] == in_days(30).isoformat()
    assert [(a["unit"], a["role"]) for a in body["assignments"]] == [("C01", "lead"), ("D01", "co")]
    assert body["measures"] == "制定整改方案"
    again = error(client.post(url, headers=admin, json=good), 409)
    assert again["status"] == "assigned"


def test_reassign_keeps_deadlines(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    admin = token_for("admin")
    url = f"/api/v1/issues/{issue}/reassign"
    error(client.post(url, headers=admin, json={"lead": "C01"}), 422, "reason")
    error(client.post(url, headers=admin, json={"lead": "NOPE", "reason": "改派"}), 422, "lead")
    error(client.post(url, headers=token_for("handler"), json={"lead": "C01", "reason": "改派"}), 403)
    new_deadline = in_days(20).isoformat()
    body = ok(
        client.post(
            url,
            headers=if_match(admin, 2),
            json={"lead": "C02", "co": ["D01"], "reason": "属地", "deadline": new_deadline},
        )
    )
    # D01 stays and keeps its deadline; C02 is new and gets the one given for it.
    assert [(a["unit"], a["role"], a["deadline"]) for a in body["assignments"]] == [
        ("C02", "lead", new_deadline),
        ("D01", "co", in_days(10).isoformat()),
    ]
    # The county that lost the problem no longer sees it; the new one does.
    error(client.get(f"/api/v1/issues/{issue}", headers=token_for("county-handler")), 404)
    ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("other-handler")))
    fresh = report(services, city)
    conflict = error(
        client.post(
            f"/api/v1/issues/{fresh}/reassign",
            headers=admin,
            json={"lead": "C01", "reason": "x", "deadline": new_deadline},
        ),
        409,
    )
    assert conflict["status"] == "reported"


def test_progress_from_lead_and_co_handlers(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    url = f"/api/v1/issues/{issue}/progress"
    assert ok(client.post(url, headers=token_for("handler"), json={"note": "已入户核查"}))["version"] == 3
    assert (
        ok(client.post(url, headers=token_for("county-handler"), json={"note": "乡镇配合"}))["version"] == 4
    )
    error(client.post(url, headers=token_for("handler"), json={"note": ""}), 422, "note")
    error(client.post(url, headers=token_for("handler"), json={"note": "x" * 5001}), 422, "note")
    error(client.post(url, headers=token_for("handler"), json={}), 422, "note")
    error(client.post(url, headers=token_for("other-handler"), json={"note": "x"}), 404)
    for role in ("admin", "inspector", "clerk", "reviewer", "leader"):
        error(client.post(url, headers=token_for(role), json={"note": "x"}), 403)
    error(client.post(url, headers=if_match(token_for("handler"), 3), json={"note": "x"}), 412)
    types = [h["type"] for h in ok(client.get(f"/api/v1/issues/{issue}/history", headers=token_for("admin")))]
    assert types.count("ProgressReported") == 2
    done = closed(services, city)
    conflict = error(
        client.post(f"/api/v1/issues/{done}/progress", headers=token_for("handler"), json={"note": "x"}), 409
    )
    assert conflict["status"] == "closed"


def test_evidence_upload_and_download(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    url = f"/api/v1/issues/{issue}/evidence"
    r = client.post(
        url,
        headers=if_match(token_for("handler"), 2),
        data=multipart((PNG, "../../etc/passwd.png"), (PDF, "整改报告.pdf"), note="整改前后对比照片"),
        content_type="multipart/form-data",
    )
    answer = ok(r, 201)
    assert r.headers["ETag"] == '"3"'
    evidence = answer["evidence"]
    assert [(e["name"], e["size"], e["sha256"]) for e in evidence] == [
        ("passwd.png", len(PNG), hashlib.sha256(PNG).hexdigest()),
        ("整改报告.pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
    ]
    assert all(e["id"] for e in evidence) and evidence[0]["id"] != evidence[1]["id"]
    for e in evidence:
        assert "/" not in e["name"] and not e["name"].startswith(".")
    detail = ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")))
    assert [e["id"] for e in detail["evidence"]] == [e["id"] for e in evidence]
    history = ok(client.get(f"/api/v1/issues/{issue}/history", headers=token_for("admin")))
    assert history[-1]["type"] == "EvidenceAttached" and history[-1]["data"]["note"] == "整改前后对比照片"

    # The co unit's handler may add evidence too.
    co = multipart((PDF, "co.pdf"))
    assert ok(
        client.post(url, headers=token_for("county-handler"), data=co, content_type="multipart/form-data"),
        201,
    )

    # Downloads: the same scope as the issue.
    for who in (
        "admin",
        "inspector",
        "leader",
        "clerk",
        "handler",
        "county-handler",
        "reviewer",
        "city-reviewer",
    ):
        with client.get(f"{url}/{evidence[0]['id']}", headers=token_for(who)) as r:
            assert r.status_code == 200, (who, r.get_data(as_text=True))
            assert r.data == PNG and r.mimetype == "image/png"
            disposition = r.headers["Content-Disposition"]
            assert "passwd.png" in disposition and ".." not in disposition and "/" not in disposition
    with client.get(f"{url}/{evidence[1]['id']}", headers=token_for("clerk")) as r:
        assert r.status_code == 200 and r.data == PDF and r.mimetype == "application/pdf"
        assert "filename*=UTF-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf" in r.headers["Content-Disposition"]
    for who in ("other-handler", "other-reviewer"):
        error(client.get(f"{url}/{evidence[0]['id']}", headers=token_for(who)), 404)
    error(client.get(f"{url}/00000000-0000-0000-0000-000000000000", headers=token_for("admin")), 404)
    error(client.get(f"{url}/not-an-id", headers=token_for("admin")), 404)
    other = report(services, city)
    error(client.get(f"/api/v1/issues/{other}/evidence/{evidence[0]['id']}", headers=token_for("admin")), 404)
    error(client.get(f"{url}/{evidence[0]['id']}"), 401)


def test_evidence_rejections(services: Services, city: City, client: FlaskClient, token_for: Auth) -> None:
    issue = assigned(services, city)
    url = f"/api/v1/issues/{issue}/evidence"
    handler = token_for("handler")

    def upload(*files: tuple[bytes, str], headers: dict[str, str] = handler, **kw: Any) -> Any:
        return client.post(
            url, headers=headers, data=multipart(*files, **kw), content_type="multipart/form-data"
        )

    error(upload((b"just some text, not a picture", "photo.png")), 422, "file")
    error(upload((b"MZ\x90\x00" + b"\x00" * 64, "report.pdf")), 422, "file")
    error(upload((PNG, "ok.png"), (b"#!/bin/sh\nrm -rf /\n", "evil.jpg")), 422, "file")
    error(upload((b"", "empty.png")), 422, "file")
    error(
        client.post(url, headers=handler, data={"note": "no file"}, content_type="multipart/form-data"),
        422,
        "file",
    )
    # Not multipart at all: 415 (tests/e2e/test_http_edge.py).
    error(client.post(url, headers=handler, json={"note": "not multipart"}), 415)
    error(upload((PNG, "ok.png"), note="注" * 5001), 422, "note")

    services.app.max_upload_bytes = 1024
    error(upload((PNG + b"\x00" * 1024, "big.png")), 413)
    error(upload((PNG, "small.png"), (PDF + b"%" * 2048, "big.pdf")), 413)
    assert ok(upload((PNG, "small.png")), 201)["evidence"][0]["size"] == len(PNG)
    # Nothing of a refused upload was recorded.
    detail = ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")))
    assert [e["name"] for e in detail["evidence"]] == ["small.png"]

    for role in ("admin", "inspector", "clerk", "reviewer", "leader"):
        error(upload((PNG, "x.png"), headers=token_for(role)), 403)
    error(upload((PNG, "x.png"), headers=token_for("other-handler")), 404)
    error(upload((PNG, "x.png"), headers=if_match(handler, 1)), 412)
    # 412 before 413 and 422: the version is checked before the body is read.
    error(upload((b"text", "x.png"), headers=if_match(handler, 1)), 412)
    done = closed(services, city)
    conflict = client.post(
        f"/api/v1/issues/{done}/evidence",
        headers=handler,
        data=multipart((PNG, "late.png")),
        content_type="multipart/form-data",
    )
    assert error(conflict, 409)["status"] == "closed"


def test_a_request_over_the_size_limit_is_413(
    services: Services, city: City, app: Flask, token_for: Auth
) -> None:
    issue = assigned(services, city)
    # A request carries at most 10 files of the per-file limit and a small form
    # (web/edge.py; tests/e2e/test_http_edge.py streams bodies past it).
    services.app.max_upload_bytes = 1024
    client = app.test_client()
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n' + PNG + b"\r\n"
    answer = client.post(
        f"/api/v1/issues/{issue}/evidence",
        headers=token_for("handler"),
        input_stream=io.BytesIO(part * 20_000 + b"--b--\r\n"),
        content_type="multipart/form-data; boundary=b",
    )
    error(answer, 413)


def test_extension_request_and_decision(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    url = f"/api/v1/issues/{issue}/extension"
    decide = f"/api/v1/issues/{issue}/extension/decision"
    handler, admin = token_for("handler"), token_for("admin")
    later = in_days(40).isoformat()

    error(client.post(url, headers=handler, json={"reason": "x"}), 422, "deadline")
    error(client.post(url, headers=handler, json={"deadline": later}), 422, "reason")
    error(client.post(url, headers=handler, json={"deadline": "soon", "reason": "x"}), 422, "deadline")
    error(
        client.post(url, headers=handler, json={"deadline": in_days(5).isoformat(), "reason": "x"}),
        422,
        "deadline",
    )
    error(client.post(url, headers=admin, json={"deadline": later, "reason": "x"}), 403)
    assert error(client.post(decide, headers=admin, json={"granted": True}), 409)["status"] == "assigned"

    body = ok(client.post(url, headers=handler, json={"deadline": later, "reason": "雨季施工困难"}))
    assert body["pending_extension"]["deadline"] == later and body["deadline"] == in_days(10).isoformat()
    conflict = error(
        client.post(url, headers=token_for("county-handler"), json={"deadline": later, "reason": "x"}), 409
    )
    assert conflict["status"] == "assigned"
    error(client.post(decide, headers=admin, json={}), 422, "granted")
    error(client.post(decide, headers=admin, json={"granted": "perhaps"}), 422, "granted")
    error(client.post(decide, headers=handler, json={"granted": True}), 403)
    error(client.post(decide, headers=token_for("reviewer"), json={"granted": True}), 403)
    granted = ok(client.post(decide, headers=admin, json={"granted": True, "note": "同意"}))
    assert granted["deadline"] == later and granted["pending_extension"] is None
    assert {a["unit"]: a["deadline"] for a in granted["assignments"]} == {
        "D01": later,
        "C01": in_days(10).isoformat(),
    }

    ok(client.post(url, headers=handler, json={"deadline": in_days(60).isoformat(), "reason": "再延"}))
    refused = ok(client.post(decide, headers=admin, json={"granted": False, "note": "不同意"}))
    assert refused["deadline"] == later and refused["pending_extension"] is None


def test_submit_verify_and_reopen(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    base = f"/api/v1/issues/{issue}"
    handler, reviewer = token_for("handler"), token_for("reviewer")

    assert (
        error(client.post(f"{base}/verify", headers=reviewer, json={"passed": True}), 409)["status"]
        == "assigned"
    )
    error(client.post(f"{base}/submit", headers=handler, json={}), 422, "summary")
    error(client.post(f"{base}/submit", headers=token_for("admin"), json={"summary": "x"}), 403)
    error(client.post(f"{base}/submit", headers=token_for("other-handler"), json={"summary": "x"}), 404)
    body = ok(client.post(f"{base}/submit", headers=handler, json={"summary": "已完成"}))
    assert body["status"] == "submitted"
    assert (
        error(client.post(f"{base}/submit", headers=handler, json={"summary": "x"}), 409)["status"]
        == "submitted"
    )

    error(client.post(f"{base}/verify", headers=reviewer, json={}), 422, "passed")
    error(client.post(f"{base}/verify", headers=reviewer, json={"passed": "yes please"}), 422, "passed")
    error(client.post(f"{base}/verify", headers=reviewer, json={"passed": False}), 422, "note")  # why not?
    for role in ("admin", "handler", "clerk", "inspector", "leader"):
        error(client.post(f"{base}/verify", headers=token_for(role), json={"passed": True}), 403)
    error(client.post(f"{base}/verify", headers=token_for("other-reviewer"), json={"passed": True}), 404)
    returned = ok(client.post(f"{base}/verify", headers=reviewer, json={"passed": False, "note": "佐证不足"}))
    assert returned["status"] == "assigned" and returned["closed_at"] is None

    ok(client.post(f"{base}/submit", headers=handler, json={"summary": "补充佐证"}))
    closed_body = ok(client.post(f"{base}/verify", headers=token_for("city-reviewer"), json={"passed": True}))
    assert closed_body["status"] == "closed" and closed_body["closed_at"] is not None
    for command, payload in (
        ("progress", {"note": "x"}),
        ("submit", {"summary": "x"}),
        ("verify", {"passed": True}),
        ("assign", {"lead": "C01", "deadline": in_days(9).isoformat()}),
    ):
        who = {"progress": handler, "submit": handler, "verify": reviewer, "assign": token_for("admin")}[
            command
        ]
        assert error(client.post(f"{base}/{command}", headers=who, json=payload), 409)["status"] == "closed"

    error(client.post(f"{base}/reopen", headers=reviewer, json={}), 422, "reason")
    error(client.post(f"{base}/reopen", headers=token_for("other-reviewer"), json={"reason": "x"}), 404)
    for role in ("handler", "clerk", "inspector", "leader"):
        error(client.post(f"{base}/reopen", headers=token_for(role), json={"reason": "x"}), 403)
    reopened = ok(client.post(f"{base}/reopen", headers=reviewer, json={"reason": "回头看发现反弹"}))
    assert reopened["status"] == "assigned" and reopened["closed_at"] is None
    assert (
        error(client.post(f"{base}/reopen", headers=token_for("admin"), json={"reason": "x"}), 409)["status"]
        == "assigned"
    )
    types = [h["type"] for h in ok(client.get(f"{base}/history", headers=token_for("admin")))]
    assert types[-4:] == ["VerificationFailed", "Submitted", "VerificationPassed", "Reopened"]


def test_the_submitter_never_verifies(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = submitted(services, city)  # by "handler"
    services.app.change_user_role(system_actor(), "handler", role="reviewer", unit="C")
    error(
        client.post(f"/api/v1/issues/{issue}/verify", headers=token_for("handler"), json={"passed": True}),
        403,
    )
    ok(client.post(f"/api/v1/issues/{issue}/verify", headers=token_for("reviewer"), json={"passed": True}))


def test_reject_and_merge_duplicates(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    original = report(services, city)
    duplicate = report(services, city)
    nonsense = report(services, city)
    admin = token_for("admin")

    error(client.post(f"/api/v1/issues/{nonsense}/reject", headers=admin, json={}), 422, "reason")
    for role in ("inspector", "clerk", "reviewer", "leader"):
        error(
            client.post(f"/api/v1/issues/{nonsense}/reject", headers=token_for(role), json={"reason": "x"}),
            403,
        )
    error(
        client.post(f"/api/v1/issues/{nonsense}/reject", headers=token_for("handler"), json={"reason": "x"}),
        404,
    )
    body = ok(
        client.post(f"/api/v1/issues/{nonsense}/reject", headers=admin, json={"reason": "经核实不属实"})
    )
    assert body["status"] == "rejected" and body["rejection_reason"] == "经核实不属实"
    again = error(client.post(f"/api/v1/issues/{nonsense}/reject", headers=admin, json={"reason": "x"}), 409)
    assert again["status"] == "rejected"

    url = f"/api/v1/issues/{duplicate}/reject"
    error(
        client.post(url, headers=admin, json={"reason": "重复", "duplicate_of": "YC2023-0099"}),
        422,
        "duplicate_of",
    )
    error(
        client.post(url, headers=admin, json={"reason": "重复", "duplicate_of": duplicate}),
        422,
        "duplicate_of",
    )
    error(
        client.post(url, headers=admin, json={"reason": "重复", "duplicate_of": nonsense}),
        422,
        "duplicate_of",
    )
    error(client.post(url, headers=admin, json={"reason": "重复", "duplicate_of": 12}), 422, "duplicate_of")
    merged = ok(client.post(url, headers=admin, json={"reason": "重复上报", "duplicate_of": original}))
    assert merged["status"] == "rejected" and merged["duplicate_of"] == original

    working = assigned(services, city)
    conflict = error(
        client.post(f"/api/v1/issues/{working}/reject", headers=admin, json={"reason": "x"}), 409
    )
    assert conflict["status"] == "assigned"


def test_comments_in_every_status(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    rejected = report(services, city)
    services.app.reject(city.admin, rejected, reason="不属实")
    for issue, status in (
        (report(services, city), "reported"),
        (assigned(services, city), "assigned"),
        (submitted(services, city), "submitted"),
        (closed(services, city), "closed"),
        (rejected, "rejected"),
    ):
        url = f"/api/v1/issues/{issue}/comment"
        before = version_of(client, token_for, issue)
        body = ok(client.post(url, headers=token_for("leader"), json={"text": "请加快进度"}))
        assert body["status"] == status and body["version"] == before + 1
        body = ok(client.post(url, headers=token_for("clerk"), json={"text": "村里已知悉"}))
        assert body["status"] == status
    url = f"/api/v1/issues/{rejected}/comment"
    error(client.post(url, headers=token_for("leader"), json={"text": ""}), 422, "text")
    error(client.post(url, headers=token_for("leader"), json={"text": "批" * 5001}), 422, "text")
    error(client.post(url, headers=token_for("other-reviewer"), json={"text": "x"}), 404)
    error(client.post(url, headers=token_for("handler"), json={"text": "x"}), 404)
    history = ok(client.get(f"/api/v1/issues/{rejected}/history", headers=token_for("admin")))
    comments = [h["data"] for h in history if h["type"] == "CommentAdded"]
    assert comments == [
        {"text": "请加快进度", "instruction": True},
        {"text": "村里已知悉", "instruction": False},
    ]


# -- stats -----------------------------------------------------------------------------------------
def test_stats_by_unit_aspect_and_source(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    closed(services, city)  # C01T1V1, D01 + C01, closed on time
    assigned(services, city, aspect="A02", category="A02C01", source="self_check")
    late = report(services, city, unit="C02T1V1", source="petition")
    services.app.assign(city.admin, late, lead="C02", deadline=in_days(1))
    services.sweep_deadlines(today=in_days(3))
    gone = report(services, city, unit="C02T1V1")
    services.app.reject(city.admin, gone, reason="不属实")
    admin = token_for("admin")

    by_unit = ok(client.get("/api/v1/stats", headers=admin))
    assert by_unit["by"] == "unit" and datetime.fromisoformat(by_unit["as_of"]).utcoffset() is not None
    rows = {r["key"]: r for r in by_unit["rows"]}
    assert set(rows) == {"C01", "C02", "D01", "OFF"}  # one row per child of the root
    assert all(set(r) >= STATS_FIELDS for r in by_unit["rows"])
    assert rows["C01"]["name"] == "盐湖区"
    assert (rows["C01"]["total"], rows["C01"]["open"], rows["C01"]["closed"]) == (2, 1, 1)
    assert (rows["D01"]["total"], rows["D01"]["closed"]) == (2, 1)
    assert rows["C02"]["total"] == 2 and rows["C02"]["rejected"] == 1 and rows["C02"]["overdue"] == 1
    assert rows["OFF"]["total"] == 0
    assert rows["C01"]["closure_rate"] == 0.5 and rows["C01"]["on_time_rate"] == 1.0

    for by in ("aspect", "source"):
        answer = ok(client.get("/api/v1/stats", headers=admin, query_string={"by": by}))
        assert answer["by"] == by
        assert sum(r["total"] for r in answer["rows"]) == 4
        for r in answer["rows"]:
            assert r["open"] + r["closed"] + r["rejected"] == r["total"]
    aspects = {r["key"]: r["total"] for r in ok(client.get("/api/v1/stats?by=aspect", headers=admin))["rows"]}
    assert aspects == {"A01": 3, "A02": 1}
    sources = {r["key"]: r for r in ok(client.get("/api/v1/stats?by=source", headers=admin))["rows"]}
    assert sources["petition"]["overdue"] == 1
    assert sources["petition"]["name"] == "public opinion and petitions"  # no Accept-Language: English
    assert sources["flying"]["total"] == 2 and sources["assessment"]["total"] == 0

    # Only what the caller may see is counted.
    mine = {
        r["key"]: r["total"]
        for r in ok(client.get("/api/v1/stats", headers=token_for("other-handler")))["rows"]
    }
    assert mine == {"C01": 0, "C02": 1, "D01": 0, "OFF": 0}
    mine = ok(client.get("/api/v1/stats?by=source", headers=token_for("clerk")))["rows"]
    assert sum(r["total"] for r in mine) == 2

    assert (
        sum(
            r["total"]
            for r in ok(client.get("/api/v1/stats?by=source&campaign=OTHER", headers=admin))["rows"]
        )
        == 0
    )
    error(client.get("/api/v1/stats?by=county", headers=admin), 422, "by")
    error(client.get("/api/v1/stats?as_of=yesterday", headers=admin), 422, "as_of")


def test_lists_and_stats_as_of_an_earlier_instant(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    other = report(services, city, unit="C02T1V1")
    history = ok(client.get(f"/api/v1/issues/{issue}/history", headers=token_for("admin")))
    reported_at, assigned_at = history[0]["at"], history[1]["at"]
    services.app.submit(city.handler, issue, summary="done")
    services.app.reject(city.admin, other, reason="不属实")
    later = report(services, city, unit="C02T1V1")
    admin = token_for("admin")

    def listed(as_of: str, **query: Any) -> dict[str, str]:
        page = ok(client.get("/api/v1/issues", headers=admin, query_string={"as_of": as_of, **query}))
        assert page["total"] == len(page["items"])
        return {i["id"]: i["status"] for i in page["items"]}

    assert listed(reported_at) == {issue: "reported"}
    assert listed(assigned_at) == {issue: "assigned"}
    assert listed(assigned_at, unit="D01") == {issue: "assigned"}
    assert listed(assigned_at, status="reported") == {}
    now = ok(client.get("/api/v1/issues", headers=admin))
    assert {i["id"]: i["status"] for i in now["items"]} == {
        issue: "submitted",
        other: "rejected",
        later: "reported",
    }

    then = ok(client.get("/api/v1/stats", headers=admin, query_string={"as_of": assigned_at}))
    assert datetime.fromisoformat(then["as_of"]) == datetime.fromisoformat(assigned_at)
    rows = {r["key"]: r for r in then["rows"]}
    assert (rows["C01"]["total"], rows["C01"]["open"]) == (1, 1)
    assert rows["C02"]["total"] == 0
    rows = {r["key"]: r for r in ok(client.get("/api/v1/stats", headers=admin))["rows"]}
    assert (rows["C02"]["total"], rows["C02"]["open"], rows["C02"]["rejected"]) == (2, 1, 1)
    # The caller's scope still applies.
    for who in ("other-handler", "other-reviewer"):
        mine = client.get("/api/v1/issues", headers=token_for(who), query_string={"as_of": assigned_at})
        assert ok(mine)["total"] == 0
    # A date alone is the end of that day (tests/e2e/test_api_as_of.py); an instant needs an offset.
    naive = {"as_of": "2023-06-01T12:00:00"}
    error(client.get("/api/v1/issues", headers=admin, query_string=naive), 422, "as_of")
    error(client.get("/api/v1/stats", headers=admin, query_string={"as_of": "noon"}), 422, "as_of")


# -- org, users, campaigns -------------------------------------------------------------------------
def test_units(city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    listed = ok(client.get("/api/v1/units", headers=token_for("clerk")))
    assert listed[0] == {
        "code": "C",
        "name": "运城市",
        "kind": "city",
        "parent": None,
        "path": ["C"],
        "active": True,
    }
    village = next(u for u in listed if u["code"] == "C01T1V1")
    assert village["path"] == ["C", "C01", "C01T1", "C01T1V1"] and village["kind"] == "village"
    assert {"C01", "C02T1V1", "D01", "OFF"} <= {u["code"] for u in listed}
    children = ok(client.get("/api/v1/units?parent=C01", headers=admin))
    assert [u["code"] for u in children] == ["C01T1"]

    body = {"code": "D02", "name": "市住建局", "kind": "department", "parent": "C"}
    unit = ok(client.post("/api/v1/units", headers=admin, json=body), 201)
    assert unit == {
        "code": "D02",
        "name": "市住建局",
        "kind": "department",
        "parent": "C",
        "path": ["C", "D02"],
        "active": True,
    }
    assert unit in ok(client.get("/api/v1/units", headers=admin))
    error(
        client.post("/api/v1/units", headers=admin, json={**body, "code": "D04", "name": "局\x00"}),
        422,
        "name",
    )
    error(client.get("/api/v1/units?parent=%00", headers=admin), 422, "parent")
    assert ok(client.get("/api/v1/units/D02", headers=token_for("handler")))["name"] == "市住建局"
    error(client.get("/api/v1/units/NOPE", headers=admin), 404)
    error(client.post("/api/v1/units", headers=admin, json=body), 409)
    error(client.post("/api/v1/units", headers=admin, json={}), 422, "code", "name", "kind")
    error(
        client.post("/api/v1/units", headers=admin, json={**body, "code": "D03", "kind": "ministry"}),
        422,
        "kind",
    )
    error(
        client.post("/api/v1/units", headers=admin, json={**body, "code": "D03", "parent": "NOPE"}),
        422,
        "parent",
    )
    error(
        client.post("/api/v1/units", headers=admin, json={**body, "code": "D03", "parent": None}),
        422,
        "parent",
    )
    error(client.post("/api/v1/units", headers=admin, json={**body, "code": "D 3"}), 422, "code")
    error(
        client.post("/api/v1/units", headers=admin, json={**body, "code": "D03", "name": "名" * 101}),
        422,
        "name",
    )
    for role in ("inspector", "clerk", "handler", "reviewer", "leader"):
        error(client.post("/api/v1/units", headers=token_for(role), json={**body, "code": "D09"}), 403)


def test_users(city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    body = {"username": "wang.wei", "name": "王伟", "role": "clerk", "unit": "C02T1V1", "password": PASSWORD}
    user = ok(client.post("/api/v1/users", headers=admin, json=body), 201)
    assert user["username"] == "wang.wei" and user["role"] == "clerk" and user["unit"] == "C02T1V1"
    assert user["active"] is True and not {"password", "password_hash"} & set(user)
    signed_in = ok(client.post("/api/v1/tokens", json={"username": "wang.wei", "password": PASSWORD}), 201)
    ok(
        client.post(
            "/api/v1/issues",
            headers={"Authorization": f"Bearer {signed_in['token']}"},
            json=issue_body(unit="C02T1V1"),
        ),
        201,
    )

    for who in ("admin", "leader"):
        listed = ok(client.get("/api/v1/users", headers=token_for(who)))
        assert "wang.wei" in {u["username"] for u in listed}
        assert all(not {"password", "password_hash"} & set(u) for u in listed)
    assert [u["username"] for u in ok(client.get("/api/v1/users?unit=C02T1V1", headers=admin))] == [
        "wang.wei"
    ]
    for role in ("inspector", "clerk", "handler", "reviewer"):
        error(client.get("/api/v1/users", headers=token_for(role)), 403)
        error(
            client.post("/api/v1/users", headers=token_for(role), json={**body, "username": "x-" + role}), 403
        )
    error(client.get("/api/v1/users/wang.wei", headers=token_for("clerk")), 403)
    error(client.get("/api/v1/users/nobody", headers=admin), 404)

    error(client.post("/api/v1/users", headers=admin, json=body), 409)
    error(client.post("/api/v1/users", headers=admin, json={}), 422, "username", "role", "unit", "password")
    error(
        client.post("/api/v1/users", headers=admin, json={**body, "username": "li", "password": "short"}),
        422,
        "password",
    )
    error(
        client.post("/api/v1/users", headers=admin, json={**body, "username": "li", "role": "system"}),
        422,
        "role",
    )
    error(
        client.post("/api/v1/users", headers=admin, json={**body, "username": "li", "role": "king"}),
        422,
        "role",
    )
    error(
        client.post("/api/v1/users", headers=admin, json={**body, "username": "li", "unit": "NOPE"}),
        422,
        "unit",
    )
    error(client.post("/api/v1/users", headers=admin, json={**body, "username": "Li Lei"}), 422, "username")


def test_campaigns(city: City, client: FlaskClient, token_for: Auth) -> None:
    admin = token_for("admin")
    body = {
        "code": "YC2024",
        "name": "2023年度问题整改",
        "deadline": "2024-12-31",
        "aspects": [{"code": "B01", "name": "产业", "categories": [{"code": "B01C01", "name": "项目"}]}],
    }
    created = ok(client.post("/api/v1/campaigns", headers=admin, json=body), 201)
    assert created["code"] == "YC2024" and created["deadline"] == "2024-12-31"
    assert created["aspects"] == [
        {
            "code": "B01",
            "name": "产业",
            "retired": False,
            "categories": [{"code": "B01C01", "name": "项目", "retired": False}],
        }
    ]
    assert {c["code"] for c in ok(client.get("/api/v1/campaigns", headers=token_for("clerk")))} == {
        "YC2023",
        "YC2024",
    }
    assert (
        ok(client.get("/api/v1/campaigns/YC2024", headers=token_for("handler")))["name"] == "2023年度问题整改"
    )
    error(client.get("/api/v1/campaigns/NOPE", headers=admin), 404)
    problem = issue_body(campaign="YC2024", aspect="B01", category="B01C01")
    assert ok(client.post("/api/v1/issues", headers=admin, json=problem), 201)["code"] == "YC2024-0001"

    error(client.post("/api/v1/campaigns", headers=admin, json=body), 409)
    error(
        client.post("/api/v1/campaigns", headers=admin, json={}), 422, "code", "name", "deadline", "aspects"
    )
    error(
        client.post("/api/v1/campaigns", headers=admin, json={**body, "code": "N1", "aspects": []}),
        422,
        "aspects",
    )
    error(
        client.post(
            "/api/v1/campaigns", headers=admin, json={**body, "code": "N1", "deadline": "end of year"}
        ),
        422,
        "deadline",
    )
    no_categories = [{"code": "B01", "name": "产业", "categories": []}]
    assert (
        "aspects"
        in error(
            client.post(
                "/api/v1/campaigns", headers=admin, json={**body, "code": "N1", "aspects": no_categories}
            ),
            422,
        )["errors"]
    )
    twice = [body["aspects"][0], body["aspects"][0]]
    assert (
        "aspects.code"
        in error(
            client.post("/api/v1/campaigns", headers=admin, json={**body, "code": "N1", "aspects": twice}),
            422,
        )["errors"]
    )
    for role in ("inspector", "clerk", "handler", "reviewer", "leader"):
        error(client.post("/api/v1/campaigns", headers=token_for(role), json={**body, "code": "N2"}), 403)


# -- the order of errors, and garbage --------------------------------------------------------------
def test_the_first_applicable_error_wins(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    """401, 404, 403, 412, 422, 409 (CONTRACT.md)."""
    issue = closed(services, city)  # version 4; progress is a 409 now
    url = f"/api/v1/issues/{issue}/progress"
    bad_body = {"note": ""}
    stale = 1
    error(client.post(url, headers={"If-Match": '"1"'}, json=bad_body), 401)
    error(
        client.post(
            "/api/v1/issues/YC2023-0404/progress", headers=if_match(token_for("admin"), stale), json=bad_body
        ),
        404,
    )
    # other-handler may not see it (404) and could not act anyway (403): 404 wins.
    error(client.post(url, headers=if_match(token_for("other-handler"), stale), json=bad_body), 404)
    # reviewer sees it but may not send progress: 403 before 412 and 422.
    error(client.post(url, headers=if_match(token_for("reviewer"), stale), json=bad_body), 403)
    error(client.post(url, headers=if_match(token_for("handler"), stale), json=bad_body), 412)
    error(client.post(url, headers=if_match(token_for("handler"), 4), json=bad_body), 422, "note")
    error(
        client.post(
            url, headers=if_match(token_for("handler"), 4), data="{not json", content_type="application/json"
        ),
        422,
    )
    assert (
        error(client.post(url, headers=if_match(token_for("handler"), 4), json={"note": "ok"}), 409)["status"]
        == "closed"
    )
    # If-Match: * and no If-Match both mean "any version".
    assert (
        error(client.post(url, headers={**token_for("handler"), "If-Match": "*"}, json={"note": "ok"}), 409)[
            "status"
        ]
        == "closed"
    )
    error(
        client.post(url, headers={**token_for("handler"), "If-Match": "yesterday"}, json={"note": "ok"}), 412
    )
    # The same on a stale version of a command with a multipart body.
    ev = f"/api/v1/issues/{issue}/evidence"
    error(
        client.post(ev, headers=if_match(token_for("leader"), stale), data=multipart((b"txt", "a.png"))), 403
    )


GARBAGE_BODIES: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"),
    (b"", "application/json"),
    (b"null", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"a string"', "application/json"),
    (b"12", "application/json"),
    (
        b'{"title": {"nested": [1, {"deep": null}]}, "deadline": [], "co": 5, "granted": "x"}',
        "application/json",
    ),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b'{"note": "\xff\xfe"}', "application/json"),
    (
        b'{"note": "\\u0000", "text": "\\u0000", "reason": "\\u0000", '
        b'"summary": "\\u0000", "title": "\\u0000", "lead": "\\u0000", "granted": true}',
        "application/json",
    ),
    (b"title=x&unit=y", "application/x-www-form-urlencoded"),
    (b"<xml/>", "text/xml"),
]

#: Who may send each command, so that the garbage is the only thing wrong.
SENDER = {
    "progress": "handler",
    "evidence": "handler",
    "extension": "handler",
    "submit": "handler",
    "verify": "reviewer",
}


def test_garbage_input_gets_json_errors_never_500(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    commands = [
        "assign",
        "reassign",
        "progress",
        "evidence",
        "extension",
        "extension/decision",
        "submit",
        "verify",
        "reopen",
        "reject",
        "comment",
    ]
    posts = dict.fromkeys(("/api/v1/issues", "/api/v1/units", "/api/v1/users", "/api/v1/campaigns"), "admin")
    posts["/api/v1/tokens"] = "admin"
    posts.update({f"/api/v1/issues/{issue}/{c}": SENDER.get(c, "admin") for c in commands})
    for path, who in posts.items():
        for data, content_type in GARBAGE_BODIES:
            r = client.post(path, headers=token_for(who), data=data, content_type=content_type)
            assert r.status_code < 500, (path, data, r.get_data(as_text=True))
            # Invalid input, whatever the lifecycle says (422 comes before 409); a body
            # of another media type than the command takes is 415 (test_http_edge.py).
            takes = "multipart/form-data" if path.endswith("/evidence") else "application/json"
            error(r, 415 if data and content_type != takes else 422)

    admin = token_for("admin")
    gets: list[tuple[str, set[int]]] = [
        ("/api/v1/issues?page=99999999999999999999999", {422}),
        ("/api/v1/issues?page=-5&per_page=abc", {422}),
        ("/api/v1/issues?per_page=1e9", {422}),
        ("/api/v1/issues?overdue=2&status=,,,", {422}),
        ("/api/v1/issues?q=" + "长" * 500, {422}),
        ("/api/v1/issues?q=%00%ff", {422}),
        ("/api/v1/issues?unit=%00&campaign=%27%3B--&aspect=%00", {422}),
        ("/api/v1/issues?status=%00", {422}),
        (f"/api/v1/issues/{issue}?as_of=not-a-time", {422}),
        (f"/api/v1/issues/{issue}?as_of=99999-01-01T00:00:00Z", {422}),
        (f"/api/v1/issues/{issue}?as_of=2023-06-01T00:00:00%2B99:00", {422}),
        (f"/api/v1/issues/{issue}?as_of=%00", {422}),
        ("/api/v1/issues?campaign=%27%3B--&q=%27%20OR%201%3D1--", {200}),
        ("/api/v1/stats?by=%00", {422}),
        ("/api/v1/stats?campaign=%00", {422}),
        ("/api/v1/stats?campaign=" + "x" * 5000, {200, 422}),
        ("/api/v1/units?parent=%00", {422}),
        ("/api/v1/users?unit=%00", {422}),
        ("/api/v1/issues/not-a-uuid", {404}),
        ("/api/v1/issues/12345678-1234-1234-1234-1234567890ab", {404}),
        ("/api/v1/issues/%00%ff%fe", {404}),
        ("/api/v1/issues/%00-1", {404}),
        ("/api/v1/issues/..%2F..%2Fetc%2Fpasswd", {404}),
        ("/api/v1/issues/YC2023-99999999999999999999999999999999", {404}),
        ("/api/v1/issues/-", {404}),
        ("/api/v1/issues/" + "a" * 3000, {404}),
        ("/api/v1/issues/not-a-uuid/history", {404}),
        (f"/api/v1/issues/{issue}/evidence/..%2F..%2Fetc%2Fpasswd", {404}),
        (f"/api/v1/issues/{issue}/evidence/%00", {404}),
        ("/api/v1/issues/not-a-uuid/evidence/also-not", {404}),
        ("/api/v1/units/%00", {404}),
        ("/api/v1/users/%00%ff", {404}),
        ("/api/v1/campaigns/%00", {404}),
        ("/api/v1/no-such-thing", {404}),
    ]
    for path, allowed in gets:
        r = client.get(path, headers=admin)
        assert r.status_code in allowed, (path, r.status_code, r.get_data(as_text=True))
        if r.status_code >= 400:
            error(r, r.status_code)
    for path in ("/api/v1/issues/not-a-uuid/assign", "/api/v1/issues/YC2023-0999/verify"):
        error(client.post(path, headers=admin, json={}), 404)
    error(client.delete("/api/v1/issues", headers=admin), 405)
    error(client.put(f"/api/v1/issues/{issue}", headers=admin, json={}), 405)
