"""Who is calling: the bearer token on every API request (401 otherwise)."""

from __future__ import annotations

from flask import g, request

from domain.actor import Actor
from services.accounts import NotAuthenticated
from web.context import services


def authenticate() -> None:
    """Runs before every protected API view; sets ``g.actor``."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("send Authorization: Bearer <token>", code="token_required")
    actor, token_id = services().app.actor_for_token(token.strip())
    services().token_usage.touch(token_id)
    g.actor = actor
    g.token_id = token_id


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor
