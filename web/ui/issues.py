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
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, ValidationError

from domain.errors import DomainError
from domain.lifecycle import Action, Status
from domain.vocabulary import Source
from services.read_model.queries import SORTS, IssueFilter, IssueSummary, Page
from services.views import AssignmentView, IssueView
from web.api import schemas as s
from web.api.base import issue_ref
from web.context import services
from web.i18n import validation
from web.ui.i18n import message, ui_lang
from web.ui.names import directory
from web.ui.sessions import current_actor

blueprint = Blueprint("issues", __name__, url_prefix="/issues")

#: The list's filters, in the order of the form (the API's query parameters).
FILTERS = ("q", "status", "campaign", "aspect", "category", "source", "unit", "overdue")
PER_PAGE = 20


# -- what pages show of a problem ------------------------------------------------------------
def light_of(issue: IssueSummary | IssueView, unit: str | None = None) -> str:
    """The traffic light of an open, assigned problem: of ``unit``'s own
    assignment when it has one (a handler's inbox), else of the lead's
    deadline; "none" when no deadline runs (not yet assigned, submitted, closed)."""
    if issue.status != Status.ASSIGNED:
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
    data.pop("as_of", None)
    data["per_page"] = PER_PAGE
    try:
        page = services().queries.list_issues(current_actor(), IssueFilter(**data, sort=sort))
    except DomainError as e:
        return None, sort, [message(e.code, e.params, e.default_code)]
    return page, sort, []


def field_messages(e: ValidationError) -> list[str]:
    messages = e.messages if isinstance(e.messages, dict) else {"_": e.messages}
    translated = validation.translate(messages, ui_lang())
    out = []
    for field, texts in translated.items():
        for text in texts if isinstance(texts, list) else [texts]:
            out.append(f"{_field_label(field)}: {text}")
    return out


def _field_label(field: str) -> str:
    labels = {
        "q": _("Search"),
        "status": _("Status"),
        "campaign": _("Campaign"),
        "aspect": _("Aspect"),
        "category": _("Category"),
        "source": _("Source"),
        "unit": _("Unit"),
        "overdue": _("Overdue"),
        "page": _("Page"),
        "note": _("Note"),
        "summary": _("Summary"),
        "passed": _("Result"),
        "file": _("Files"),
        "title": _("Title"),
        "description": _("Description"),
        "severity": _("Severity"),
        "key": _("Key problem"),
        "discovered_at": _("Discovered on"),
        "deadline": _("Deadline"),
        "reason": _("Reason"),
        "text": _("Comment"),
    }
    return str(labels.get(field, field))


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
    return render_template(
        "issues/list.html",
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
    view = app.get_issue(actor, ref)  # 404 for an issue the user may not see
    allowed = app.allowed_actions(actor, ref)
    history = app.history(actor, ref)
    return render_template(
        "issues/page.html",
        issue=view,
        allowed=allowed,
        Action=Action,
        history=history,
        names=directory(),
        light_of=light_of,
        progress=[h for h in history if h.type in ("ProgressReported", "Submitted", "VerificationFailed")],
    )


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
    return response


# -- commands ----------------------------------------------------------------------------------------
def _form(schema: Schema) -> dict[str, Any]:
    """The form's fields the command's schema reads (nothing else: not the CSRF token)."""
    return {name: request.form[name] for name in schema.fields if name in request.form}


def _expected_version() -> int | None:
    raw = request.form.get("version", "").strip()
    return int(raw) if raw.isdigit() else None


def _run(
    issue_id: str,
    action: Action,
    schema: Schema,
    call: Callable[..., IssueView],
    done: str,
    data: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    """One command from a form: the same checks and the same service command
    as the API; a refusal is shown on the problem's page in the user's language."""
    app = services().app
    actor = current_actor()
    ref = issue_ref(issue_id)
    expected = _expected_version()
    back = url_for("ui.issues.page", issue_id=issue_id)
    try:
        with app.checked_command(actor, ref, action, expected):
            try:
                loaded = schema.load(data if data is not None else _form(schema))
            except ValidationError as e:
                for text in field_messages(e):
                    flash(text, "error")
                return redirect(back)
            call(app, actor, ref, expected, loaded)
    except DomainError as e:
        if e.default_code == "not_found":
            raise
        flash(message(e.code, e.params, e.default_code), "error")
        return redirect(back)
    flash(done, "success")
    return redirect(back)


@blueprint.post("/<issue_id>/progress")
@login_required
def progress(issue_id: str) -> ResponseReturnValue:
    return _run(
        issue_id,
        Action.REPORT_PROGRESS,
        s.NoteIn(),
        lambda app, a, ref, v, d: app.report_progress(a, ref, expected_version=v, **d),
        _("Progress recorded."),
    )


@blueprint.post("/<issue_id>/submit")
@login_required
def submit(issue_id: str) -> ResponseReturnValue:
    return _run(
        issue_id,
        Action.SUBMIT,
        s.SubmitIn(),
        lambda app, a, ref, v, d: app.submit(a, ref, expected_version=v, **d),
        _("Submitted for verification."),
    )


@blueprint.post("/<issue_id>/verify")
@login_required
def verify(issue_id: str) -> ResponseReturnValue:
    passed = request.form.get("passed") == "true"
    action = Action.PASS_VERIFICATION if passed else Action.FAIL_VERIFICATION
    return _run(
        issue_id,
        action,
        s.VerifyIn(),
        lambda app, a, ref, v, d: app.verify(a, ref, expected_version=v, **d),
        _("Verification passed: the problem is closed.") if passed else _("Returned for more work."),
        data={"passed": passed, "note": request.form.get("note", "")},
    )


@blueprint.post("/<issue_id>/comment")
@login_required
def comment(issue_id: str) -> ResponseReturnValue:
    return _run(
        issue_id,
        Action.COMMENT,
        s.CommentIn(),
        lambda app, a, ref, v, d: app.comment(a, ref, expected_version=v, **d),
        _("Comment recorded."),
    )


@blueprint.post("/<issue_id>/evidence")
@login_required
def upload(issue_id: str) -> ResponseReturnValue:
    """Evidence files, through the same service command as the API's upload."""
    from services.evidence import Upload

    app = services().app
    actor = current_actor()
    ref = issue_ref(issue_id)
    back = url_for("ui.issues.page", issue_id=issue_id)
    files = [f for f in request.files.getlist("file") if f.filename]
    uploads = [Upload(f.filename or "file", f.read()) for f in files]
    note = request.form.get("note", "")
    try:
        app.check_command(actor, ref, Action.ATTACH_EVIDENCE, _expected_version())
        app.attach_evidence_files(
            actor, ref, uploads=uploads, note=note, expected_version=_expected_version()
        )
    except DomainError as e:
        if e.default_code == "not_found":
            raise
        flash(message(e.code, e.params, e.default_code), "error")
        return redirect(back)
    flash(_("Evidence attached."), "success")
    return redirect(back)
