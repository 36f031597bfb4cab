"""A user account. Admin actions on accounts are history too."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.access import MANAGE_USERS, check_admin
from domain.actor import Actor, Role
from domain.clock import Timestamped
from domain.errors import Forbidden, InvalidInput
from domain.reason import check_reason
from domain.text import clean_text, id_name

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
ASSIGNABLE_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)


def user_id(username: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"rectify:user:{id_name(username)}")


def check_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not (2 <= len(username) <= 40) or not set(username) <= USERNAME_CHARS:
        raise InvalidInput(
            "username must be 2 to 40 lower-case letters, digits, '.', '-' or '_'",
            "username",
            code="invalid_username",
        )
    return username


def check_role_name(role: str) -> Role:
    try:
        r = Role(role)
    except ValueError:
        r = Role.SYSTEM
    if r is Role.SYSTEM:
        allowed = ", ".join(r.value for r in ASSIGNABLE_ROLES)
        raise InvalidInput(
            f"role must be one of {allowed}", "role", code="invalid_choice", params={"allowed": allowed}
        ) from None
    return r


def check_user_name(name: str, username: str) -> str:
    """A display name: at most 100 characters; empty means the username."""
    return clean_text(name, "name", limit=100, required=False) or username


def _check_admin(actor: Actor) -> None:
    check_admin(actor, MANAGE_USERS)


class User(Aggregate):
    """The password is kept only as a hash made by the services layer."""

    username: str
    name: str
    role: Role
    unit: str
    password_hash: str
    active: bool
    tokens: dict[str, str]
    token_labels: dict[str, str]

    @staticmethod
    def create_id(username: str, **_: Any) -> UUID:
        return user_id(username)

    @property
    def as_actor(self) -> Actor:
        return Actor(str(self.id), self.username, self.role, self.unit)

    class Event(Timestamped, Aggregate.Event):
        actor: dict[str, str]

    class Registered(Event, Aggregate.Created):
        username: str
        name: str
        role: str
        unit: str
        password_hash: str

    @classmethod
    def create(
        cls, actor: Actor, *, username: str, name: str, role: str, unit: str, password_hash: str
    ) -> User:
        _check_admin(actor)
        username = check_username(username)
        r = check_role_name(role)
        if not unit:
            raise InvalidInput("unit must name the user's unit", "unit", code="field_required")
        return cls(
            actor=actor.as_record(),
            username=username,
            name=check_user_name(name, username),
            role=str(r),
            unit=unit,
            password_hash=password_hash,
        )

    @event(Registered)
    def __init__(
        self, *, actor: dict[str, str], username: str, name: str, role: str, unit: str, password_hash: str
    ) -> None:
        self.username = username
        self.name = name
        self.role = Role(role)
        self.unit = unit
        self.password_hash = password_hash
        self.active = True
        self.tokens = {}
        self.token_labels = {}

    # -- admin changes: each records who (``actor``) and why (``reason``); a
    # change to what the account already is records nothing (returns False).
    class Renamed(Event):
        name: str
        reason: str

    def rename(self, actor: Actor, *, name: str, reason: str = "") -> bool:
        _check_admin(actor)
        name = check_user_name(name, self.username)
        if name == self.name:
            return False
        self._renamed(actor=actor.as_record(), name=name, reason=check_reason(reason))
        return True

    @event(Renamed)
    def _renamed(self, actor: dict[str, str], name: str, reason: str) -> None:
        self.name = name

    # Role and unit change together (one event, as when the account was made).
    class RoleChanged(Event):
        role: str
        unit: str
        reason: str = ""  # added December 2026: older events have none

    def change_role(self, actor: Actor, *, role: str, unit: str, reason: str = "") -> bool:
        _check_admin(actor)
        r = check_role_name(role)
        if not unit:
            raise InvalidInput("unit must name the user's unit", "unit", code="field_required")
        if r is self.role and unit == self.unit:
            return False
        self._role_changed(actor=actor.as_record(), role=str(r), unit=unit, reason=check_reason(reason))
        return True

    @event(RoleChanged)
    def _role_changed(self, actor: dict[str, str], role: str, unit: str, reason: str = "") -> None:
        self.role = Role(role)
        self.unit = unit

    class PasswordChanged(Event):
        password_hash: str
        reason: str = ""  # added December 2026: older events have none

    def change_password(self, actor: Actor, *, password_hash: str, reason: str = "") -> None:
        if actor.user_id != str(self.id):
            _check_admin(actor)
        self._password_changed(
            actor=actor.as_record(), password_hash=password_hash, reason=check_reason(reason)
        )

    @event(PasswordChanged)
    def _password_changed(self, actor: dict[str, str], password_hash: str, reason: str = "") -> None:
        self.password_hash = password_hash

    class Deactivated(Event):
        reason: str

    def deactivate(self, actor: Actor, *, reason: str = "") -> bool:
        """The account can no longer sign in, and every token it had ends
        (a reactivated account signs in again for new ones)."""
        _check_admin(actor)
        if actor.user_id == str(self.id):
            raise InvalidInput(
                "an admin cannot deactivate its own account", "active", code="own_account_deactivation"
            )
        if not self.active:
            return False
        self._deactivated(actor=actor.as_record(), reason=check_reason(reason))
        return True

    @event(Deactivated)
    def _deactivated(self, actor: dict[str, str], reason: str) -> None:
        self.active = False
        self.tokens = {}

    class Reactivated(Event):
        reason: str

    def reactivate(self, actor: Actor, *, reason: str = "") -> bool:
        _check_admin(actor)
        if self.active:
            return False
        self._reactivated(actor=actor.as_record(), reason=check_reason(reason))
        return True

    @event(Reactivated)
    def _reactivated(self, actor: dict[str, str], reason: str) -> None:
        self.active = True

    # -- API tokens: only a hash is kept; revoking one takes effect at once ------
    class TokenIssued(Event):
        token_id: str
        token_hash: str
        label: str

    def issue_token(self, actor: Actor, *, token_id: str, token_hash: str, label: str = "") -> None:
        if actor.user_id != str(self.id):
            _check_admin(actor)
        if not self.active:
            raise Forbidden("the account is deactivated", code="account_deactivated")
        self._token_issued(actor=actor.as_record(), token_id=token_id, token_hash=token_hash, label=label)

    @event(TokenIssued)
    def _token_issued(self, actor: dict[str, str], token_id: str, token_hash: str, label: str) -> None:
        self.tokens = {**self.tokens, token_id: token_hash}
        self.token_labels = {**self.token_labels, token_id: label}

    class TokenRevoked(Event):
        token_id: str

    def revoke_token(self, actor: Actor, *, token_id: str) -> None:
        if actor.user_id != str(self.id):
            _check_admin(actor)
        if token_id not in self.active_tokens:
            return
        self._token_revoked(actor=actor.as_record(), token_id=token_id)

    @event(TokenRevoked)
    def _token_revoked(self, actor: dict[str, str], token_id: str) -> None:
        self.tokens = {k: v for k, v in self.active_tokens.items() if k != token_id}

    @property
    def active_tokens(self) -> dict[str, str]:
        return dict(self.tokens)
