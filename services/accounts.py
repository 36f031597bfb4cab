"""Commands on user accounts, and signing in."""

from __future__ import annotations

from domain.access import MANAGE_USERS, check_admin, check_may_read_user
from domain.actor import Actor
from domain.errors import DomainError, NotFound
from domain.user import User, check_username, user_id
from services.passwords import check_against_nothing, hash_password, password_matches
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
        """Admin (or the command line). The unit must exist and be open."""
        check_admin(actor, MANAGE_USERS)
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

    def get_user(self, actor: Actor, username: str) -> UserView:
        """The user itself, an admin or a leader."""
        check_may_read_user(actor, username)
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
            check_against_nothing(password)  # as slow as a wrong password for a real account
            raise NotAuthenticated("wrong username or password", code="wrong_password") from None
        if not password_matches(user.password_hash, password) or not user.active:
            raise NotAuthenticated("wrong username or password", code="wrong_password")
        return user.as_actor

    @command
    def change_user_role(self, actor: Actor, username: str, *, role: str, unit: str) -> UserView:
        return self.update_user(actor, username, role=role, unit=unit)

    def check_may_update_user(self, actor: Actor, username: str) -> None:
        """The checks before reading a change's input: the user exists (404)
        and the actor may change accounts (403)."""
        self._user(username)
        check_admin(actor, MANAGE_USERS)

    @command
    def update_user(
        self,
        actor: Actor,
        username: str,
        *,
        name: str | None = None,
        role: str | None = None,
        unit: str | None = None,
        password: str | None = None,
        active: bool | None = None,
        reason: str = "",
    ) -> UserView:
        """Admin: any of name, role, unit, password and active; one event per
        change, all saved together; a value the account already has records
        nothing. Role and unit changes apply from the user's next request; a
        deactivated user's tokens end and it can no longer sign in."""

        def attempt() -> UserView:
            user = self._user(username)
            check_admin(actor, MANAGE_USERS)
            new_hash = None
            if password is not None and not password_matches(user.password_hash, password):
                new_hash = hash_password(password)
            if active is True:
                user.reactivate(actor, reason=reason)
            if name is not None:
                user.rename(actor, name=name, reason=reason)
            if role is not None or unit is not None:
                if unit is not None:
                    self._unit(unit, allow_closed=(user.unit,))
                user.change_role(actor, role=role or str(user.role), unit=unit or user.unit, reason=reason)
            if new_hash is not None:
                user.change_password(actor, password_hash=new_hash, reason=reason)
            if active is False:
                user.deactivate(actor, reason=reason)
            self._save(user)
            return UserView.of(user)

        return attempt()  # a lost race runs the whole @command again

    @command
    def change_password(self, actor: Actor, username: str, *, password: str) -> None:
        user = self._user(username)
        user.change_password(actor, password_hash=hash_password(password))
        self._save(user)

    @command
    def deactivate_user(self, actor: Actor, username: str, *, reason: str = "") -> UserView:
        return self.update_user(actor, username, active=False, reason=reason)
