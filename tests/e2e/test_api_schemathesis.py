"""schemathesis against /api/openapi.json: no server errors, answers match the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from domain.actor import system_actor
from services.bootstrap import build
from services.settings import Settings
from tests.support import city_clock, in_days, report, small_city
from web.app import create_app

STATE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    services = build(Settings(data_dir=Path(tmp_path_factory.mktemp("schemathesis"))), clock=city_clock())
    services.init()
    city = small_city(services)
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    report(services, city, title="第二个问题")
    app = create_app(services=services)
    app.extensions["sign_in_limit"].enabled = False
    token = services.app.issue_token(system_actor(), "admin").token
    STATE["headers"] = {"Authorization": f"Bearer {token}"}
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    services.close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_within_its_schema(case: Any) -> None:
    case.call_and_validate(
        headers=STATE["headers"],
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
