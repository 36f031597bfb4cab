"""Who is signed in to the UI: flask-login over the same accounts as the API.

A signed-in browser holds Flask's signed session cookie (HttpOnly,
SameSite=Lax, Secure with ``RECTIFY_SECURE_COOKIES=1``) naming the user;
every request reads the user from the event store again
(``Rectify.actor_for``), so a deactivated account, or one whose role or unit
changed, is taken as it is now: a deactivated user is signed out at its next
request. A session unused for ``RECTIFY_SESSION_IDLE_HOURS`` (8) ends: the
cookie's own signed timestamp is refused past that age
(``PERMANENT_SESSION_LIFETIME``), and the session's last-seen time is checked
on every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, flash, g, make_response, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import AnonymousUserMixin, LoginManager, current_user, login_user, logout_user

from domain.actor import Actor
from services.accounts import NotAuthenticated
from services.settings import Settings
from web.context import services
from web.ui.i18n import marked

#: Session keys of this module (flask-login keeps ``_user_id`` and ``_fresh``).
SEEN = "seen"
NAME = "name"


@dataclass(frozen=True)
class SignedIn:
    """The user of a UI request (flask-login's user object)."""

    actor: Actor
    name: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.actor.username

    @property
    def display_name(self) -> str:
        return self.name or self.actor.username


class Anonymous(AnonymousUserMixin):
    actor = None


def install(app: Flask, settings: Settings) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_idle_hours),
        # Renewed by every page (it writes the last-seen time), not by assets.
        SESSION_REFRESH_EACH_REQUEST=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
    )
    app.extensions["rectify_ui_idle"] = timedelta(hours=settings.session_idle_hours)
    manager = LoginManager()
    manager.login_view = "ui.auth.login"
    manager.unauthorized_handler(_unauthorized)
    manager.anonymous_user = Anonymous
    manager.session_protection = None  # the session is the signed cookie; the idle timeout limits it
    manager.user_loader(_load_user)
    manager.init_app(app)


def _unauthorized() -> ResponseReturnValue:
    """A page that needs a signed-in user leads to the sign-in page and back;
    an htmx request (a part of a page) asks the browser to go there whole."""
    back = request.full_path if request.query_string else request.path
    target = url_for("ui.auth.login", next=back)
    if request.headers.get("HX-Request"):
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    flash(gettext(marked("Please sign in to see this page.")), "info")
    return redirect(target)


def _load_user(username: str) -> SignedIn | None:
    try:
        actor = services().app.actor_for(username)
    except NotAuthenticated:
        return None  # deactivated or removed: signed out (keep_session clears the cookie)
    return SignedIn(actor, str(session.get(NAME, "")))


def idle_limit() -> timedelta:
    limit: timedelta = current_app.extensions["rectify_ui_idle"]
    return limit


def keep_session() -> bool:
    """Before every UI request: False when a session ended now (idle too
    long, or its user can no longer sign in), after clearing it. Sets
    ``g.actor`` for a signed-in user, as the API's authentication does."""
    if current_user.is_authenticated:
        now = time.time()
        seen = float(session.get(SEEN, now))
        if now - seen > idle_limit().total_seconds():
            sign_out()
            return False
        session[SEEN] = now
        g.actor = current_user.actor
        return True
    if "_user_id" in session:
        sign_out()
        return False
    return True


def sign_in(actor: Actor, name: str) -> None:
    """A new session for ``actor`` (the old one, and its CSRF token, are dropped)."""
    session.clear()
    session.permanent = True
    session[NAME] = name
    session[SEEN] = time.time()
    login_user(SignedIn(actor, name))


def sign_out() -> None:
    logout_user()
    session.clear()


def current_actor() -> Actor:
    actor: Actor = current_user.actor
    return actor
