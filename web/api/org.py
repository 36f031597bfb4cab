"""Units, users and campaigns. Each view only translates; the services decide
who may do what (``domain/access.py``)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from domain.access import MANAGE_CAMPAIGNS, MANAGE_UNITS, MANAGE_USERS
from domain.actor import Actor
from services.views import CampaignView, UnitView, UserView
from web.api import schemas as s
from web.api.base import BEARER, checked_first, protected_blueprint
from web.auth import current_actor
from web.context import services

units = protected_blueprint("units", __name__, "/api/v1/units", "Org units (单位)")
users = protected_blueprint("users", __name__, "/api/v1/users", "User accounts")
campaigns = protected_blueprint("campaigns", __name__, "/api/v1/campaigns", "Campaigns (整改行动)")


def _may(action: str) -> Any:
    """The service's role check for ``action``, before the body is read."""

    def check(actor: Actor, **_: Any) -> None:
        services().app.check_admin_action(actor, action)

    return checked_first(check)


@units.route("")
class Units(MethodView):
    @units.arguments(s.UnitQuery, location="query")
    @units.response(200, s.UnitOut(many=True))
    @units.doc(security=BEARER)
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """The org tree, root first (anyone signed in)."""
        return services().queries.units(parent=query.get("parent"))

    @_may(MANAGE_UNITS)
    @units.arguments(s.UnitIn)
    @units.response(201, s.UnitOut)
    @units.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> UnitView:
        """Adds a unit (admin)."""
        return services().app.add_unit(current_actor(), **data)


@units.route("/<code>")
class OneUnit(MethodView):
    @units.response(200, s.UnitOut)
    @units.doc(security=BEARER)
    def get(self, code: str) -> UnitView:
        return services().app.get_unit(code)

    @checked_first(lambda actor, code: services().app.check_may_update_unit(actor, code))
    @units.arguments(s.UnitPatch)
    @units.response(200, s.UnitOut)
    @units.doc(security=BEARER)
    def patch(self, data: dict[str, Any], code: str) -> UnitView:
        """Renames, moves (``parent``: with its subtree) or closes and reopens
        (``active``) a unit (admin). A closed unit takes no new problems or
        assignments and keeps its own. Each change is an event with ``reason``."""
        return services().app.update_unit(current_actor(), code, **data)


@users.route("")
class Users(MethodView):
    @users.arguments(s.UserQuery, location="query")
    @users.response(200, s.UserOut(many=True))
    @users.doc(security=BEARER)
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """All accounts (admin, leader)."""
        return services().queries.users(current_actor(), unit=query.get("unit"))

    @_may(MANAGE_USERS)
    @users.arguments(s.UserIn)
    @users.response(201, s.UserOut)
    @users.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> UserView:
        """Creates an account (admin); the password is never returned."""
        return services().app.create_user(current_actor(), **data)


@users.route("/<username>")
class OneUser(MethodView):
    @users.response(200, s.UserOut)
    @users.doc(security=BEARER)
    def get(self, username: str) -> UserView:
        """One account (the user itself, admin, leader)."""
        return services().app.get_user(current_actor(), username)

    @checked_first(lambda actor, username: services().app.check_may_update_user(actor, username))
    @users.arguments(s.UserPatch)
    @users.response(200, s.UserOut)
    @users.doc(security=BEARER)
    def patch(self, data: dict[str, Any], username: str) -> UserView:
        """Changes an account's name, role, unit or password, or deactivates
        (its tokens end) and reactivates it (admin). Role and unit apply from
        the user's next request. Each change is an event with ``reason``."""
        return services().app.update_user(current_actor(), username, **data)


@campaigns.route("")
class Campaigns(MethodView):
    @campaigns.response(200, s.CampaignOut(many=True))
    @campaigns.doc(security=BEARER)
    def get(self) -> list[dict[str, Any]]:
        return services().queries.campaigns()

    @_may(MANAGE_CAMPAIGNS)
    @campaigns.arguments(s.CampaignIn)
    @campaigns.response(201, s.CampaignOut)
    @campaigns.doc(security=BEARER)
    def post(self, data: dict[str, Any]) -> CampaignView:
        """Starts a campaign with its taxonomy (admin)."""
        return services().app.start_campaign(current_actor(), **data)


@campaigns.route("/<code>")
class OneCampaign(MethodView):
    @campaigns.response(200, s.CampaignOut)
    @campaigns.doc(security=BEARER)
    def get(self, code: str) -> CampaignView:
        return services().app.get_campaign(code)

    @checked_first(lambda actor, code: services().app.check_may_update_campaign(actor, code))
    @campaigns.arguments(s.CampaignPatch)
    @campaigns.response(200, s.CampaignOut)
    @campaigns.doc(security=BEARER)
    def patch(self, data: dict[str, Any], code: str) -> CampaignView:
        """Changes the name, the deadline or the taxonomy (admin): ``aspects``
        as when started; new codes are added, names change, an aspect or
        category left out is retired (no new problem may use it; its problems
        keep it). Each change is an event with ``reason``."""
        return services().app.update_campaign(current_actor(), code, **data)
