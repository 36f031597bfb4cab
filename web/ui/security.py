"""CSRF on every form of the UI, and the security headers of every page.

The JSON API authenticates with bearer tokens, never cookies, so it needs no
CSRF token: the check runs in the UI's parent blueprint only
(``WTF_CSRF_CHECK_DEFAULT`` off, :func:`protect` before every UI request).
A POST without a valid token is refused with 400 before any view runs.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect

from services.settings import Settings

#: No inline script or style, no eval; only this origin; never framed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

#: An evidence file shown inline: nothing runs in it, only this site may frame it.
EVIDENCE_POLICY = "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), microphone=(), camera=(self)",
}

csrf = CSRFProtect()


def install(app: Flask, settings: Settings) -> None:
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # only UI requests are checked (protect, below)
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session (the idle timeout ends it)
        WTF_CSRF_SSL_STRICT=True,
    )
    csrf.init_app(app)


def protect() -> None:
    """Before every UI request: a POST (PUT, PATCH, DELETE) needs the
    session's CSRF token in the form (``csrf_token``) or an ``X-CSRFToken``
    header (htmx sends it); 400 otherwise."""
    csrf.protect()


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
