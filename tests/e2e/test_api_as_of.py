"""One scope for every ``as_of`` read (CONTRACT.md): the answer as of an
instant is the one the caller would have been given then, with the issue's
location and assignments at that instant and the caller's role and unit now.
A date alone is the end of that day in RECTIFY_TIMEZONE; nothing answers
silently empty.

The small city (tests/support.py): the problem is located in C01T1V1, first
led by department D01 (handler ``handler``), then reassigned to county C02
(handler ``other-handler``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.bootstrap import Services
from tests.e2e.conftest import ok
from tests.e2e.samples import error
from tests.support import City, in_days, report, small_city

Auth = Callable[[str], dict[str, str]]

OLD, NEW = "handler", "other-handler"  # D01's handler, C02's handler


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def reassigned(services: Services, city: City, client: FlaskClient, token_for: Auth) -> tuple[str, str]:
    """A problem assigned to D01, then reassigned to C02; returns its id and
    the instant of its assignment (before the reassignment)."""
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", deadline=in_days(10), measures="限期整改")
    body = {"lead": "C02", "co": [], "reason": "职责调整", "deadline": in_days(20).isoformat()}
    ok(client.post(f"/api/v1/issues/{issue}/reassign", headers=token_for("admin"), json=body))
    history = ok(client.get(f"/api/v1/issues/{issue}/history", headers=token_for("admin")))
    assert [h["type"] for h in history] == ["Reported", "Assigned", "Reassigned"]
    return issue, history[1]["at"]


def get(client: FlaskClient, url: str, auth: dict[str, str], as_of: str | None = None) -> Any:
    return client.get(url, headers=auth, query_string={"as_of": as_of} if as_of else {})


def test_one_issue_as_of_follows_the_assignments_then(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue, before = reassigned(services, city, client, token_for)
    url = f"/api/v1/issues/{issue}"
    then = ok(get(client, url, token_for(OLD), before))
    assert [a["unit"] for a in then["assignments"]] == ["D01"] and then["version"] == 2
    error(get(client, url, token_for(NEW), before), 404)
    # Now it is the other way round.
    error(get(client, url, token_for(OLD)), 404)
    assert [a["unit"] for a in ok(get(client, url, token_for(NEW)))["assignments"]] == ["C02"]


def test_the_list_as_of_follows_the_assignments_then(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue, before = reassigned(services, city, client, token_for)
    listed = ok(get(client, "/api/v1/issues", token_for(OLD), before))
    assert listed["total"] == 1 and [i["id"] for i in listed["items"]] == [issue]
    assert [a["unit"] for a in listed["items"][0]["assignments"]] == ["D01"]
    assert ok(get(client, "/api/v1/issues", token_for(NEW), before))["total"] == 0
    assert ok(get(client, "/api/v1/issues", token_for(OLD)))["total"] == 0
    assert ok(get(client, "/api/v1/issues", token_for(NEW)))["total"] == 1


def _totals(body: dict[str, Any]) -> dict[str, int]:
    return {r["key"]: r["total"] for r in body["rows"] if r["total"]}


def test_stats_as_of_follow_the_assignments_then(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    _, before = reassigned(services, city, client, token_for)
    assert _totals(ok(get(client, "/api/v1/stats", token_for(OLD), before))) == {"C01": 1, "D01": 1}
    assert _totals(ok(get(client, "/api/v1/stats", token_for(NEW), before))) == {}
    assert _totals(ok(get(client, "/api/v1/stats", token_for(OLD)))) == {}
    assert _totals(ok(get(client, "/api/v1/stats", token_for(NEW)))) == {"C01": 1, "C02": 1}


def test_history_as_of_stops_at_that_instant_in_the_scope_then(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue, before = reassigned(services, city, client, token_for)
    url = f"/api/v1/issues/{issue}/history"
    # Events recorded at exactly that instant are included.
    assert [h["type"] for h in ok(get(client, url, token_for(OLD), before))] == ["Reported", "Assigned"]
    assert [h["type"] for h in ok(get(client, url, token_for("admin"), before))] == ["Reported", "Assigned"]
    error(get(client, url, token_for(NEW), before), 404)
    error(get(client, url, token_for(OLD)), 404)
    assert len(ok(get(client, url, token_for(NEW)))) == 3
    # Before the first event the issue did not exist: 404, never an empty list.
    first = ok(get(client, url, token_for("admin")))[0]["at"]
    earlier = (datetime.fromisoformat(first) - timedelta(microseconds=1)).isoformat()
    error(get(client, url, token_for("admin"), earlier), 404)
    error(get(client, url, token_for("admin"), "garbage"), 422, "as_of")


def test_a_date_alone_is_the_end_of_that_day_in_the_time_zone(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue, before = reassigned(services, city, client, token_for)
    admin = token_for("admin")
    day = datetime.fromisoformat(before).astimezone(services.settings.tz).date()
    today, yesterday = day.isoformat(), (day - timedelta(days=1)).isoformat()
    assert ok(get(client, f"/api/v1/issues/{issue}", admin, today))["version"] == 3
    assert len(ok(get(client, f"/api/v1/issues/{issue}/history", admin, today))) == 3
    assert ok(get(client, "/api/v1/issues", admin, today))["total"] == 1
    stats = ok(get(client, "/api/v1/stats", admin, today))
    assert _totals(stats) == {"C01": 1, "C02": 1}
    assert datetime.fromisoformat(stats["as_of"]).astimezone(services.settings.tz).date() == day
    # The day before, the problem did not exist yet.
    error(get(client, f"/api/v1/issues/{issue}", admin, yesterday), 404)
    error(get(client, f"/api/v1/issues/{issue}/history", admin, yesterday), 404)
    assert ok(get(client, "/api/v1/issues", admin, yesterday))["total"] == 0
    for bad in ("2026-13-01", "2026-12-32", "20261201x"):
        error(get(client, "/api/v1/issues", admin, bad), 422, "as_of")
