"""Domain errors. Each says what is wrong in words a user can act on."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every refusal the domain makes."""


class InvalidInput(DomainError):
    """A value is malformed or out of range (HTTP 422)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field or "_": [str(self)]}


class TransitionNotAllowed(DomainError):
    """The lifecycle forbids the command in the current status (HTTP 409)."""

    def __init__(self, action: str, status: str, message: str | None = None) -> None:
        super().__init__(message or f"cannot {action} an issue whose status is {status}")
        self.action = action
        self.status = status


class Forbidden(DomainError):
    """The actor's role or unit may not do this (HTTP 403)."""


class NotFound(DomainError):
    """No such thing, or the actor may not see it (HTTP 404)."""


class AlreadyExists(DomainError):
    """A unique name (unit code, username, campaign code) is taken (HTTP 409)."""


class StaleVersion(DomainError):
    """The command expected another version of the aggregate (HTTP 412)."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, but the current version is {actual}")
        self.expected = expected
        self.actual = actual
