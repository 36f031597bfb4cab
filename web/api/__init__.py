"""HTTP API v1 (CONTRACT.md): flask-smorest resources with marshmallow schemas."""

from __future__ import annotations

from flask import Flask

from web.api.base import BodyAnswers, RectifyApi
from web.api.issues import issues
from web.api.org import campaigns, units, users
from web.api.stats import stats
from web.api.tokens import tokens


def register_api(app: Flask) -> RectifyApi:
    api = RectifyApi(app, spec_kwargs={"servers": [{"url": "/"}], "extra_plugins": [BodyAnswers()]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blp in (tokens, units, users, campaigns, issues, stats):
        api.register_blueprint(blp)
    return api
