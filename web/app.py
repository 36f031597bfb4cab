"""``create_app(settings)``: the Flask application, built from settings alone."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, send_from_directory
from flask.typing import ResponseReturnValue
from swagger_ui_bundle import swagger_ui_path

from services.bootstrap import Services, build
from services.settings import Settings
from web import edge, errors, health, sign_in_limit, ui
from web.api import register_api
from web.sessions import ApiSessions


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> Flask:
    """Builds the app. Pass ``services`` to share an already built set (tests).

    Creates, drops and rebuilds no table: that is ``rectify init``'s job. Until
    it has run (or while a projection's schema is behind the code's),
    ``/readyz`` answers 503 saying which projection and what to run."""
    settings = settings or (services.settings if services else Settings.from_env())
    services = services or build(settings)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.ensure_secret_key(),
        JSON_SORT_KEYS=False,
        API_TITLE="rectify API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/static/",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["rectify"] = services

    app.session_interface = ApiSessions()
    sign_in_limit.install(app, settings.redis_url or services.sign_in_counts)
    errors.register(app)
    edge.install(
        app, max_json_bytes=settings.max_json_bytes, max_upload_bytes=lambda: services.app.max_upload_bytes
    )
    register_api(app)
    app.register_blueprint(health.blueprint)
    ui.install(app, settings)

    static_root = Path(str(swagger_ui_path))

    @app.get("/api/docs/static/<path:name>")
    def swagger_static(name: str) -> ResponseReturnValue:
        return send_from_directory(static_root, name)

    return app
