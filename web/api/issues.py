"""Issues (问题): report, list, read, history, and every lifecycle command.

Each view only translates: JSON in, a service call, JSON out. Command views
go through :func:`web.api.base.issue_command`, which keeps the contract's
order of errors (404, 403, 412 before the body is read; then 422, 409).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, send_file
from flask.typing import ResponseReturnValue
from flask.views import MethodView

from domain.access import REPORT
from domain.lifecycle import Action
from services.evidence import Upload
from services.read_model.queries import Documents, IssueFilter, Page
from services.views import HistoryEntry, IssueView
from web import edge
from web.api import schemas as s
from web.api.base import (
    BEARER,
    body_doc,
    if_match,
    issue_command,
    issue_ref,
    protected_blueprint,
)
from web.auth import current_actor
from web.context import services

issues = protected_blueprint("issues", __name__, "/api/v1/issues", "Problems (问题) and their lifecycle")


def _etag(view: IssueView) -> dict[str, str]:
    return {"ETag": f'"{view.version}"'}


def _report_scope_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """A role that may not report, or a clerk reporting outside its subtree,
    hears 403 before any 422 (CONTRACT.md order): the service checks the role
    and the unit read from the raw body before the schema checks the rest."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        body = edge.peek_json()
        unit = body.get("unit") if isinstance(body, dict) else None
        services().app.check_report_scope(current_actor(), unit if isinstance(unit, str) else "")
        return view(*args, **kwargs)

    return wrapper


@issues.route("")
class Issues(MethodView):
    @_report_scope_first
    @issues.arguments(s.IssueIn)
    @issues.response(201, s.IssueDetailOut)
    @issues.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> tuple[IssueView, int, dict[str, str]]:
        """Reports a problem (admin, inspector anywhere; clerk in its own subtree)."""
        view = services().app.report_issue(current_actor(), **data)
        return view, 201, _etag(view)

    @issues.arguments(s.IssueQuery, location="query")
    @issues.response(200, s.IssuePage)
    @issues.doc(security=BEARER)
    def get(self, query: dict[str, Any]) -> Page | Response:
        """The problems the caller may see, newest first, filtered and paged."""
        as_of = query.pop("as_of", None)
        if as_of is not None:
            return services().queries.list_issues(current_actor(), IssueFilter(**query), as_of=as_of)
        return _documents_page(services().queries.issue_documents(current_actor(), IssueFilter(**query)))


def _documents_page(found: Documents) -> Response:
    """``IssuePage`` from the summary documents the read model keeps: each is
    already an ``IssueOut`` as JSON (tests/integration/test_summary_documents.py
    holds them to the schema), so the page is joined, not serialised again."""
    items = ",".join(found.items)
    body = f'{{"items":[{items}],"total":{found.total},"page":{found.page},"per_page":{found.per_page}}}'
    return Response(body, mimetype="application/json")


@issues.route("/<issue_id>")
class OneIssue(MethodView):
    @issues.arguments(s.AsOfQuery, location="query")
    @issues.response(200, s.IssueDetailOut)
    @issues.doc(security=BEARER)
    def get(self, query: dict[str, Any], issue_id: str) -> tuple[IssueView, int, dict[str, str]]:
        """One problem, now or ``as_of`` an instant; ``ETag`` is its version."""
        view = services().app.get_issue(current_actor(), issue_ref(issue_id), as_of=query.get("as_of"))
        return view, 200, _etag(view)


@issues.route("/<issue_id>/history")
class History(MethodView):
    @issues.arguments(s.AsOfQuery, location="query")
    @issues.response(200, s.HistoryOut(many=True))
    @issues.doc(security=BEARER)
    def get(self, query: dict[str, Any], issue_id: str) -> list[HistoryEntry]:
        """Every recorded fact, oldest first, with who, when, role and unit;
        ``as_of`` stops at that instant (included)."""
        return services().app.history(current_actor(), issue_ref(issue_id), as_of=query.get("as_of"))


def _command_view(action: Action, schema: s.In | None, call: Any) -> Any:
    def view(issue_id: str) -> tuple[IssueView, int, dict[str, str]]:
        result: IssueView = issue_command(
            issue_ref(issue_id),
            action,
            schema,
            lambda actor, ref, version, data: call(services().app, actor, ref, version, data),
        )
        return result, 200, _etag(result)

    return view


def _register(path: str, name: str, action: Action, schema: type[s.In], call: Any, doc: str) -> None:
    view = _command_view(action, schema(), call)
    view.__name__ = name
    view.__doc__ = doc
    decorated = issues.response(200, s.IssueDetailOut)(view)
    decorated = issues.doc(security=BEARER, **body_doc(schema))(decorated)
    issues.route(path, methods=["POST"], endpoint=name)(decorated)


_register(
    "/<issue_id>/assign",
    "assign",
    Action.ASSIGN,
    s.AssignIn,
    lambda app, a, ref, v, d: app.assign(a, ref, expected_version=v, **d),
    "Hands a reported problem to a lead unit and co-units with a deadline (admin).",
)
_register(
    "/<issue_id>/reassign",
    "reassign",
    Action.REASSIGN,
    s.ReassignIn,
    lambda app, a, ref, v, d: app.reassign(a, ref, expected_version=v, **d),
    "Changes the units of an assigned problem (admin): units keep (or get back) their own deadlines; "
    "`deadline` is required when a unit new to the problem is added, and is that unit's.",
)
_register(
    "/<issue_id>/dispute",
    "dispute",
    Action.DISPUTE_ASSIGNMENT,
    s.DisputeIn,
    lambda app, a, ref, v, d: app.dispute_assignment(a, ref, expected_version=v, **d),
    "An assigned unit disputes the assignment (申诉).",
)
_register(
    "/<issue_id>/reclassify",
    "reclassify",
    Action.RECLASSIFY,
    s.ReclassifyIn,
    lambda app, a, ref, v, d: app.reclassify(a, ref, expected_version=v, **d),
    "Changes aspect, category, severity or the key flag (admin).",
)
_register(
    "/<issue_id>/progress",
    "progress",
    Action.REPORT_PROGRESS,
    s.NoteIn,
    lambda app, a, ref, v, d: app.report_progress(a, ref, expected_version=v, **d),
    "Reports rectification progress (handlers of the lead or a co unit).",
)
_register(
    "/<issue_id>/extension",
    "extension",
    Action.REQUEST_EXTENSION,
    s.ExtensionIn,
    lambda app, a, ref, v, d: app.request_extension(a, ref, expected_version=v, **d),
    "Asks for a later deadline for `units` (default the requester's unit; a co unit's handler asks for "
    "its own only) (handlers of the lead or a co unit).",
)
_register(
    "/<issue_id>/extension/decision",
    "extension_decision",
    Action.DECIDE_EXTENSION,
    s.DecisionIn,
    lambda app, a, ref, v, d: app.decide_extension(a, ref, expected_version=v, **d),
    "Grants or refuses the waiting extension request (admin).",
)
_register(
    "/<issue_id>/submit",
    "submit",
    Action.SUBMIT,
    s.SubmitIn,
    lambda app, a, ref, v, d: app.submit(a, ref, expected_version=v, **d),
    "Applies for closure (申请销号) (handlers of the lead or a co unit).",
)
_register(
    "/<issue_id>/reopen",
    "reopen",
    Action.REOPEN,
    s.ReopenIn,
    lambda app, a, ref, v, d: app.reopen(a, ref, expected_version=v, **d),
    "Reopens a closed problem after a look-back (admin; reviewer in its subtree).",
)
_register(
    "/<issue_id>/comment",
    "comment",
    Action.COMMENT,
    s.CommentIn,
    lambda app, a, ref, v, d: app.comment(a, ref, expected_version=v, **d),
    "Comments in any status (anyone who sees it; a leader's comment is an instruction, 批示).",
)


def _verify(app: Any, actor: Any, ref: str, version: int | None, data: dict[str, Any]) -> IssueView:
    view: IssueView = app.verify(actor, ref, expected_version=version, **data)
    return view


def _reject(app: Any, actor: Any, ref: str, version: int | None, data: dict[str, Any]) -> IssueView:
    view: IssueView = app.reject(actor, ref, expected_version=version, **data)
    return view


# verify and reject name one of two actions; the role check uses the one the body asks for.
@issues.route("/<issue_id>/verify", methods=["POST"], endpoint="verify")
@issues.doc(security=BEARER, **body_doc(s.VerifyIn))
@issues.response(200, s.IssueDetailOut)
def verify(issue_id: str) -> tuple[IssueView, int, dict[str, str]]:
    """Passes (销号) or fails (退回) a submitted problem (reviewer, never the submitter)."""
    body = edge.peek_json()
    passed = not (isinstance(body, dict) and body.get("passed") is False)
    action = Action.PASS_VERIFICATION if passed else Action.FAIL_VERIFICATION
    view: IssueView = issue_command(
        issue_ref(issue_id), action, s.VerifyIn(), lambda a, r, v, d: _verify(services().app, a, r, v, d)
    )
    return view, 200, _etag(view)


@issues.route("/<issue_id>/reject", methods=["POST"], endpoint="reject")
@issues.doc(security=BEARER, **body_doc(s.RejectIn))
@issues.response(200, s.IssueDetailOut)
def reject(issue_id: str) -> tuple[IssueView, int, dict[str, str]]:
    """Rejects a reported problem (不予立项), or merges it into ``duplicate_of`` (admin)."""
    body = edge.peek_json()
    duplicate = isinstance(body, dict) and bool(body.get("duplicate_of"))
    action = Action.MERGE_AS_DUPLICATE if duplicate else Action.REJECT
    view: IssueView = issue_command(
        issue_ref(issue_id), action, s.RejectIn(), lambda a, r, v, d: _reject(services().app, a, r, v, d)
    )
    return view, 200, _etag(view)


@issues.route("/<issue_id>/evidence", methods=["POST"], endpoint="evidence")
@edge.multipart_body
@issues.doc(security=BEARER, **body_doc(s.EvidenceUploadDoc, "multipart/form-data"))
@issues.response(201, s.EvidenceAnswer)
def evidence(issue_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Uploads evidence files (images, PDF, office documents; checked by content): the
    assigned units' rectification evidence, or while the problem is ``reported`` its
    reporter's discovery photos."""
    actor = current_actor()
    ref = issue_ref(issue_id)
    expected = if_match()
    app = services().app
    app.check_command(actor, ref, Action.ATTACH_EVIDENCE, expected)
    files, form = edge.multipart_form()
    # Each file is the temporary file werkzeug spooled it to, stored from there.
    uploads = [Upload(f.filename or "file", f.stream) for f in files.getlist("file")]
    # One value per field (the first), read as a JSON body's fields are.
    note: str = s.EvidenceForm().load(form.to_dict())["note"]
    view, stored = app.attach_evidence_files(
        actor, ref, uploads=uploads, note=note, expected_version=expected
    )
    return {"evidence": stored}, 201, _etag(view)


@issues.route("/<issue_id>/evidence/<evidence_id>", methods=["GET"], endpoint="evidence_file")
@issues.doc(security=BEARER, responses={"200": {"description": "the file"}})
def evidence_file(issue_id: str, evidence_id: str) -> ResponseReturnValue:
    """Downloads one evidence file (same scope as the problem)."""
    found = services().app.open_evidence(current_actor(), issue_ref(issue_id), evidence_id)
    return send_file(
        found.path,
        mimetype=found.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=found.name,
        max_age=0,
    )


__all__ = ["REPORT", "issues"]
