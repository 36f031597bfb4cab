"""When the database cannot take a command or a read: 503 with ``Retry-After``
in the one error shape, never a 500 (docs/reliability.md, "Races, crashes and
outages"). The real outage (a PostgreSQL stopped under a running server) is
``tests/e2e/test_outage.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError as SAOperationalError

from services.bootstrap import Services
from tests.support import report, small_city

Headers = Callable[[str], dict[str, str]]


def test_a_command_that_keeps_losing_races_is_503_with_retry_after(
    services: Services, client: FlaskClient, token_for: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = small_city(services)
    issue = report(services, city)
    headers = {**token_for("leader"), "Accept-Language": "zh"}

    def beaten(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services.app.recorder, "insert_events", beaten)
    r = client.post(
        f"/api/v1/issues/{issue}/comment",
        headers=headers,
        json={"text": "批示"},
    )
    assert r.status_code == 503, r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) >= 1
    body = r.get_json()
    assert body["code"] == 503 and body["reason"] == "store_busy" and "数据库繁忙" in body["message"]
    monkeypatch.undo()
    assert len(services.app.history(city.admin, issue)) == 1  # nothing was written


def test_a_database_that_drops_the_connection_is_503_for_commands_and_reads(
    services: Services, client: FlaskClient, token_for: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = small_city(services)
    issue = report(services, city)
    headers = token_for("leader")

    def gone(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services.app.recorder, "insert_events", gone)
    r = client.post(f"/api/v1/issues/{issue}/comment", headers=headers, json={"text": "批示"})
    assert r.status_code == 503 and r.get_json()["reason"] == "database_unavailable"
    assert int(r.headers["Retry-After"]) >= 1
    monkeypatch.undo()

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise SAOperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(services.queries, "before_read", unreachable)
    r = client.get("/api/v1/issues", headers=headers)
    assert r.status_code == 503 and r.get_json()["reason"] == "database_unavailable"
    assert "Retry-After" in r.headers
