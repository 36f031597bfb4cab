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
from tests.e2e.samples import error, issue_body
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
