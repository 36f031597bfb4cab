"""API tokens: random, shown once, kept only as a hash on the user's aggregate.

A token reads ``rt_<user id>_<token id>_<secret>``: the user id finds the
account without any lookup table, the token id names the token for
revocation, and only ``sha256(secret)`` is stored. Every request checks the
user aggregate, so a revoked token or a deactivated user loses access at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

from domain.actor import Actor
from domain.errors import Forbidden
from domain.text import ascii_uuid
from domain.user import User
from services.accounts import AccountCommands, NotAuthenticated
from services.store import command

PREFIX = "rt"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: str
    username: str


class TokenCommands(AccountCommands):
    @command
    def issue_token(self, actor: Actor, username: str, *, label: str = "") -> IssuedToken:
        """The user itself, or an admin (``rectify token`` acts as the system)."""
        user = self._user(username)
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        user.issue_token(actor, token_id=token_id, token_hash=_digest(secret), label=label)
        self._save(user)  # a lost race runs the whole @command again: a new token on a fresh load
        return IssuedToken(f"{PREFIX}_{user.id.hex}_{token_id}_{secret}", token_id, user.username)

    @command
    def revoke_token(self, actor: Actor, username: str, token_id: str) -> None:
        user = self._user(username)
        user.revoke_token(actor, token_id=token_id)
        self._save(user)

    def tokens_of(self, actor: Actor, username: str) -> list[tuple[str, str]]:
        """``(token id, label)`` of a user's live tokens (the user or an admin)."""
        user = self._user(username)
        if actor.user_id != str(user.id) and actor.role.value not in ("admin", "system"):
            raise Forbidden("only the user or an admin lists a user's tokens", code="not_your_tokens")
        return [(token_id, user.token_labels.get(token_id, "")) for token_id in user.active_tokens]

    def _current_user(self, user_id: UUID, *, trusted: bool = True) -> User | None:
        """The user as stored now: from the cache when the user watch knows
        nothing changed since it was last read (and ``trusted``), else read
        from the event store (and then marked)."""
        watch = self.user_watch
        if watch is None:
            return self._peek(User, user_id)
        if trusted and watch.is_current(user_id):
            cache = self.repository.cache
            try:
                cached = cache.get(user_id) if cache is not None else None
            except KeyError:
                cached = None
            if isinstance(cached, User):
                return cached
        epoch = watch.epoch(user_id)
        user = self._peek(User, user_id)
        if user is not None:
            watch.verified(user_id, epoch)
        return user

    def actor_for_token(self, token: str) -> tuple[Actor, str]:
        """The acting user and the token's id; NotAuthenticated otherwise.

        Only an acceptance may come from the watched cache: a refusal is
        always decided on the user read from the store (a token issued a
        moment ago by another process is not yet in this process's cache)."""
        parts = (token or "").strip().split("_", 3)
        if len(parts) != 4 or parts[0] != PREFIX:
            raise NotAuthenticated("malformed token", code="malformed_token")
        _, user_hex, token_id, secret = parts
        try:
            user_id = ascii_uuid(user_hex)
        except ValueError:
            raise NotAuthenticated("malformed token", code="malformed_token") from None
        user = self._current_user(user_id)
        if not _accepts(user, token_id, secret):
            user = self._current_user(user_id, trusted=False)
        if user is None or not _matches(user, token_id, secret):
            raise NotAuthenticated("unknown or revoked token", code="unknown_token")
        if not user.active:
            raise NotAuthenticated("the account is deactivated", code="account_deactivated")
        return user.as_actor, token_id


def _matches(user: User, token_id: str, secret: str) -> bool:
    """The token is one of the user's live tokens."""
    stored = user.active_tokens.get(token_id)
    return stored is not None and hmac.compare_digest(stored, _digest(secret))


def _accepts(user: User | None, token_id: str, secret: str) -> bool:
    return user is not None and user.active and _matches(user, token_id, secret)
