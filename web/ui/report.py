"""Reporting a problem in one form, in under a minute, on a phone or a desk.

The pickers depend on each other through small htmx requests: the campaign
gives its aspects, the aspect its categories (``/report/taxonomy``); the
location is typed (Chinese, code, pinyin initials: ``/report/units``, by
``services.unit_search``); once place and category are known the open
problems already recorded there are shown (``/report/duplicates``, the
problem list of the services), so the reporter can stop or go on (举一反三).
The form is parsed by the API's schema (``IssueIn``) and saved by the same
command (``Rectify.report_issue``); photos are then attached as the
reporter's discovery evidence (``attach_evidence_files``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from domain.access import REPORT, ROLE_ACTIONS, may_report_at
from domain.errors import DomainError, Forbidden
from domain.lifecycle import OPEN_STATUSES
from domain.vocabulary import Severity, Source
from services.evidence import Upload
from services.read_model.queries import IssueFilter
from services.unit_search import search_units
from web.api import schemas as s
from web.context import services
from web.ui.forms import field_messages
from web.ui.i18n import message
from web.ui.names import Directory, directory
from web.ui.sessions import current_actor

blueprint = Blueprint("report", __name__, url_prefix="/report")

#: How many possible duplicates the form shows.
DUPLICATES_SHOWN = 5


def _may_report() -> None:
    if REPORT not in ROLE_ACTIONS.get(current_actor().role, frozenset()):
        raise Forbidden(
            "this role may not report problems",
            code="role_forbidden_here",
            params={"role": str(current_actor().role)},
        )


def _allowed_unit(code: str) -> bool:
    return may_report_at(current_actor(), code, services().app.within)


def _taxonomy(names: Directory, campaign: str | None, aspect: str | None) -> dict[str, Any]:
    aspects = names.aspects_of(campaign, current=True)
    if aspect and all(a["code"] != aspect for a in aspects):
        aspect = None
    categories = names.categories_of(campaign, aspect, current=True) if aspect else []
    return {"aspects": aspects, "categories": categories, "aspect": aspect}


def _form_page(values: dict[str, Any], errors: list[str], status: int = 200) -> ResponseReturnValue:
    names = directory()
    campaigns = names.campaigns
    campaign = values.get("campaign") or (campaigns[-1]["code"] if campaigns else "")
    values = {**values, "campaign": campaign}
    unit = values.get("unit") or ""
    return (
        render_template(
            "report/form.html",
            values=values,
            errors=errors,
            campaigns=campaigns,
            sources=list(Source),
            severities=list(Severity),
            unit_label=names.unit_path(unit) if unit else values.get("unit_q", ""),
            today=services().app.today().isoformat(),
            **_taxonomy(names, campaign, values.get("aspect")),
        ),
        status,
    )


@blueprint.get("")
@login_required
def form() -> ResponseReturnValue:
    _may_report()
    return _form_page({"source": request.args.get("source", ""), "severity": Severity.GENERAL}, [])


@blueprint.get("/taxonomy")
@login_required
def taxonomy() -> ResponseReturnValue:
    """The aspect and category pickers for the chosen campaign and aspect."""
    taxonomy = _taxonomy(directory(), request.args.get("campaign"), request.args.get("aspect"))
    return render_template("report/taxonomy.html", values={"category": ""}, **taxonomy)


@blueprint.get("/units")
@login_required
def units() -> ResponseReturnValue:
    """Type-ahead: the units the typed text names, among those the user may report at."""
    text = request.args.get("unit_q", "")
    found = search_units(directory().units, text, allowed=_allowed_unit)
    return render_template("report/units.html", found=found, text=text)


@blueprint.get("/duplicates")
@login_required
def duplicates() -> ResponseReturnValue:
    """Open problems at the same place (with the units below it) and of the same category."""
    unit = request.args.get("unit", "").strip()
    category = request.args.get("category", "").strip()
    campaign = request.args.get("campaign", "").strip()
    if not unit or not category:
        return ""
    wanted = IssueFilter(
        unit=unit,
        category=category,
        campaign=campaign or None,
        status=",".join(sorted(OPEN_STATUSES)),
        per_page=DUPLICATES_SHOWN,
    )
    try:
        page = services().queries.list_issues(current_actor(), wanted)
    except DomainError:
        return ""
    return render_template("report/duplicates.html", page=page, names=directory())


def _resolve_unit(values: dict[str, Any]) -> str:
    """The chosen unit's code; without one, the only unit the typed text names."""
    if values.get("unit"):
        return str(values["unit"])
    text = str(values.get("unit_q", "")).strip()
    if not text:
        return ""
    found = search_units(directory().units, text, allowed=_allowed_unit, limit=2)
    exact = [m for m in found if m.name == text or m.path == text]
    return exact[0].code if len(exact) == 1 else (found[0].code if len(found) == 1 else "")


@blueprint.post("")
@login_required
def save() -> ResponseReturnValue:
    _may_report()
    app = services().app
    actor = current_actor()
    values: dict[str, Any] = {k: request.form.get(k, "") for k in (*s.IssueIn().fields, "unit_q")}
    values["key"] = "key" in request.form
    values["unit"] = _resolve_unit(values)
    if not values["unit"]:
        return _form_page(values, [_("Choose the location from the list.")])
    data = {k: v for k, v in values.items() if k in s.IssueIn().fields and v != ""}
    data["key"] = values["key"]
    try:
        app.check_report_scope(actor, values["unit"])
        loaded = s.IssueIn().load(data)
        view = app.report_issue(actor, **loaded)
    except ValidationError as e:
        return _form_page(values, field_messages(e))
    except DomainError as e:
        return _form_page(values, [message(e.code, e.params, e.default_code)])
    flash(_("Problem %(code)s recorded.", code=view.code), "success")
    photos = [Upload(f.filename or "photo", f.read()) for f in request.files.getlist("photo") if f.filename]
    if photos:
        try:
            app.attach_evidence_files(actor, view.id, uploads=photos, note=_("Photos from the site"))
        except DomainError as e:
            flash(
                _(
                    "The photos were not attached: %(reason)s",
                    reason=message(e.code, e.params, e.default_code),
                ),
                "error",
            )
    return redirect(url_for("ui.issues.page", issue_id=view.id))
