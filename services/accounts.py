"""Commands on user accounts, and signing in."""

from __future__ import annotations

from domain.actor import Actor
from domain.errors import DomainError, NotFound
from domain.user import User, check_username, user_id
from services.passwords import hash_password, password_matches
from services.store import EventSourcedApp, command
from services.views import UserView


class NotAuthenticated(DomainError):
    """Unknown user, wrong password, or a deactivated account (HTTP 401)."""

    default_code = "not_authenticated"


class AccountCommands(EventSourcedApp):
    @command
    def create_user(
        self,
        actor: Actor,
        *,
        username: str,
        role: str,
        unit: str,
        password: str,
        name: str = "",
        password_hash: str | None = None,
    ) -> UserView:
        """Admin (or the command line). The unit must exist."""
        self._unit(unit)
        user = User.create(
            actor,
            username=username,
            name=name,
            role=role,
            unit=unit,
            password_hash=password_hash or hash_password(password),
        )
        self._create(user, f"user {user.username}")
        self._save(user)
        return UserView.of(user)

    def _user(self, username: str) -> User:
        try:
            key = check_username(username)
        except DomainError:
            raise NotFound(
                f"no user {username!r}", code="unknown_user", params={"username": username}
            ) from None
        return self._get(User, user_id(key), f"user {username!r}")

    def get_user(self, username: str) -> UserView:
        return UserView.of(self._user(username))

    def actor_for(self, username: str) -> Actor:
        """The acting identity of an active user (for tokens and sessions)."""
        try:
            user = self._user(username)
        except NotFound:
            raise NotAuthenticated(
                "unknown user", code="unknown_user", params={"username": username}
            ) from None
        if not user.active:
            raise NotAuthenticated("the account is deactivated", code="account_deactivated")
        return user.as_actor

    def authenticate(self, username: str, password: str) -> Actor:
        try:
            user = self._user(username)
        except NotFound:
            raise NotAuthenticated("wrong username or password", code="wrong_password") from None
        if not password_matches(user.password_hash, password) or not user.active:
            raise NotAuthenticated("wrong username or password", code="wrong_password")
        return user.as_actor

    @command
    def change_user_role(self, actor: Actor, username: str, *, role: str, unit: str) -> UserView:
        user = self._user(username)
        self._unit(unit)
        user.change_role(actor, role=role, unit=unit)
        self._save(user)
        return UserView.of(user)

    @command
    def change_password(self, actor: Actor, username: str, *, password: str) -> None:
        user = self._user(username)
        user.change_password(actor, password_hash=hash_password(password))
        self._save(user)

    @command
    def deactivate_user(self, actor: Actor, username: str, *, reason: str = "") -> UserView:
        user = self._user(username)
        user.deactivate(actor, reason=reason)
        self._save(user)
        return UserView.of(user)
