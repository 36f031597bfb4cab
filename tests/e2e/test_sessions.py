"""The app as ``create_app`` builds it: API requests open no cookie session,
other paths (the coming web pages) a signed-cookie one."""

from __future__ import annotations

from flask import Flask, session
from flask.sessions import NullSession
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue

from services.bootstrap import Services
from web.app import create_app


def _probe() -> ResponseReturnValue:
    """Writes to the session when there is one; says which kind it got."""
    if isinstance(session, NullSession):
        return {"session": "null"}
    session["seen"] = True
    return {"session": type(session._get_current_object()).__name__}  # type: ignore[attr-defined]


def _built_app(services: Services) -> Flask:
    app = create_app(services=services)
    app.config["TESTING"] = True
    # Probes on the built app, before its first request, on both kinds of path.
    app.add_url_rule("/api/v1/session-probe", "api_probe", _probe)
    app.add_url_rule("/session-probe", "page_probe", _probe)
    return app


def test_api_requests_get_no_session_cookie(sqlite_services: Services) -> None:
    client: FlaskClient = _built_app(sqlite_services).test_client()
    response = client.get("/api/v1/session-probe")
    assert response.get_json() == {"session": "null"}
    assert "Set-Cookie" not in response.headers


def test_pages_get_a_signed_cookie_session(sqlite_services: Services) -> None:
    client: FlaskClient = _built_app(sqlite_services).test_client()
    response = client.get("/session-probe")
    assert response.get_json() == {"session": "SecureCookieSession"}
    assert "session=" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
