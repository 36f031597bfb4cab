"""The web UI through Flask's test client: a small city whose users have
passwords, a signed-in client, the CSRF token of a page."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.actor import system_actor
from services.bootstrap import Services
from tests.support import City, small_city
from web.app import create_app

PASSWORD = "a long test password"


@pytest.fixture
def city(sqlite_services: Services) -> City:
    return small_city(sqlite_services)


@pytest.fixture
def ui(sqlite_services: Services, city: City) -> Flask:
    app = create_app(services=sqlite_services)
    app.config["TESTING"] = True
    app.extensions["sign_in_limit"].enabled = False
    return app


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> tuple[int, str]:
    """Signs in through the form; the small city's user gets :data:`PASSWORD`
    the first time (hashing is slow: only for the users a test signs in)."""
    app: Flask = client.application
    given: set[str] = app.extensions.setdefault("test_passwords", set())
    if password == PASSWORD and username not in given:
        app.extensions["rectify"].app.change_password(system_actor(), username, password=PASSWORD)
        given.add(username)
    token = csrf_of(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return r.status_code, r.headers.get("Location", "")


def main_of(response: object) -> str:
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    found = re.search(r"<main.*</main>", html, re.S)
    assert found
    return found.group(0)


def page_token(client: FlaskClient, path: str) -> str:
    return csrf_of(client.get(path).get_data(as_text=True))
