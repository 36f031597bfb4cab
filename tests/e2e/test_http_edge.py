"""The HTTP edge (docs/reliability.md, "HTTP edge"): what a request must be
before the API reads it, and what every answer carries. On the Flask test
client; ``tests/e2e/test_gunicorn.py`` checks the same under a real gunicorn."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from services.bootstrap import Services
from tests.e2e.samples import error, if_match, issue_body
from tests.support import City, in_days, report, small_city

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def services(sqlite_services: Services) -> Services:
    """The edge does not depend on the database: SQLite alone."""
    return sqlite_services


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


@pytest.fixture
def issue(services: Services, city: City) -> str:
    found = report(services, city)
    services.app.assign(city.admin, found, lead="D01", co=["C01"], deadline=in_days(10))
    return found


def nested(depth: int, inner: str = "1") -> str:
    """A JSON object whose ``text`` holds ``depth - 1`` nested lists."""
    return '{"text": ' + "[" * (depth - 1) + inner + "]" * (depth - 1) + "}"


# -- 1. nesting ------------------------------------------------------------------------------------
DEEP_BODIES = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    "[" * 100_000,  # never closed
    "[{" * 40 + "}]" * 40,
    nested(33),
]


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["lists", "objects", "unclosed", "mixed", "33"])
def test_json_nested_too_deep_is_400_where_input_errors_come(
    client: FlaskClient, token_for: Auth, city: City, issue: str, body: str
) -> None:
    admin = token_for("admin")
    for path, headers in [
        ("/api/v1/tokens", {}),
        ("/api/v1/issues", admin),
        ("/api/v1/units", admin),
        (f"/api/v1/issues/{issue}/comment", admin),
        (f"/api/v1/issues/{issue}/verify", token_for("city-reviewer")),
        (f"/api/v1/issues/{issue}/reject", admin),
    ]:
        answer = client.post(path, data=body, content_type="application/json", headers=headers)
        assert error(answer, 400)["reason"] == "json_too_deep", (path, headers)
    answer = client.patch("/api/v1/users/clerk", data=body, content_type="application/json", headers=admin)
    assert error(answer, 400)["reason"] == "json_too_deep"
    # In the contract's order: 401, 404, 403, 412 come first.
    post = functools.partial(client.post, data=body, content_type="application/json")
    error(post("/api/v1/issues"), 401)
    error(post("/api/v1/issues/YC2023-0404/comment", headers=admin), 404)
    error(post(f"/api/v1/issues/{issue}/progress", headers=token_for("leader")), 403)
    error(post(f"/api/v1/issues/{issue}/comment", headers=if_match(admin, 1)), 412)
    error(post("/api/v1/issues", headers=token_for("handler")), 403)


def test_json_nested_32_deep_is_read(client: FlaskClient, token_for: Auth, issue: str) -> None:
    url = f"/api/v1/issues/{issue}/comment"
    # 32 levels reach the schema (which wants a string): 422 on the field.
    answer = client.post(url, data=nested(32), content_type="application/json", headers=token_for("admin"))
    error(answer, 422, "text")
    # Brackets inside strings are text, however many.
    text = '{"text": "' + "[{" * 2000 + '\\"]}' + '"}'
    answer = client.post(url, data=text, content_type="application/json", headers=token_for("admin"))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    # A malformed body that is not deep stays the invalid JSON it is (422).
    answer = client.post(url, data='{"text": [}', content_type="application/json", headers=token_for("admin"))
    assert error(answer, 422)["reason"] == "invalid_json"


# -- 3. loose input: unknown fields, other content types ---------------------------------------------
def test_an_unknown_json_field_is_422_naming_it(
    client: FlaskClient, token_for: Auth, city: City, issue: str
) -> None:
    admin = token_for("admin")
    bodies = [
        ("/api/v1/tokens", {}, {"username": "admin", "password": "x" * 10, "remember": True}, "remember"),
        ("/api/v1/issues", admin, {**issue_body(), "colour": "red"}, "colour"),
        ("/api/v1/units", admin, {"code": "X1", "name": "x", "kind": "village", "parent": "C", "n": 1}, "n"),
        (f"/api/v1/issues/{issue}/comment", admin, {"text": "好", "txet": "好"}, "txet"),
        (f"/api/v1/issues/{issue}/verify", token_for("reviewer"), {"passed": True, "by": "me"}, "by"),
    ]
    for path, headers, body, field in bodies:
        answer = client.post(path, json=body, headers=headers)
        assert error(answer, 422, field)["errors"][field] == ["Unknown field."], path
    # Inside nested objects too, where the field is.
    campaign = {
        "code": "YC2024",
        "name": "新行动",
        "deadline": "2024-12-31",
        "aspects": [{"code": "A", "name": "方面", "categories": [{"code": "C", "name": "类", "x": 1}]}],
    }
    answer = error(client.post("/api/v1/campaigns", json=campaign, headers=admin), 422)
    assert answer["errors"]["aspects"] == {"0": {"categories": {"0": {"x": ["Unknown field."]}}}}
    # Chinese for a Chinese caller.
    zh = {**admin, "Accept-Language": "zh"}
    answer = client.post(f"/api/v1/issues/{issue}/comment", json={"text": "好", "a": 1}, headers=zh)
    assert error(answer, 422, "a")["errors"]["a"] == ["未知字段"]
    # Unknown query parameters are still ignored (links carry such).
    assert client.get("/api/v1/issues?utm_source=mail", headers=admin).status_code == 200


NOT_JSON = [
    ("text/plain", b'{"text": "hello"}'),
    ("application/x-www-form-urlencoded", b"text=hello"),
    (
        "multipart/form-data; boundary=x",
        b"--x\r\nContent-Disposition: form-data; name=text\r\n\r\nhi\r\n--x--\r\n",
    ),
    ("text/xml", b"<text>hello</text>"),
    (None, b'{"text": "hello"}'),
]


@pytest.mark.parametrize("content_type,body", NOT_JSON, ids=[str(c).split(";")[0] for c, _ in NOT_JSON])
def test_a_body_that_is_not_json_is_415(
    client: FlaskClient, token_for: Auth, city: City, issue: str, content_type: str | None, body: bytes
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    for path, auth in [
        ("/api/v1/tokens", {}),
        ("/api/v1/issues", token_for("admin")),
        (f"/api/v1/issues/{issue}/comment", token_for("admin")),
        (f"/api/v1/issues/{issue}/verify", token_for("city-reviewer")),
        ("/api/v1/units", token_for("admin")),
    ]:
        answer = client.post(path, data=body, headers={**headers, **auth})
        assert error(answer, 415)["reason"] == "unsupported_media_type", path
    answer = client.patch("/api/v1/users/clerk", data=body, headers={**headers, **token_for("admin")})
    error(answer, 415)
    # After 401, 404 and 403, like any input error.
    error(client.post("/api/v1/issues", data=body, headers=headers), 401)
    error(
        client.post(
            "/api/v1/issues/YC2023-0404/comment", data=body, headers={**headers, **token_for("admin")}
        ),
        404,
    )
    error(
        client.post(
            f"/api/v1/issues/{issue}/progress", data=body, headers={**headers, **token_for("leader")}
        ),
        403,
    )


def test_json_media_types_and_empty_bodies_pass(client: FlaskClient, token_for: Auth, issue: str) -> None:
    url = f"/api/v1/issues/{issue}/comment"
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        answer = client.post(
            url, data=b'{"text": "ok"}', content_type=content_type, headers=token_for("admin")
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
    # No body at all is no content type to refuse: the fields are missing (422).
    error(client.post(url, content_type="text/plain", headers=token_for("admin")), 422, "text")


def test_the_upload_takes_multipart_only(client: FlaskClient, token_for: Auth, issue: str) -> None:
    url = f"/api/v1/issues/{issue}/evidence"
    handler = token_for("handler")
    error(client.post(url, json={"note": "not multipart"}, headers=handler), 415)
    # After the checks that come before reading the body.
    error(client.post(url, json={"note": "not multipart"}, headers=token_for("leader")), 403)
    error(client.post(url, json={"note": "not multipart"}, headers=if_match(handler, 1)), 412)
    error(client.post(url, data=b"x", content_type="image/png", headers=handler), 415)
    # An empty body is no file (422), as before.
    error(client.post(url, headers=handler), 422, "file")
