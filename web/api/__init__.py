"""HTTP API v1 (CONTRACT.md): flask-smorest resources with marshmallow schemas."""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter

from web.api.base import RectifyApi
from web.api.issues import issues
from web.api.org import campaigns, units, users
from web.api.stats import stats
from web.api.tokens import tokens

#: Guessing passwords: per client address.
SIGN_IN_LIMIT = "10 per minute;100 per hour"


def register_api(app: Flask, limiter: Limiter) -> RectifyApi:
    api = RectifyApi(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    limiter.limit(SIGN_IN_LIMIT, methods=["POST"])(tokens)

    @limiter.request_filter
    def _not_signing_in() -> bool:
        """Only sign-in is limited: every other request skips the limiter."""
        return bool(request.blueprint != tokens.name)

    for blp in (tokens, units, users, campaigns, issues, stats):
        api.register_blueprint(blp)
    return api
