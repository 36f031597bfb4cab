"""An org unit (单位): the city tree plus departments, work groups and the office."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor, Role
from domain.campaign import check_code
from domain.clock import Timestamped
from domain.errors import Forbidden, InvalidInput
from domain.vocabulary import UnitKind


def unit_id(code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"rectify:unit:{code}")


class Unit(Aggregate):
    """``path`` lists the codes from the root down to this unit, so subtree
    questions need no walk: ``a`` is within ``b`` when ``b`` is on ``a``'s path."""

    code: str
    name: str
    kind: str
    parent: str | None
    path: tuple[str, ...]

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
        if actor.role not in (Role.ADMIN, Role.SYSTEM):
            raise Forbidden("only an admin adds units", code="admin_only")
        code = check_code(code)
        name = (name or "").strip()
        if not name:
            raise InvalidInput("name must not be empty", "name", code="field_required")
        if len(name) > 100:
            raise InvalidInput(
                "name has at most 100 characters", "name", code="too_long", params={"limit": 100}
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

    def is_within(self, ancestor: str) -> bool:
        return ancestor in self.path

    class Renamed(Event):
        name: str

    def rename(self, actor: Actor, name: str) -> None:
        if actor.role not in (Role.ADMIN, Role.SYSTEM):
            raise Forbidden("only an admin renames units", code="admin_only")
        name = (name or "").strip()
        if not name:
            raise InvalidInput("name must not be empty", "name", code="field_required")
        self._renamed(actor=actor.as_record(), name=name)

    @event(Renamed)
    def _renamed(self, actor: dict[str, str], name: str) -> None:
        self.name = name


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
