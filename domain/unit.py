"""An org unit (单位): the city tree plus departments, work groups and the office."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.access import MANAGE_UNITS, check_admin
from domain.actor import Actor
from domain.campaign import check_code
from domain.clock import Timestamped
from domain.errors import InvalidInput
from domain.reason import check_reason
from domain.text import clean_text, id_name
from domain.vocabulary import UnitKind


def unit_id(code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"rectify:unit:{id_name(code)}")


def check_unit_name(name: str) -> str:
    return clean_text(name, "name", limit=100)


class Unit(Aggregate):
    """``path`` lists the codes from the root down to this unit, so subtree
    questions need no walk: ``a`` is within ``b`` when ``b`` is on ``a``'s path.
    When a unit moves, it and every unit below it record the new path
    (:meth:`move`, :meth:`carry`), so each unit's own path is always current.
    A closed unit (``active`` false) takes no new problems or assignments but
    keeps the ones it has."""

    code: str
    name: str
    kind: str
    parent: str | None
    path: tuple[str, ...]
    active: bool

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return unit_id(code)

    class Event(Timestamped, Aggregate.Event):
        actor: dict[str, str]

    class Added(Event, Aggregate.Created):
        code: str
        name: str
        kind: str
        parent: str | None
        path: list[str]

    @classmethod
    def add(cls, actor: Actor, *, code: str, name: str, kind: str, parent: Unit | None) -> Unit:
        """The first unit (the root) has no parent; every other one needs one."""
        check_admin(actor, MANAGE_UNITS)
        code = check_code(code)
        name = check_unit_name(name)
        if parent is not None and not parent.active:
            raise InvalidInput(
                f"unit {parent.code} is closed: no new unit goes under it",
                "parent",
                code="unit_closed",
                params={"unit": parent.code},
            )
        try:
            kind = str(UnitKind(kind))
        except ValueError:
            allowed = ", ".join(k.value for k in UnitKind)
            raise InvalidInput(
                f"kind must be one of {allowed}", "kind", code="invalid_choice", params={"allowed": allowed}
            ) from None
        path = [*parent.path, code] if parent is not None else [code]
        return cls(
            actor=actor.as_record(),
            code=code,
            name=name,
            kind=kind,
            parent=parent.code if parent is not None else None,
            path=path,
        )

    @event(Added)
    def __init__(
        self, *, actor: dict[str, str], code: str, name: str, kind: str, parent: str | None, path: list[str]
    ) -> None:
        self.code = code
        self.name = name
        self.kind = kind
        self.parent = parent
        self.path = tuple(path)
        self.active = True

    def is_within(self, ancestor: str) -> bool:
        return ancestor in self.path

    # -- admin changes: each records who (``actor``) and why (``reason``); a
    # change to what the unit already is records nothing (returns False).
    class Renamed(Event):
        name: str
        reason: str = ""  # added December 2026: older events have none

    def rename(self, actor: Actor, name: str, *, reason: str = "") -> bool:
        check_admin(actor, MANAGE_UNITS)
        name = check_unit_name(name)
        if name == self.name:
            return False
        self._renamed(actor=actor.as_record(), name=name, reason=check_reason(reason))
        return True

    @event(Renamed)
    def _renamed(self, actor: dict[str, str], name: str, reason: str = "") -> None:
        self.name = name

    class Moved(Event):
        """``parent`` and ``path`` after the move. A unit below the one that
        moved records it too, with ``carried_by`` naming that unit (its parent
        stays); the unit that moved has ``carried_by`` empty."""

        parent: str
        path: list[str]
        carried_by: str
        reason: str

    def move(self, actor: Actor, parent: Unit, *, reason: str = "") -> bool:
        """Puts this unit (and so its subtree) under ``parent``: never under
        itself or a unit below it, never under a closed unit; the root stays."""
        check_admin(actor, MANAGE_UNITS)
        if self.parent is None:
            raise InvalidInput("the root unit cannot move", "parent", code="root_cannot_move")
        if parent.code == self.parent:
            return False
        if self.code in parent.path:
            raise InvalidInput(
                f"unit {self.code} cannot move under itself or a unit below it ({parent.code})",
                "parent",
                code="move_under_itself",
                params={"unit": self.code, "parent": parent.code},
            )
        if not parent.active:
            raise InvalidInput(
                f"unit {parent.code} is closed: no unit moves under it",
                "parent",
                code="unit_closed",
                params={"unit": parent.code},
            )
        self._moved(
            actor=actor.as_record(),
            parent=parent.code,
            path=[*parent.path, self.code],
            carried_by="",
            reason=check_reason(reason),
        )
        return True

    def carry(self, actor: Actor, moved: Unit, *, reason: str = "") -> bool:
        """Records the new path of this unit after ``moved``, a unit above it, moved."""
        check_admin(actor, MANAGE_UNITS)
        if moved.code == self.code or moved.code not in self.path:
            return False
        below = self.path[self.path.index(moved.code) + 1 :]
        path = [*moved.path, *below]
        if tuple(path) == self.path:
            return False
        assert self.parent is not None
        self._moved(
            actor=actor.as_record(),
            parent=self.parent,
            path=path,
            carried_by=moved.code,
            reason=check_reason(reason),
        )
        return True

    @event(Moved)
    def _moved(
        self, actor: dict[str, str], parent: str, path: list[str], carried_by: str, reason: str
    ) -> None:
        self.parent = parent
        self.path = tuple(path)

    class Closed(Event):
        reason: str

    def close(self, actor: Actor, *, reason: str = "") -> bool:
        check_admin(actor, MANAGE_UNITS)
        if self.parent is None:
            raise InvalidInput("the root unit cannot be closed", "active", code="root_cannot_close")
        if not self.active:
            return False
        self._closed(actor=actor.as_record(), reason=check_reason(reason))
        return True

    @event(Closed)
    def _closed(self, actor: dict[str, str], reason: str) -> None:
        self.active = False

    class Reopened(Event):
        reason: str

    def reopen(self, actor: Actor, *, reason: str = "") -> bool:
        check_admin(actor, MANAGE_UNITS)
        if self.active:
            return False
        self._reopened(actor=actor.as_record(), reason=check_reason(reason))
        return True

    @event(Reopened)
    def _reopened(self, actor: dict[str, str], reason: str) -> None:
        self.active = True

    def check_open(self, field: str = "unit") -> None:
        """422 when the unit is closed (no new problems or assignments)."""
        if not self.active:
            raise InvalidInput(
                f"unit {self.code} is closed", field, code="unit_closed", params={"unit": self.code}
            )


ORGANISATION_ID: UUID = uuid5(NAMESPACE_URL, "rectify:organisation")


class Organisation(Aggregate):
    """Records which unit is the root, so there is only ever one."""

    root: str

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return ORGANISATION_ID

    class Founded(Timestamped, Aggregate.Created):
        actor: dict[str, str]
        root: str

    @event(Founded)
    def __init__(self, *, actor: dict[str, str], root: str) -> None:
        self.root = root
