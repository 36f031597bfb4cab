"""API requests open no cookie session; other paths (the coming web pages) do."""

from __future__ import annotations

from flask import Flask
from flask.sessions import NullSession, SecureCookieSession

from web.sessions import ApiSessions


def test_api_requests_get_a_null_session_and_pages_a_cookie_session() -> None:
    app = Flask(__name__)
    app.secret_key = "test"
    interface = ApiSessions()
    with app.test_request_context("/api/v1/issues"):
        from flask import request

        assert isinstance(interface.open_session(app, request), NullSession)
    with app.test_request_context("/issues"):
        from flask import request

        opened = interface.open_session(app, request)
        assert isinstance(opened, SecureCookieSession) and not isinstance(opened, NullSession)
