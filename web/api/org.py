"""Units, users and campaigns."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from domain.actor import Role
from domain.errors import Forbidden
from services.views import CampaignView, UnitView, UserView
from web.api import schemas as s
from web.api.base import BEARER, protected_blueprint, requires_role
from web.auth import current_actor
from web.context import services

units = protected_blueprint("units", __name__, "/api/v1/units", "Org units (单位)")
users = protected_blueprint("users", __name__, "/api/v1/users", "User accounts")
campaigns = protected_blueprint("campaigns", __name__, "/api/v1/campaigns", "Campaigns (整改行动)")


@units.route("")
class Units(MethodView):
    @units.arguments(s.UnitQuery, location="query")
    @units.response(200, s.UnitOut(many=True))
    @units.doc(security=BEARER)
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """The org tree, root first (anyone signed in)."""
        return services().queries.units(parent=query.get("parent"))

    @requires_role(Role.ADMIN)
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


def _may_list_users() -> None:
    if current_actor().role not in (Role.ADMIN, Role.LEADER):
        raise Forbidden("only admins and leaders list users", code="admins_and_leaders_only")


@users.route("")
class Users(MethodView):
    @users.arguments(s.UserQuery, location="query")
    @users.response(200, s.UserOut(many=True))
    @users.doc(security=BEARER)
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """All accounts (admin, leader)."""
        _may_list_users()
        return services().queries.users(unit=query.get("unit"))

    @requires_role(Role.ADMIN)
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
        actor = current_actor()
        if actor.username != username.lower():
            _may_list_users()
        return services().app.get_user(username)


@campaigns.route("")
class Campaigns(MethodView):
    @campaigns.response(200, s.CampaignOut(many=True))
    @campaigns.doc(security=BEARER)
    def get(self) -> list[dict[str, Any]]:
        return services().queries.campaigns()

    @requires_role(Role.ADMIN)
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
