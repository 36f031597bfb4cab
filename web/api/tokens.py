"""Tokens: exchange a username and password for an API token (rate-limited)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.tokens import IssuedToken
from web.api import schemas as s
from web.api.base import BEARER, RectifyBlueprint
from web.auth import authenticate, current_actor
from web.context import services
from web.sign_in_limit import check_sign_in

tokens = RectifyBlueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens")


@tokens.route("")
class Tokens(MethodView):
    @tokens.arguments(s.TokenRequest)
    @tokens.response(201, s.TokenAnswer)
    @tokens.doc(security=[])
    def post(self, data: dict[str, Any]) -> IssuedToken:
        """Signs in; the token is shown once. Needs no token. At most 10 attempts
        a minute and 100 an hour per username and client address, and 100 a
        minute and 1,000 an hour per client address (429 past it)."""
        check_sign_in(data["username"])
        app = services().app
        actor = app.authenticate(data["username"], data["password"])
        return app.issue_token(actor, actor.username, label="api")

    @tokens.response(200, s.TokenInfo(many=True))
    @tokens.doc(security=BEARER)
    def get(self) -> list[dict[str, Any]]:
        """The caller's live tokens, with when each was last used."""
        authenticate()
        actor = current_actor()
        usage = services().token_usage
        return [
            {"token_id": token_id, "label": label, "last_used_at": usage.last_used(token_id)}
            for token_id, label in services().app.tokens_of(actor, actor.username)
        ]


@tokens.route("/<token_id>")
class OneToken(MethodView):
    @tokens.response(204)
    @tokens.doc(security=BEARER)
    def delete(self, token_id: str) -> None:
        """Revokes one of the caller's own tokens, at once."""
        authenticate()
        actor = current_actor()
        services().app.revoke_token(actor, actor.username, token_id)
