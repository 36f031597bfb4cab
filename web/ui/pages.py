"""The UI's parent blueprint: what every page shares.

Every UI request passes, in order: the CSRF check of a form POST
(:func:`web.ui.security.protect`, 400), the session's upkeep
(:func:`web.ui.sessions.keep_session`: idle timeout, deactivated users);
every answer gets the security headers. Errors inside UI views are pages in
the user's language (a problem the user may not see is the same 404 page as
one that does not exist), never the API's JSON.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from domain.access import ADMIN_ACTIONS, MANAGE_USERS, REPORT, ROLE_ACTIONS
from domain.actor import Role
from domain.errors import DomainError
from domain.lifecycle import Action
from web.errors import STATUS
from web.ui import security, sessions
from web.ui.i18n import message

log = logging.getLogger(__name__)

#: The first page of each role after signing in (``/`` leads there).
START_PAGES: dict[Role, str] = {
    Role.HANDLER: "ui.work.inbox",
    Role.REVIEWER: "ui.work.review",
    Role.LEADER: "ui.dashboard.index",
    Role.ADMIN: "ui.issues.index",
    Role.INSPECTOR: "ui.report.form",
    Role.CLERK: "ui.report.form",
}


def start_page(role: Role) -> str:
    endpoint = START_PAGES.get(role, "ui.issues.index")
    return url_for(endpoint if endpoint in current_app.view_functions else "ui.issues.index")


def _before() -> ResponseReturnValue | None:
    if request.endpoint == "ui.static":
        return None  # assets neither read nor renew the session
    security.protect()
    if not sessions.keep_session() and request.endpoint != "ui.auth.login":
        return redirect(url_for("ui.auth.login", expired=1))
    return None


def _navigation() -> dict[str, Any]:
    """The links of the page header, by what the user's role may do."""
    if not current_user.is_authenticated:
        return {"nav": []}
    role = current_user.actor.role
    links = [("ui.issues.index", _("Problems"))]
    if role is Role.HANDLER:
        links.insert(0, ("ui.work.inbox", _("Inbox")))
    if role is Role.REVIEWER:
        links.insert(0, ("ui.work.review", _("Verification queue")))
    if role in (Role.LEADER, Role.ADMIN):
        links.insert(0, ("ui.dashboard.index", _("Dashboard")))
    if REPORT in ROLE_ACTIONS.get(role, frozenset()):
        links.append(("ui.report.form", _("Report a problem")))
    if Action.DECIDE_EXTENSION in ROLE_ACTIONS.get(role, frozenset()):
        links.append(("ui.work.extensions", _("Extension requests")))
    if role in ADMIN_ACTIONS[MANAGE_USERS]:
        links.append(("ui.admin.users", _("Administration")))
    return {"nav": [(e, text) for e, text in links if e in current_app.view_functions]}


def error_page(status: int, text: str) -> ResponseReturnValue:
    titles = {
        400: _("The request was refused"),
        401: _("Please sign in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Not allowed"),
        409: _("Not possible now"),
        412: _("The problem has changed meanwhile"),
        413: _("Too large"),
        422: _("Invalid input"),
        429: _("Too many attempts"),
    }
    title = titles.get(status, _("Something went wrong"))
    return render_template("error.html", status=status, title=title, text=text), status


def _http_error(e: HTTPException) -> ResponseReturnValue:
    status = e.code or 500
    texts = {
        400: _(
            "The form had expired or was not sent from this site. Go back, reload the page and try again."
        ),
        404: _("There is no such page, or you may not see it."),
    }
    return error_page(status, texts.get(status, ""))


def _domain_error(e: DomainError) -> ResponseReturnValue:
    status = next((code for cls, code in STATUS if isinstance(e, cls)), 400)
    return error_page(status, message(e.code, e.params, e.default_code))


def _unexpected(e: Exception) -> ResponseReturnValue:
    log.exception("unexpected error in a page", exc_info=e)
    return error_page(500, _("The server could not answer. Try again in a moment."))


def blueprint() -> Blueprint:
    from web.ui import admin, auth, dashboard, issues, report, work

    ui = Blueprint(
        "ui",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/assets",
    )
    ui.before_request(_before)
    ui.after_request(security.add_headers)
    ui.context_processor(_navigation)
    ui.register_error_handler(HTTPException, _http_error)
    ui.register_error_handler(DomainError, _domain_error)
    ui.register_error_handler(Exception, _unexpected)
    ui.register_blueprint(auth.blueprint)
    ui.register_blueprint(issues.blueprint)
    ui.register_blueprint(work.blueprint)
    ui.register_blueprint(report.blueprint)
    ui.register_blueprint(dashboard.blueprint)
    ui.register_blueprint(admin.blueprint)
    return ui
