"""Problems: the list with every filter of ``GET /api/v1/issues``, and one
problem's page with the commands this user may give on it now.

The list's query string is parsed by the API's own schema
(``web.api.schemas.IssueQuery``) and read through the same query
(``Queries.list_issues``); a command's form is parsed by the API's schema of
that command and given to the same service command, after the same checks
(``Rectify.checked_command``: 404, 403, 412 before the input is read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, ValidationError, fields

from domain.access import offered
from domain.errors import DomainError
from domain.lifecycle import Action, Status
from domain.vocabulary import Source
from services.evidence import Upload
from services.read_model.queries import SORTS, IssueFilter, IssueSummary, Page
from services.views import AssignmentView, IssueView
from web.api import schemas as s
from web.api.base import issue_ref
from web.context import services
from web.ui import security
from web.ui.forms import field_messages
from web.ui.history import timeline
from web.ui.i18n import marked, message
from web.ui.names import directory
from web.ui.sessions import current_actor

blueprint = Blueprint("issues", __name__, url_prefix="/issues")

#: The list's filters, in the order of the form (the API's query parameters).
FILTERS = ("q", "status", "campaign", "aspect", "category", "source", "unit", "overdue", "as_of")
PER_PAGE = 20


# -- what pages show of a problem ------------------------------------------------------------
def light_of(issue: IssueSummary | IssueView, unit: str | None = None) -> str:
    """The traffic light of an open, assigned problem: of ``unit``'s own
    assignment when it has one (a handler's inbox), else of the lead's
    deadline; "none" when no deadline runs (not yet assigned, submitted,
    closed) and in a view of the past (``as_of``: lights are about today)."""
    if issue.status != Status.ASSIGNED or request.args.get("as_of"):
        return "none"
    own: AssignmentView | None = next((a for a in issue.assignments if a.unit == unit), None)
    chosen = own or next((a for a in issue.assignments if a.role == "lead"), None)
    if chosen is None:
        return "none"
    return str(services().app.deadline_light(chosen.deadline, overdue=chosen.overdue, warned=chosen.warned))


def _filter_args() -> dict[str, str]:
    """The list's parameters as given (empty ones left out), for links that keep them."""
    names = (*FILTERS, "sort")
    return {k: v for k in names if (v := request.args.get(k, "").strip())}


def list_url(endpoint: str, **changes: Any) -> str:
    """This list's URL with some parameters changed (None removes one)."""
    args: dict[str, Any] = {**_filter_args(), "page": request.args.get("page", "")}
    for key, value in changes.items():
        args[key] = value
    kept = {k: v for k, v in args.items() if v not in (None, "") and not (k == "page" and str(v) == "1")}
    base = url_for(endpoint)
    return f"{base}?{urlencode(kept)}" if kept else base


def read_list(
    *, status: str | None = None, sort_default: str = "reported"
) -> tuple[Page | None, str, list[str]]:
    """The page of problems the query string asks for; errors in the user's
    language (and no page) when it is invalid."""
    raw = {k: v for k in (*FILTERS, "page") if (v := request.args.get(k, "").strip())}
    if status is not None:
        raw["status"] = status
    sort = request.args.get("sort", "").strip() or sort_default
    try:
        data = s.IssueQuery().load(raw)
    except ValidationError as e:
        return None, sort, field_messages(e)
    as_of = data.pop("as_of", None)
    data["per_page"] = PER_PAGE
    try:
        wanted = IssueFilter(**data, sort=sort if as_of is None else "reported")
        page = services().queries.list_issues(current_actor(), wanted, as_of=as_of)
    except DomainError as e:
        return None, sort, [message(e.code, e.params, e.default_code)]
    return page, sort, []


def filter_choices() -> dict[str, Any]:
    """What the filter form offers."""
    names = directory()
    campaign = request.args.get("campaign") or None
    aspect = request.args.get("aspect") or None
    chosen_unit = request.args.get("unit", "")
    units = sorted(
        (u for u in names.units if u["depth"] <= 3 or u["code"] == chosen_unit), key=lambda u: u["path"]
    )
    return {
        "statuses": list(Status),
        "sources": list(Source),
        "campaigns": names.campaigns,
        "aspects": names.aspects_of(campaign),
        "categories": names.categories_of(campaign, aspect),
        "units": units,
    }


@blueprint.get("")
@login_required
def index() -> ResponseReturnValue:
    page, sort, errors = read_list()
    actor = current_actor()
    items = page.items if page else []
    bulk = [item.id for item in items if offered(actor, Status(item.status), Action.ASSIGN)]
    return render_template(
        "issues/list.html",
        bulk=bulk if not request.args.get("as_of") else [],
        units=_assignable_units() if bulk else [],
        today=services().app.today().isoformat(),
        page=page,
        sort=sort,
        sorts=SORTS,
        errors=errors,
        args=_filter_args(),
        choices=filter_choices(),
        list_url=lambda **changes: list_url("ui.issues.index", **changes),
        light_of=light_of,
        names=directory(),
    )


# -- one problem -------------------------------------------------------------------------------------
@blueprint.get("/<issue_id>")
@login_required
def page(issue_id: str) -> ResponseReturnValue:
    app = services().app
    actor = current_actor()
    ref = issue_ref(issue_id)
    as_of_text = request.args.get("as_of", "").strip()
    as_of = None
    if as_of_text:
        try:
            as_of = s.AsOfQuery().load({"as_of": as_of_text})["as_of"]
        except ValidationError as e:
            for text in field_messages(e):
                flash(text, "error")
            as_of_text = ""
    view = app.get_issue(actor, ref, as_of=as_of)  # 404 for an issue the user may not see (then)
    # The past is only read: no command is offered on it.
    allowed = app.allowed_actions(actor, ref) if as_of is None else frozenset()
    history = app.history(actor, ref, as_of=as_of)
    assigning = bool(allowed & {Action.ASSIGN, Action.REASSIGN})
    return render_template(
        "issues/page.html",
        issue=view,
        allowed=allowed,
        units=_assignable(view) if assigning else [],
        today=app.today().isoformat(),
        as_of=as_of_text,
        Action=Action,
        history=history,
        steps=timeline(history, directory(), view.campaign),
        people=_people(actor),
        names=directory(),
        light_of=light_of,
        progress=[h for h in history if h.type in ("ProgressReported", "Submitted", "VerificationFailed")],
    )


def _people(actor: Any) -> dict[str, str]:
    """Usernames to people's names, for those who may list the accounts
    (admins and leaders, ``Queries.users``); others see usernames."""
    try:
        return {u["username"]: u["name"] for u in services().queries.users(actor) if u["name"]}
    except DomainError:
        return {}


def _assignable(view: IssueView) -> list[dict[str, Any]]:
    """Units a problem may be handed to: the open ones below the root, down to
    townships (and those it is assigned to now), in the order of the tree."""
    return _assignable_units({a.unit for a in view.assignments})


def _assignable_units(current: set[str] | None = None) -> list[dict[str, Any]]:
    current = current or set()
    units = directory().units
    return sorted(
        (u for u in units if u["active"] and (1 < u["depth"] <= 3 or u["code"] in current)),
        key=lambda u: u["path"],
    )


@blueprint.post("/bulk/assign")
@login_required
def bulk_assign() -> ResponseReturnValue:
    """Assigns every problem ticked in the list to the same units, deadline and
    measures: each through the same checks and command as one; the page says
    how many were assigned and why any were not."""
    app = services().app
    actor = current_actor()
    back = safe_back(request.form.get("back")) or url_for("ui.issues.index")
    schema = s.AssignIn()
    try:
        loaded = schema.load(_form(schema))
    except ValidationError as e:
        for text in field_messages(e):
            flash(text, "error")
        return redirect(back)
    chosen = [issue_ref(i) for i in request.form.getlist("issue") if i.strip()]
    if not chosen:
        flash(_("Tick the problems to assign first."), "error")
        return redirect(back)
    done = 0
    for ref in chosen:
        try:
            with app.checked_command(actor, ref, Action.ASSIGN):
                app.assign(actor, ref, **loaded)
            done += 1
        except DomainError as e:
            flash(f"{ref}: {message(e.code, e.params, e.default_code)}", "error")
    if done:
        flash(_("%(count)s problems assigned.", count=done), "success")
    return redirect(back)


def safe_back(target: str | None) -> str | None:
    """A path of this site's problem list to go back to."""
    if target and target.startswith("/issues") and not target.startswith("//"):
        return target
    return None


@blueprint.get("/<issue_id>/evidence/<evidence_id>")
@login_required
def evidence(issue_id: str, evidence_id: str) -> ResponseReturnValue:
    """One evidence file, in the problem's scope (images inline, for thumbnails)."""
    found = services().app.open_evidence(current_actor(), issue_ref(issue_id), evidence_id)
    inline = found.content_type.startswith("image/") or found.content_type == "application/pdf"
    response = send_file(
        found.path,
        mimetype=found.content_type or "application/octet-stream",
        as_attachment=not inline or request.args.get("download") == "1",
        download_name=found.name,
        max_age=0,
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, no-store"
    if inline:
        # A PDF is shown inside the problem's own page (nowhere else).
        response.headers["Content-Security-Policy"] = security.EVIDENCE_POLICY
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


# -- commands ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    """A form on the problem page: which action it is (for the checks before
    its input is read), the API's schema of its input, and the service command."""

    action: Callable[[], Action]
    schema: type[Schema]
    call: Callable[..., IssueView]
    done: str  # what the page says afterwards (a catalog message)


FAIL = Action.FAIL_VERIFICATION

#: What the page says after an action whose command has more than one outcome.
DONE_BY_ACTION: dict[Action, str] = {
    Action.PASS_VERIFICATION: marked("Verification passed: the problem is closed."),
    Action.FAIL_VERIFICATION: marked("Returned for more work."),
    Action.MERGE_AS_DUPLICATE: marked("Merged into the original problem."),
}


def _fixed(action: Action) -> Callable[[], Action]:
    return lambda: action


COMMANDS: dict[str, Command] = {
    "assign": Command(
        _fixed(Action.ASSIGN),
        s.AssignIn,
        lambda app, a, ref, v, d: app.assign(a, ref, expected_version=v, **d),
        marked("Assigned."),
    ),
    "reassign": Command(
        _fixed(Action.REASSIGN),
        s.ReassignIn,
        lambda app, a, ref, v, d: app.reassign(a, ref, expected_version=v, **d),
        marked("Reassigned."),
    ),
    "dispute": Command(
        _fixed(Action.DISPUTE_ASSIGNMENT),
        s.DisputeIn,
        lambda app, a, ref, v, d: app.dispute_assignment(a, ref, expected_version=v, **d),
        marked("The dispute is recorded."),
    ),
    "progress": Command(
        _fixed(Action.REPORT_PROGRESS),
        s.NoteIn,
        lambda app, a, ref, v, d: app.report_progress(a, ref, expected_version=v, **d),
        marked("Progress recorded."),
    ),
    "extension": Command(
        _fixed(Action.REQUEST_EXTENSION),
        s.ExtensionIn,
        lambda app, a, ref, v, d: app.request_extension(a, ref, expected_version=v, **d),
        marked("The extension request is recorded."),
    ),
    "decision": Command(
        _fixed(Action.DECIDE_EXTENSION),
        s.DecisionIn,
        lambda app, a, ref, v, d: app.decide_extension(a, ref, expected_version=v, **d),
        marked("The extension request is decided."),
    ),
    "submit": Command(
        _fixed(Action.SUBMIT),
        s.SubmitIn,
        lambda app, a, ref, v, d: app.submit(a, ref, expected_version=v, **d),
        marked("Submitted for verification."),
    ),
    "verify": Command(
        lambda: Action.PASS_VERIFICATION if request.form.get("passed") == "true" else FAIL,
        s.VerifyIn,
        lambda app, a, ref, v, d: app.verify(a, ref, expected_version=v, **d),
        marked("Verification recorded."),  # DONE_BY_ACTION says which
    ),
    "reopen": Command(
        _fixed(Action.REOPEN),
        s.ReopenIn,
        lambda app, a, ref, v, d: app.reopen(a, ref, expected_version=v, **d),
        marked("Reopened for rectification."),
    ),
    "reject": Command(
        lambda: Action.MERGE_AS_DUPLICATE if request.form.get("duplicate_of") else Action.REJECT,
        s.RejectIn,
        lambda app, a, ref, v, d: app.reject(a, ref, expected_version=v, **d),
        marked("Rejected."),
    ),
    "comment": Command(
        _fixed(Action.COMMENT),
        s.CommentIn,
        lambda app, a, ref, v, d: app.comment(a, ref, expected_version=v, **d),
        marked("Recorded."),
    ),
}


#: What a form's boolean (a button's or a box's value) says: the API's
#: schemas take JSON booleans only; any other word stays text (and is refused).
FORM_BOOLEANS = {"true": True, "false": False}


def _form(schema: Schema) -> dict[str, Any]:
    """The form's fields the command's schema reads (nothing else: not the
    CSRF token, not the version); empty fields are left out, lists are every
    value of their field, ``true`` and ``false`` of a boolean field are booleans."""
    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if isinstance(field, fields.List):
            values = [v for v in request.form.getlist(name) if v.strip()]
            if values or name in request.form:
                data[name] = values
        elif request.form.get(name, "").strip():
            value = request.form[name]
            data[name] = FORM_BOOLEANS.get(value, value) if isinstance(field, fields.Boolean) else value
    return data


def _expected_version() -> int | None:
    raw = request.form.get("version", "").strip()
    # ASCII digits only: int() reads "١" as 1 and refuses "²", which isdigit() passes.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _refused(e: DomainError, back: str) -> ResponseReturnValue:
    if e.default_code == "not_found":
        raise e  # the same 404 page as for a problem that does not exist
    flash(message(e.code, e.params, e.default_code), "error")
    return redirect(back)


@blueprint.post("/<issue_id>/<name>")
@login_required
def command(issue_id: str, name: str) -> ResponseReturnValue:
    """One command from a form: the same checks (404, 403, 412 before the input
    is read) and the same service command as the API; a refusal is shown on
    the problem's page in the user's language."""
    found = COMMANDS.get(name)
    if found is None:
        abort(404)
    app = services().app
    actor = current_actor()
    ref = issue_ref(issue_id)
    expected = _expected_version()
    back = url_for("ui.issues.page", issue_id=issue_id)
    schema = found.schema()
    action = found.action()
    try:
        with app.checked_command(actor, ref, action, expected):
            try:
                loaded = schema.load(_form(schema))
            except ValidationError as e:
                for text in field_messages(e):
                    flash(text, "error")
                return redirect(back)
            found.call(app, actor, ref, expected, loaded)
    except DomainError as e:
        return _refused(e, back)
    flash(gettext(DONE_BY_ACTION.get(action, found.done)), "success")
    return redirect(back)


@blueprint.post("/<issue_id>/evidence")
@login_required
def upload(issue_id: str) -> ResponseReturnValue:
    """Evidence files (several at once), through the same service command as the API's upload."""
    app = services().app
    actor = current_actor()
    ref = issue_ref(issue_id)
    expected = _expected_version()
    back = url_for("ui.issues.page", issue_id=issue_id)
    uploads = [Upload(f.filename or "file", f.read()) for f in request.files.getlist("file") if f.filename]
    note = request.form.get("note", "")
    try:
        app.check_command(actor, ref, Action.ATTACH_EVIDENCE, expected)
        app.attach_evidence_files(actor, ref, uploads=uploads, note=note, expected_version=expected)
    except DomainError as e:
        return _refused(e, back)
    flash(_("Evidence attached."), "success")
    return redirect(back)
