"""The day's work: a handler's inbox, a reviewer's verification queue, the
office's queue of extension requests.

Both are the problem list of the services (``Queries.list_issues``) under
the user's own scope: a handler sees the problems assigned (lead or co) to
its unit or a unit below it, so a problem handed to a county and a
department at once (双交办) is in both inboxes; a reviewer sees those located
in or assigned to its subtree. The inbox is sorted by deadline, with each
problem's traffic light for the handler's own assignment.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from domain.lifecycle import Status
from web.context import services
from web.ui.issues import light_of, list_url, read_list
from web.ui.names import directory
from web.ui.sessions import current_actor

blueprint = Blueprint("work", __name__)

#: What an inbox holds: problems being rectified, and those waiting for verification.
INBOX = f"{Status.ASSIGNED},{Status.SUBMITTED}"


@blueprint.get("/inbox")
@login_required
def inbox() -> ResponseReturnValue:
    page, _, errors = read_list(status=INBOX, sort_default="deadline")
    unit = current_actor().unit
    return render_template(
        "work/inbox.html",
        page=page,
        errors=errors,
        names=directory(),
        light_of=lambda item: light_of(item, unit),
        list_url=lambda **changes: list_url("ui.work.inbox", **changes),
        unit=unit,
    )


@blueprint.get("/extensions")
@login_required
def extensions() -> ResponseReturnValue:
    """The office's queue of extension requests waiting for a decision (403 for others)."""
    waiting = services().app.pending_extensions(current_actor())
    return render_template("work/extensions.html", waiting=waiting, names=directory())


@blueprint.get("/review")
@login_required
def review() -> ResponseReturnValue:
    page, _, errors = read_list(status=str(Status.SUBMITTED), sort_default="deadline")
    return render_template(
        "work/review.html",
        page=page,
        errors=errors,
        names=directory(),
        light_of=light_of,
        list_url=lambda **changes: list_url("ui.work.review", **changes),
    )
