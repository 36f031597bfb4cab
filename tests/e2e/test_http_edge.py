"""The HTTP edge (docs/reliability.md, "HTTP edge"): what a request must be
before the API reads it, and what every answer carries. On the Flask test
client; ``tests/e2e/test_gunicorn.py`` checks the same under a real gunicorn."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from services.bootstrap import Services
from tests.e2e.samples import error
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
def test_json_nested_too_deep_is_400_before_anything_else(
    client: FlaskClient, token_for: Auth, city: City, issue: str, body: str
) -> None:
    for path, headers in [
        ("/api/v1/tokens", {}),
        ("/api/v1/issues", {}),
        ("/api/v1/issues", token_for("admin")),
        ("/api/v1/units", token_for("admin")),
        (f"/api/v1/issues/{issue}/comment", token_for("admin")),
        ("/api/v1/issues/YC2023-0404/comment", token_for("admin")),
    ]:
        answer = client.post(path, data=body, content_type="application/json", headers=headers)
        assert error(answer, 400)["reason"] == "json_too_deep", (path, headers)
    answer = client.patch("/api/v1/users/clerk", data=body, content_type="application/json")
    assert error(answer, 400)["reason"] == "json_too_deep"


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
