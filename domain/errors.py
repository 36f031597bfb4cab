"""Domain errors. Each says what is wrong in words a user can act on.

Every error carries a stable ``code`` (``transition_not_allowed``,
``field_required``, ...) and ``params``, a dict of plain values (strings,
numbers, lists of them), so that the web layer can say it in the caller's
language (``web/i18n``). ``str(error)`` stays the English sentence, for logs and
the command line. A raise site that names no finer code gets its class's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """Base class of every refusal the domain makes."""

    default_code: ClassVar[str] = "domain_error"

    def __init__(
        self, message: str = "", *, code: str | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code: str = code or self.default_code
        self.params: dict[str, Any] = dict(params or {})


class InvalidInput(DomainError):
    """A value is malformed or out of range (HTTP 422); ``field`` names it."""

    default_code = "invalid_input"

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, params={"field": field or "_", **(params or {})})
        self.field = field

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field or "_": [str(self)]}


class TransitionNotAllowed(DomainError):
    """The lifecycle forbids the command in the current status (HTTP 409)."""

    default_code = "transition_not_allowed"

    def __init__(
        self,
        action: str,
        status: str,
        message: str | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            message or f"cannot {action} an issue whose status is {status}",
            code=code,
            params={"action": str(action), "status": str(status), **(params or {})},
        )
        self.action = action
        self.status = status


class Forbidden(DomainError):
    """The actor's role or unit may not do this (HTTP 403)."""

    default_code = "forbidden"


class NotFound(DomainError):
    """No such thing, or the actor may not see it (HTTP 404)."""

    default_code = "not_found"


class AlreadyExists(DomainError):
    """A unique name (unit code, username, campaign code) is taken (HTTP 409)."""

    default_code = "already_exists"


class StaleVersion(DomainError):
    """The command expected another version of the aggregate (HTTP 412)."""

    default_code = "stale_version"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"expected version {expected}, but the current version is {actual}",
            params={"expected": expected, "actual": actual},
        )
        self.expected = expected
        self.actual = actual
