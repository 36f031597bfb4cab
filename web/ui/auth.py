"""Signing in and out, the start page, the language switch."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from services.accounts import NotAuthenticated
from web.context import services
from web.sign_in_limit import check_sign_in
from web.ui import sessions
from web.ui.i18n import COOKIE, NAMES
from web.ui.pages import start_page

blueprint = Blueprint("auth", __name__)

#: How long the language choice is remembered (a year).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def safe_next(target: str | None) -> str | None:
    """A path on this site to go back to (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@blueprint.get("/")
def index() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(start_page(current_user.actor.role))
    return redirect(url_for("ui.auth.login"))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    next_page = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_page or start_page(current_user.actor.role))
        notice = _("Your session has ended. Please sign in again.") if request.args.get("expired") else ""
        return render_template("login.html", next=next_page, notice=notice, error="", username="")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        check_sign_in(username)
    except TooManyRequests as e:
        error = _("Too many sign-in attempts. Try again in a few minutes.")
        response = make_response(
            render_template("login.html", next=next_page, notice="", error=error, username=username), 429
        )
        retry_after = getattr(e, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response
    try:
        actor = services().app.authenticate(username, password)
    except NotAuthenticated:
        error = _("Wrong username or password.")
        return render_template("login.html", next=next_page, notice="", error=error, username=username)
    name = services().app.get_user(actor, actor.username).name
    sessions.sign_in(actor, name)
    return redirect(next_page or start_page(actor.role))


@blueprint.route("/logout", methods=["GET", "POST"])
def logout() -> ResponseReturnValue:
    sessions.sign_out()
    return redirect(url_for("ui.auth.login"))


@blueprint.post("/language")
def language() -> ResponseReturnValue:
    """Remembers the language chosen (a cookie, for a year) and goes back."""
    chosen = request.form.get("lang", "")
    response = redirect(safe_next(request.form.get("next")) or url_for("ui.auth.index"))
    if chosen in NAMES:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=LANGUAGE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(request.is_secure),
        )
    return response


@blueprint.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    return redirect(url_for("ui.static", filename="favicon.svg"), code=301)
