"""The office's administration: accounts, the unit tree, campaigns with their taxonomy.

Lists read the read model (``Queries.users``, ``Queries.units``); every
change is the API's command (``create_user``, ``update_user``, ``add_unit``,
``update_unit``) with its input parsed by the API's schema (``UserIn``,
``UserPatch``, ``UnitIn``, ``UnitPatch``); who may is the access table's
(``domain/access.py: ADMIN_ACTIONS``), asked by the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, ValidationError

from domain.access import LIST_USERS, MANAGE_CAMPAIGNS, MANAGE_UNITS, MANAGE_USERS, check_admin
from domain.actor import Role
from domain.errors import DomainError
from domain.vocabulary import UnitKind
from web.api import schemas as s
from web.context import services
from web.ui.forms import field_messages
from web.ui.i18n import message
from web.ui.names import directory
from web.ui.sessions import current_actor

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

#: The roles an account may have (the system acts only from the command line).
ROLES = [r for r in Role if r is not Role.SYSTEM]


def _fields(schema: Schema, names: tuple[str, ...]) -> dict[str, Any]:
    """The form's values for ``names`` (empty ones left out; checkboxes as booleans)."""
    data: dict[str, Any] = {}
    for name in names:
        if name == "active":
            data[name] = request.form.get("active") == "true"
        elif request.form.get(name, "").strip():
            data[name] = request.form[name]
    return data


def _change(schema: Schema, data: dict[str, Any], call: Callable[[dict[str, Any]], Any], done: str) -> bool:
    """Parses ``data`` with the API's ``schema`` and gives it to ``call``; says
    what happened on the next page, in the user's language."""
    try:
        call(schema.load(data))
    except ValidationError as e:
        for text in field_messages(e):
            flash(text, "error")
        return False
    except DomainError as e:
        if e.default_code == "not_found":
            raise
        flash(message(e.code, e.params, e.default_code), "error")
        return False
    flash(done, "success")
    return True


# -- accounts ---------------------------------------------------------------------------------------
@blueprint.get("/users")
@login_required
def users() -> ResponseReturnValue:
    actor = current_actor()
    unit = request.args.get("unit", "").strip() or None
    listed = services().queries.users(actor, unit=unit)  # admins and leaders (403 otherwise)
    may_manage = True
    try:
        check_admin(actor, MANAGE_USERS)
    except DomainError:
        may_manage = False
    return render_template(
        "admin/users.html",
        users=listed,
        may_manage=may_manage,
        roles=ROLES,
        units=_units(),
        names=directory(),
        unit=unit or "",
    )


@blueprint.post("/users")
@login_required
def create_user() -> ResponseReturnValue:
    actor = current_actor()
    app = services().app
    check_admin(actor, MANAGE_USERS)  # 403 before the input is read
    data = _fields(s.UserIn(), ("username", "name", "role", "unit", "password"))
    _change(
        s.UserIn(),
        data,
        lambda d: app.create_user(actor, **d),
        _("Account %(username)s created.", username=data.get("username", "")),
    )
    return redirect(url_for("ui.admin.users"))


@blueprint.route("/users/<username>", methods=["GET", "POST"])
@login_required
def user(username: str) -> ResponseReturnValue:
    actor = current_actor()
    app = services().app
    check_admin(actor, MANAGE_USERS)
    found = app.get_user(actor, username)  # 404 for an unknown account
    if request.method == "POST":
        data = _fields(s.UserPatch(), ("name", "role", "unit", "password", "active", "reason"))
        if _change(
            s.UserPatch(),
            data,
            lambda d: app.update_user(actor, found.username, **d),
            _("Account %(username)s changed.", username=found.username),
        ):
            return redirect(url_for("ui.admin.users"))
        return redirect(url_for("ui.admin.user", username=found.username))
    return render_template("admin/user.html", user=found, roles=ROLES, units=_units(), names=directory())


# -- the unit tree ----------------------------------------------------------------------------------
def _units() -> list[dict[str, Any]]:
    """Every unit in the order of the tree."""
    return sorted(directory().units, key=lambda u: u["path"])


@blueprint.get("/units")
@login_required
def units() -> ResponseReturnValue:
    actor = current_actor()
    check_admin(actor, LIST_USERS)  # admins and leaders read the tree here
    may_manage = True
    try:
        check_admin(actor, MANAGE_UNITS)
    except DomainError:
        may_manage = False
    return render_template(
        "admin/units.html", units=_units(), kinds=list(UnitKind), may_manage=may_manage, names=directory()
    )


@blueprint.post("/units")
@login_required
def add_unit() -> ResponseReturnValue:
    actor = current_actor()
    app = services().app
    check_admin(actor, MANAGE_UNITS)
    data = _fields(s.UnitIn(), ("code", "name", "kind", "parent"))
    _change(
        s.UnitIn(),
        data,
        lambda d: app.add_unit(actor, **d),
        _("Unit %(code)s added.", code=data.get("code", "")),
    )
    return redirect(url_for("ui.admin.units"))


@blueprint.route("/units/<code>", methods=["GET", "POST"])
@login_required
def update_unit(code: str) -> ResponseReturnValue:
    actor = current_actor()
    app = services().app
    check_admin(actor, MANAGE_UNITS)
    units = _units()
    unit = next((u for u in units if u["code"] == code), None)
    if unit is None:
        abort(404)
    if request.method == "GET":
        below = [u for u in units if code in u["path"]]
        parents = [u for u in units if u["active"] and u not in below and u["depth"] <= 3]
        return render_template("admin/unit.html", unit=unit, parents=parents)
    data = _fields(s.UnitPatch(), ("name", "parent", "active", "reason"))
    _change(
        s.UnitPatch(),
        data,
        lambda d: app.update_unit(actor, code, **d),
        _("Unit %(code)s changed.", code=code),
    )
    return redirect(url_for("ui.admin.units") + f"#unit-{code}")


# -- campaigns and their taxonomy -------------------------------------------------------------------------
def parse_taxonomy(text: str) -> list[dict[str, Any]]:
    """The aspects of a campaign from the form's text: a line ``CODE name`` is
    an aspect, an indented one a category of the aspect above it. What the
    lines mean is then the API's to check (``CampaignIn``, ``CampaignPatch``)."""
    aspects: list[dict[str, Any]] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        code, _space, name = raw.strip().partition(" ")
        item = {"code": code.strip(), "name": name.strip()}
        if raw[0] in " \t\u3000" and aspects:
            aspects[-1]["categories"].append(item)
        else:
            aspects.append({**item, "categories": []})
    return aspects


def taxonomy_text(aspects: list[dict[str, Any]]) -> str:
    """The live aspects and categories as the form shows them (retired ones left out)."""
    lines: list[str] = []
    for a in aspects:
        if a.get("retired"):
            continue
        lines.append(f"{a['code']} {a['name']}")
        lines += [f"    {c['code']} {c['name']}" for c in a.get("categories", []) if not c.get("retired")]
    return "\n".join(lines)


@blueprint.get("/campaigns")
@login_required
def campaigns() -> ResponseReturnValue:
    actor = current_actor()
    check_admin(actor, LIST_USERS)  # admins and leaders read them here
    may_manage = True
    try:
        check_admin(actor, MANAGE_CAMPAIGNS)
    except DomainError:
        may_manage = False
    return render_template("admin/campaigns.html", campaigns=directory().campaigns, may_manage=may_manage)


@blueprint.post("/campaigns")
@login_required
def start_campaign() -> ResponseReturnValue:
    actor = current_actor()
    app = services().app
    check_admin(actor, MANAGE_CAMPAIGNS)
    data: dict[str, Any] = _fields(s.CampaignIn(), ("code", "name", "deadline"))
    data["aspects"] = parse_taxonomy(request.form.get("aspects", ""))
    _change(
        s.CampaignIn(),
        data,
        lambda d: app.start_campaign(actor, **d),
        _("Campaign %(code)s started.", code=data.get("code", "")),
    )
    return redirect(url_for("ui.admin.campaigns"))


@blueprint.route("/campaigns/<code>", methods=["GET", "POST"])
@login_required
def campaign(code: str) -> ResponseReturnValue:
    actor = current_actor()
    app = services().app
    check_admin(actor, MANAGE_CAMPAIGNS)
    found = app.get_campaign(code)  # 404 for an unknown campaign
    if request.method == "POST":
        data: dict[str, Any] = _fields(s.CampaignPatch(), ("name", "deadline", "reason"))
        data["aspects"] = parse_taxonomy(request.form.get("aspects", ""))
        if _change(
            s.CampaignPatch(),
            data,
            lambda d: app.update_campaign(actor, found.code, **d),
            _("Campaign %(code)s changed.", code=found.code),
        ):
            return redirect(url_for("ui.admin.campaigns"))
        return redirect(url_for("ui.admin.campaign", code=found.code))
    retired = [a for a in found.aspects if a.get("retired")] + [
        c for a in found.aspects for c in a.get("categories", []) if c.get("retired")
    ]
    return render_template(
        "admin/campaign.html", campaign=found, taxonomy=taxonomy_text(list(found.aspects)), retired=retired
    )
