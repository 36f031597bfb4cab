"""Errors and labels in the caller's language (CONTRACT.md: Chinese to a caller
that sends ``Accept-Language: zh``, English otherwise), on SQLite and PostgreSQL.

Each error answer keeps its shape (``code`` is the HTTP status) and names its
stable ``reason`` and ``params``; only ``message`` and the field messages change
with the language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.bootstrap import Services
from tests.e2e.conftest import ok
from tests.e2e.samples import error, if_match, issue_body
from tests.support import City, in_days, report, small_city

Auth = Callable[[str], dict[str, str]]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def both(
    send: Callable[[dict[str, str]], Any], status: int, *fields: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same request without a language header and in Chinese: (English body, Chinese body)."""
    en = error(send({}), status, *fields)
    zh = error(send(ZH), status, *fields)
    assert (en["reason"], en["params"]) == (zh["reason"], zh["params"])
    return en, zh


def test_a_lifecycle_refusal_409_in_both_languages(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="C01", co=[], deadline=in_days(10), measures="整改")
    body = {"lead": "C01", "co": [], "deadline": in_days(20).isoformat(), "measures": "整改"}

    en, zh = both(
        lambda lang: client.post(
            f"/api/v1/issues/{issue}/assign", headers={**token_for("admin"), **lang}, json=body
        ),
        409,
    )
    assert en["reason"] == "transition_not_allowed"
    assert en["params"] == {"action": "assign", "status": "assigned"}  # codes, not labels
    assert en["status"] == zh["status"] == "assigned"
    assert en["message"] == "cannot assign: the issue is under rectification"
    assert zh["message"] == "问题当前状态为“整改中”，不能交办"


def test_a_role_refusal_403_in_both_languages(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = report(services, city)
    body = {"lead": "C01", "co": [], "deadline": in_days(20).isoformat(), "measures": "整改"}
    en, zh = both(
        lambda lang: client.post(
            f"/api/v1/issues/{issue}/assign", headers={**token_for("inspector"), **lang}, json=body
        ),
        403,
    )
    assert (en["reason"], en["params"]) == ("role_forbidden", {"role": "inspector", "action": "assign"})
    assert en["message"] == "the role inspector may not assign"
    assert zh["message"] == "检查组不能交办"


def test_not_found_404_in_both_languages(city: City, client: FlaskClient, token_for: Auth) -> None:
    en, zh = both(
        lambda lang: client.get("/api/v1/issues/YC2023-0042", headers={**token_for("admin"), **lang}), 404
    )
    assert (en["reason"], en["params"]) == ("unknown_issue", {"issue": "YC2023-0042"})
    assert en["message"] == "no issue YC2023-0042"
    assert zh["message"] == "没有问题“YC2023-0042”"

    # An unknown route is no domain error, and still speaks the caller's language.
    en, zh = both(lambda lang: client.get("/api/v1/nowhere", headers={**token_for("admin"), **lang}), 404)
    assert en["reason"] == "not_found"
    assert zh["message"] == "未找到"


def test_a_stale_version_412_in_both_languages(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = report(services, city)
    body = {"lead": "C01", "co": [], "deadline": in_days(20).isoformat(), "measures": "整改"}
    en, zh = both(
        lambda lang: client.post(
            f"/api/v1/issues/{issue}/assign", headers={**if_match(token_for("admin"), 7), **lang}, json=body
        ),
        412,
    )
    assert (en["reason"], en["params"], en["version"]) == ("stale_version", {"expected": 7, "actual": 1}, 1)
    assert en["message"] == "expected version 7, but the current version is 1"
    assert zh["message"] == "版本已过期：期望版本7，当前版本为1"


def test_invalid_input_422_from_the_domain_in_both_languages(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = report(services, city)
    body = {"lead": "NOPE", "co": [], "deadline": in_days(20).isoformat(), "measures": "整改"}
    en, zh = both(
        lambda lang: client.post(
            f"/api/v1/issues/{issue}/assign", headers={**token_for("admin"), **lang}, json=body
        ),
        422,
        "lead",
    )
    assert (en["reason"], en["params"]) == ("unknown_unit", {"field": "lead", "unit": "NOPE"})
    assert en["message"] == "no unit with code NOPE" and en["errors"] == {"lead": [en["message"]]}
    assert zh["message"] == "没有编码为“NOPE”的单位" and zh["errors"] == {"lead": [zh["message"]]}

    en, zh = both(
        lambda lang: client.post(
            "/api/v1/issues", headers={**token_for("inspector"), **lang}, json=issue_body(title="   ")
        ),
        422,
        "title",
    )
    assert (en["reason"], en["params"]) == ("field_required", {"field": "title"})
    assert en["message"] == "title must not be empty"
    assert zh["message"] == "标题不能为空"


def test_field_validation_422_in_both_languages(city: City, client: FlaskClient, token_for: Auth) -> None:
    def send(lang: dict[str, str]) -> Any:
        body = issue_body(severity="apocalyptic", key="maybe", title="危" * 201)
        del body["campaign"]
        return client.post("/api/v1/issues", headers={**token_for("inspector"), **lang}, json=body)

    en, zh = both(send, 422, "campaign", "severity", "key", "title")
    assert en["reason"] == "invalid_input"
    assert en["message"] == "invalid input" and zh["message"] == "输入无效"
    assert en["errors"]["campaign"] == ["Missing data for required field."]
    assert zh["errors"]["campaign"] == ["必填字段"]
    assert zh["errors"]["key"] == ["不是有效的布尔值"]
    assert zh["errors"]["severity"][0].startswith("必须是以下之一：")
    assert "general" in zh["errors"]["severity"][0]  # the codes a caller must send
    assert zh["errors"]["title"][0].startswith("长度")


@pytest.mark.parametrize(
    ("header", "chinese"),
    [
        ("zh", True),
        ("zh-CN", True),
        ("zh-Hans", True),
        ("zh-TW, en;q=0.5", True),
        ("fr, zh;q=0.3", True),  # French is not offered; Chinese is acceptable
        ("en;q=0.9, zh;q=0.8", False),
        ("en-US,en;q=0.9,zh-CN;q=0.8", False),
        ("zh;q=0", False),  # q=0: not acceptable
        ("fr", False),
        ("*", False),
        ("", False),
    ],
)
def test_the_language_follows_accept_language(
    city: City, client: FlaskClient, token_for: Auth, header: str, chinese: bool
) -> None:
    body = error(
        client.get("/api/v1/issues/YC2023-0042", headers={**token_for("admin"), "Accept-Language": header}),
        404,
    )
    assert body["message"] == ("没有问题“YC2023-0042”" if chinese else "no issue YC2023-0042")


def test_stats_names_in_both_languages(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    report(services, city, source="petition")
    admin = token_for("admin")

    def rows(by: str, lang: dict[str, str]) -> dict[str, dict[str, Any]]:
        answer = ok(client.get("/api/v1/stats", headers={**admin, **lang}, query_string={"by": by}))
        return {row["key"]: row for row in answer["rows"]}

    en, zh = rows("source", {}), rows("source", ZH)
    assert en["petition"]["name"] == "public opinion and petitions" and en["petition"]["total"] == 1
    assert zh["petition"]["name"] == "舆情信访" and zh["petition"]["total"] == 1
    assert en["department"]["name"] == "department supervision" and zh["department"]["name"] == "行业部门督导"
    assert {k: r["total"] for k, r in en.items()} == {k: r["total"] for k, r in zh.items()}
    # Unit and aspect names are proper names from the data, the same in any language.
    assert rows("unit", {})["C01"]["name"] == rows("unit", ZH)["C01"]["name"] == "盐湖区"
    assert rows("aspect", {}) == rows("aspect", ZH)
