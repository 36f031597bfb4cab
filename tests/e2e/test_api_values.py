"""Values over HTTP (issue 8, group B): what a client may send in a field, and
the 422 naming the field for what it may not, never a 500. On SQLite and
PostgreSQL. The rules the domain keeps are in ``tests/unit/test_values.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.bootstrap import Services
from tests.e2e.conftest import ok
from tests.e2e.samples import PDF, PNG, error, issue_body, multipart
from tests.support import City, in_days, report, small_city

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def post_json(client: FlaskClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    """``body`` as JSON text exactly as given (``json.dumps`` escapes a lone
    surrogate as ``\\ud800``, as a client would send it)."""
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


# -- discovered_at: on or before the application's today, not before 2000-01-01 ------------------


def test_discovered_at_after_the_clocks_today_is_422(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    today = services.app.today()  # the application's clock (2023 here), not the wall clock
    auth = token_for("inspector")
    for day in (today + timedelta(days=1), today.replace(year=today.year + 1)):
        answer = post_json(client, "/api/v1/issues", issue_body(discovered_at=day.isoformat()), auth)
        body = error(answer, 422, "discovered_at")
        assert body["reason"] == "discovered_in_future"
    found = ok(post_json(client, "/api/v1/issues", issue_body(discovered_at=today.isoformat()), auth), 201)
    assert found["discovered_at"] == today.isoformat()


@pytest.mark.parametrize("day", ["1999-12-31", "0001-01-01", "1900-06-15"])
def test_discovered_at_before_2000_is_422(client: FlaskClient, city: City, token_for: Auth, day: str) -> None:
    answer = post_json(client, "/api/v1/issues", issue_body(discovered_at=day), token_for("inspector"))
    body = error(answer, 422, "discovered_at")
    assert body["reason"] == "discovered_too_early"
    zh = post_json(
        client,
        "/api/v1/issues",
        issue_body(discovered_at=day),
        {**token_for("inspector"), "Accept-Language": "zh"},
    )
    assert error(zh, 422, "discovered_at")["message"] == "发现日期不能早于2000-01-01"


# -- a dispute waits for its decision ----------------------------------------------------------


def test_a_second_dispute_is_409_and_the_first_stays(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    first = post_json(
        client, f"/api/v1/issues/{issue}/dispute", {"reason": "不属于本单位职责"}, token_for("handler")
    )
    assert ok(first)["pending_dispute"] == {"unit": "D01", "reason": "不属于本单位职责"}
    for who in ("handler", "county-handler"):  # the same unit again, or another one
        again = post_json(client, f"/api/v1/issues/{issue}/dispute", {"reason": "再次申诉"}, token_for(who))
        body = error(again, 409)
        assert (body["reason"], body["status"], body["params"]["unit"]) == (
            "dispute_pending",
            "assigned",
            "D01",
        )
    zh = post_json(
        client,
        f"/api/v1/issues/{issue}/dispute",
        {"reason": "再次申诉"},
        {**token_for("handler"), "Accept-Language": "zh"},
    )
    assert error(zh, 409)["message"] == "D01的申诉正在等待处理，处理前不能再次申诉"
    shown = ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")))
    assert shown["pending_dispute"] == {"unit": "D01", "reason": "不属于本单位职责"}
    disputes = [e for e in services.app.history(city.admin, issue) if e.type == "AssignmentDisputed"]
    assert len(disputes) == 1


# -- a lone surrogate in any field of any JSON body: 422 naming it ----------------------------

SURROGATE = "x\ud800y"

#: Who sends each JSON body (an actor that passes 401, 404 and 403 there).
SENDER = {
    "/api/v1/tokens": None,
    "/api/v1/issues": "inspector",
    "/api/v1/issues/{issue_id}/dispute": "handler",
    "/api/v1/issues/{issue_id}/progress": "handler",
    "/api/v1/issues/{issue_id}/extension": "handler",
    "/api/v1/issues/{issue_id}/submit": "handler",
    "/api/v1/issues/{issue_id}/verify": "reviewer",
}


def json_operations(client: FlaskClient) -> list[tuple[str, str, list[str]]]:
    """Every operation of the OpenAPI document with a JSON body, and the
    names of its body's fields."""
    doc = client.get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    found = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            found.append((method.upper(), path, sorted(schema["properties"])))
    return found


def test_every_json_body_is_covered(client: FlaskClient) -> None:
    operations = json_operations(client)
    assert len(operations) == 20, [f"{m} {p}" for m, p, _ in operations]


def test_a_lone_surrogate_in_any_field_of_any_json_body_is_422_naming_it(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    values = {"code": "C01", "username": "clerk", "issue_id": issue}
    tried = 0
    for method, path, names in json_operations(client):
        sender = SENDER.get(path, "admin")
        headers = token_for(sender) if sender else {}
        url = path
        for name, value in values.items():
            url = url.replace("{" + name + "}", value)
        url = url.replace("/campaigns/C01", "/campaigns/YC2023")
        for name in names:
            for value in (SURROGATE, [SURROGATE], [{"code": "A", "name": SURROGATE}]):
                answer = client.open(
                    url,
                    method=method,
                    data=json.dumps({name: value}),
                    content_type="application/json",
                    headers=headers,
                )
                body = error(answer, 422, name)
                assert any("surrogate" in m for m in body["errors"][name]), (method, url, name, body)
                tried += 1
    assert tried > 150
    before = services.app.history(city.admin, issue)
    assert [e.type for e in before] == ["Reported", "Assigned"]


def test_a_lone_surrogate_is_said_in_chinese_too(client: FlaskClient, city: City, token_for: Auth) -> None:
    zh = {**token_for("inspector"), "Accept-Language": "zh"}
    body = error(post_json(client, "/api/v1/issues", issue_body(title=SURROGATE), zh), 422, "title")
    assert body["errors"]["title"] == ["不能包含孤立的代理项（无效的Unicode字符）"]


def test_a_lone_surrogate_in_a_key_is_422(client: FlaskClient, city: City, token_for: Auth) -> None:
    answer = post_json(client, "/api/v1/issues", {**issue_body(), SURROGATE: 1}, token_for("inspector"))
    error(answer, 422)


def test_a_clerks_report_with_a_surrogate_unit_is_422(
    client: FlaskClient, city: City, token_for: Auth
) -> None:
    # The scope check reads the unit before the schema does (403 before 422).
    answer = post_json(client, "/api/v1/issues", issue_body(unit=SURROGATE), token_for("clerk"))
    error(answer, 422, "unit")


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "unit=%ED%A0%80", "q=%00", "campaign=%ff%fe"])
def test_undecodable_query_strings_are_never_500(
    client: FlaskClient, city: City, token_for: Auth, query: str
) -> None:
    answer = client.get(f"/api/v1/issues?{query}", headers=token_for("admin"))
    assert answer.status_code in (200, 422), answer.get_data(as_text=True)


# -- text is NFC, and only invisible characters are no text -------------------------------------

DECOMPOSED, COMPOSED = "Cafe\u0301 危房", "Caf\u00e9 危房"


@pytest.mark.parametrize("title", ["\u200b\u200d\ufeff ", "\u3000\u00a0", "\u202e\u2066", "\x01\t\u3164"])
def test_a_title_of_only_invisible_characters_is_empty(
    client: FlaskClient, city: City, token_for: Auth, title: str
) -> None:
    answer = post_json(client, "/api/v1/issues", issue_body(title=title), token_for("inspector"))
    body = error(answer, 422, "title")
    assert body["reason"] == "field_required"


def test_text_is_stored_and_answered_in_nfc(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    admin = token_for("admin")
    created = ok(
        post_json(
            client,
            "/api/v1/issues",
            issue_body(title=f"\u200b{DECOMPOSED} ", description=DECOMPOSED),
            token_for("inspector"),
        ),
        201,
    )
    assert (created["title"], created["description"]) == (COMPOSED, COMPOSED)
    ok(post_json(client, f"/api/v1/issues/{created['id']}/comment", {"text": DECOMPOSED}, admin))
    (comment,) = [e for e in services.app.history(city.admin, created["id"]) if e.type == "CommentAdded"]
    assert comment.data["text"] == COMPOSED
    unit = ok(
        post_json(
            client,
            "/api/v1/units",
            {"code": "C03", "name": DECOMPOSED, "kind": "county", "parent": "C"},
            admin,
        ),
        201,
    )
    assert unit["name"] == COMPOSED


# -- issue references and versions: ASCII digits only ---------------------------------------------

NOT_THE_CODE = ["YC2023-²", "YC2023-١", "YC2023-０００１", "YC2023-߁", "YC2023-+1", "YC2023-" + "9" * 5000]


def test_an_issue_is_named_only_by_its_ascii_code_or_id(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    issue = report(services, city)
    admin = token_for("admin")
    for code in ("YC2023-0001", "YC2023-1"):
        assert ok(client.get(f"/api/v1/issues/{code}", headers=admin))["id"] == issue
    assert ok(client.get(f"/api/v1/issues/{issue.upper()}", headers=admin))["id"] == issue
    arabic = issue.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for ref in [*NOT_THE_CODE, arabic, "{" + issue + "}", f"urn:uuid:{issue}"]:
        for path in (f"/api/v1/issues/{ref}", f"/api/v1/issues/{ref}/history"):
            error(client.get(path, headers=admin), 404)
        answer = post_json(client, f"/api/v1/issues/{ref}/comment", {"text": "看看"}, admin)
        assert error(answer, 404)["reason"] == "unknown_issue"
    assert [e.type for e in services.app.history(city.admin, issue)] == ["Reported"]


@pytest.mark.parametrize(
    "version", ['"١"', '"１"', '"²"', pytest.param('"' + "1" * 5000 + '"', id="5000 digits"), '"1_0"']
)
def test_if_match_reads_only_ascii_digits(
    client: FlaskClient, services: Services, city: City, token_for: Auth, version: str
) -> None:
    issue = report(services, city)  # version 1
    headers = {**token_for("admin"), "If-Match": version}
    body = error(post_json(client, f"/api/v1/issues/{issue}/comment", {"text": "看看"}, headers), 412)
    assert body["version"] == 1


@pytest.mark.parametrize(
    "query",
    ["page=١", "page=２", "per_page=1_0", "page=+1", pytest.param("page=" + "9" * 5000, id="5000 digits")],
)
def test_paging_reads_only_ascii_digits(client: FlaskClient, city: City, token_for: Auth, query: str) -> None:
    name = query.split("=")[0]
    error(client.get(f"/api/v1/issues?{query}", headers=token_for("admin")), 422, name)


# -- as_of: extreme offsets and dates are 422 naming it -----------------------------------------

EXTREME_AS_OF = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31", "0001-01-01"]


@pytest.mark.parametrize("as_of", EXTREME_AS_OF)
def test_an_as_of_out_of_range_is_422_naming_it(
    client: FlaskClient, services: Services, city: City, token_for: Auth, as_of: str
) -> None:
    issue = report(services, city)
    for path in (
        "/api/v1/issues",
        "/api/v1/stats",
        f"/api/v1/issues/{issue}",
        f"/api/v1/issues/{issue}/history",
    ):
        answer = client.get(path, query_string={"as_of": as_of}, headers=token_for("admin"))
        assert "9998-12-31" in error(answer, 422, "as_of")["errors"]["as_of"][0]
    zh = {**token_for("admin"), "Accept-Language": "zh"}
    said = error(client.get("/api/v1/issues", query_string={"as_of": as_of}, headers=zh), 422, "as_of")
    assert said["errors"]["as_of"][0].startswith("不是有效的时间点")


def test_as_of_within_range_still_answers(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    report(services, city)
    for as_of in ("9998-12-30T00:00:00+14:00", "0001-01-02T12:00:00-12:00", "1970-01-01"):
        listed = ok(client.get("/api/v1/issues", query_string={"as_of": as_of}, headers=token_for("admin")))
        assert listed["total"] == (1 if as_of.startswith("9998") else 0)
        ok(client.get("/api/v1/stats", query_string={"as_of": as_of}, headers=token_for("admin")))


# -- multipart fields: the same refusals as JSON ---------------------------------------------------


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("看\x00看", "must not contain NUL characters"),
        ("述" * 5001, "Longer than maximum length 5000."),
    ],
)
def test_a_multipart_note_is_refused_as_a_json_note_is(
    client: FlaskClient, services: Services, city: City, token_for: Auth, note: str, message: str
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    handler = token_for("handler")
    # The note of an extension decision is optional too, like the upload's.
    decision = f"/api/v1/issues/{issue}/extension/decision"
    in_json = error(
        post_json(client, decision, {"granted": True, "note": note}, token_for("admin")), 422, "note"
    )
    upload = client.post(
        f"/api/v1/issues/{issue}/evidence",
        data=multipart((PNG, "photo.png"), note=note),
        content_type="multipart/form-data",
        headers=handler,
    )
    in_form = error(upload, 422, "note")
    assert in_form["errors"] == in_json["errors"] == {"note": [message]}
    assert not services.app.get_issue(city.admin, issue).evidence


def test_a_multipart_note_is_nfc_and_stripped(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    upload = client.post(
        f"/api/v1/issues/{issue}/evidence",
        data=multipart((PNG, "photo.png"), note=f"\u200b {DECOMPOSED}\ufeff"),
        content_type="multipart/form-data",
        headers=token_for("handler"),
    )
    ok(upload, 201)
    (attached,) = [e for e in services.app.history(city.admin, issue) if e.type == "EvidenceAttached"]
    assert attached.data["note"] == COMPOSED


def test_an_uploaded_file_name_loses_its_bidi_controls(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    upload = client.post(
        f"/api/v1/issues/{issue}/evidence",
        data=multipart((PNG, "photo\u202egnp.exe"), (PDF, "\u2067report\u2069\u200f.pdf")),
        content_type="multipart/form-data",
        headers=token_for("handler"),
    )
    names = [e["name"] for e in ok(upload, 201)["evidence"]]
    assert names == ["photognp.exe", "report.pdf"]
    shown = ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")))
    assert [e["name"] for e in shown["evidence"]] == names
    evidence = f"/api/v1/issues/{issue}/evidence/{shown['evidence'][0]['id']}"
    with client.get(evidence, headers=token_for("admin")) as download:
        assert download.status_code == 200
        disposition = download.headers["Content-Disposition"]
    assert "\u202e" not in disposition and "%E2%80%AE" not in disposition.upper()


# -- booleans: JSON true and false only; in a query, true/false/1/0 ------------------------------

NOT_BOOLEANS = ["yes", "true", "false", "1", "", 1, 0, 1.0, [], {}]


def boolean_fields(client: FlaskClient) -> list[tuple[str, str, str]]:
    doc = client.get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    found = []
    for method, path, _ in json_operations(client):
        ref = doc["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
        schema = schemas[ref["$ref"].rsplit("/", 1)[1]] if "$ref" in ref else ref
        found += [(method, path, n) for n, p in schema["properties"].items() if p.get("type") == "boolean"]
    return found


def test_the_boolean_fields(client: FlaskClient) -> None:
    names = sorted({(path.rsplit("/", 1)[-1], name) for _, path, name in boolean_fields(client)})
    assert names == [
        ("decision", "granted"),
        ("issues", "key"),
        ("reclassify", "key"),
        ("verify", "passed"),
        ("{code}", "active"),
        ("{username}", "active"),
    ]


def test_a_boolean_field_takes_only_json_booleans(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    for method, path, name in boolean_fields(client):
        url = path.replace("{issue_id}", issue).replace("{code}", "C01").replace("{username}", "clerk")
        headers = token_for(SENDER.get(path, "admin") or "admin")
        for value in NOT_BOOLEANS:
            body = {**issue_body(), name: value} if path == "/api/v1/issues" else {name: value}
            answer = client.open(
                url, method=method, data=json.dumps(body), content_type="application/json", headers=headers
            )
            assert error(answer, 422, name)["errors"][name] == ["Not a valid boolean."], (url, value)
    assert [e.type for e in services.app.history(city.admin, issue)] == ["Reported", "Assigned"]
    for key in (True, False):
        created = ok(post_json(client, "/api/v1/issues", issue_body(key=key), token_for("inspector")), 201)
        assert created["key"] is key


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), ("1", True), ("false", False), ("FALSE", False), ("0", False)],
)
def test_a_boolean_query_takes_true_false_1_0(
    client: FlaskClient, services: Services, city: City, token_for: Auth, value: str, expected: bool
) -> None:
    report(services, city)
    listed = ok(client.get(f"/api/v1/issues?overdue={value}", headers=token_for("admin")))
    assert listed["total"] == (0 if expected else 1)


@pytest.mark.parametrize("value", ["yes", "no", "on", "off", "y", "t", "2", "", "truee"])
def test_a_boolean_query_refuses_other_words(
    client: FlaskClient, city: City, token_for: Auth, value: str
) -> None:
    error(client.get(f"/api/v1/issues?overdue={value}", headers=token_for("admin")), 422, "overdue")


# -- q=: the same rows on both databases ------------------------------------------------------------


def test_q_is_case_insensitive_and_unicode_aware_over_http(
    client: FlaskClient, services: Services, city: City, token_for: Auth
) -> None:
    upper = report(services, city, title="ABC Caf\u00e9 危房", description="现场核查")
    lower = report(services, city, title="abc cafe\u0301 院落", description="现场核查")
    for q, expected in [
        ("ABC", {upper, lower}),
        ("abc", {upper, lower}),
        ("CAFÉ", {upper, lower}),
        ("危房", {upper}),
    ]:
        listed = ok(client.get("/api/v1/issues", query_string={"q": q}, headers=token_for("admin")))
        assert {item["id"] for item in listed["items"]} == expected, q


def test_an_unknown_query_parameter_stays_ignored_whatever_it_holds(
    client: FlaskClient, city: City, token_for: Auth
) -> None:
    ok(client.get("/api/v1/issues?utm_source=%00&q=", headers=token_for("admin")))
