"""HTTP fixtures: the real app on the ``services`` fixture (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.actor import system_actor
from services.bootstrap import Services
from web.app import create_app


@pytest.fixture
def app(services: Services) -> Flask:
    flask_app = create_app(services=services)
    flask_app.config["TESTING"] = True
    flask_app.extensions["sign_in_limit"].enabled = False  # the rate-limit test turns it back on
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token_for(services: Services) -> Callable[[str], dict[str, str]]:
    """Authorization headers for a user (tokens are cached per username)."""
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            issued = services.app.issue_token(system_actor(), username)
            cache[username] = {"Authorization": f"Bearer {issued.token}"}
        return cache[username]

    return headers


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()
