"""The web UI: server-rendered pages for every user group, under one parent
blueprint (``ui``), one child blueprint per feature.

:func:`install` is called by ``create_app`` (the only composition). Pages
call ``services/`` exactly as the API does; they never decide a rule of
their own (which buttons show comes from ``allowed_actions``, who sees what
from the queries' scope).

* :mod:`web.ui.sessions` — signing in and out (flask-login), idle timeout,
  deactivated users signed out;
* :mod:`web.ui.security` — CSRF on every form (flask-wtf), the security headers;
* :mod:`web.ui.i18n` — Chinese by default, English, dates in ``RECTIFY_TIMEZONE`` (Flask-Babel);
* :mod:`web.ui.pages` — the parent blueprint, its error pages and the shared helpers;
* the features: :mod:`web.ui.auth`, :mod:`web.ui.issues`, :mod:`web.ui.work`, :mod:`web.ui.report`.
"""

from __future__ import annotations

from flask import Flask

from services.settings import Settings


def install(app: Flask, settings: Settings) -> None:
    from web.ui import i18n, pages, security, sessions

    security.install(app, settings)
    sessions.install(app, settings)
    i18n.install(app, settings)
    app.register_blueprint(pages.blueprint())
