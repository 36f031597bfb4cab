"""Every enumeration value and every event type has a Chinese and an English label.

The enumerations and the aggregates are found by walking ``domain/``, so adding
an enumeration, a value or an event without its labels fails here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from enum import StrEnum
from types import ModuleType

from eventsourcing.domain import Aggregate, CanMutateAggregate

import domain
from domain.access import ROLE_ACTIONS
from domain.actor import Role
from domain.labels import (
    ENUM_LABELS,
    EVENT_LABELS,
    LANGUAGES,
    OTHER_ACTIONS,
    action_label,
    event_label,
    label,
)
from domain.lifecycle import Action, Status
from domain.vocabulary import Source, UnitKind

CHINESE = re.compile(r"[\u4e00-\u9fff]")
NOT_RECORDED = {"Event", "Created"}


def domain_modules() -> list[ModuleType]:
    return [importlib.import_module(f"domain.{m.name}") for m in pkgutil.iter_modules(domain.__path__)]


def domain_enums() -> set[type[StrEnum]]:
    return {
        value
        for module in domain_modules()
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, StrEnum) and value.__module__.startswith("domain.")
    }


def domain_event_types() -> set[str]:
    found = set()
    for module in domain_modules():
        for aggregate in vars(module).values():
            if (
                not (isinstance(aggregate, type) and issubclass(aggregate, Aggregate))
                or aggregate is Aggregate
            ):
                continue
            for name, value in vars(aggregate).items():
                if (
                    name not in NOT_RECORDED
                    and isinstance(value, type)
                    and issubclass(value, CanMutateAggregate)
                ):
                    found.add(f"{aggregate.__name__}.{name}")
    return found


def test_the_walk_finds_the_enumerations_and_events() -> None:
    # The checks below must see what they check.
    assert {Status, Role, Source, UnitKind} <= domain_enums()
    assert {"Issue.Reported", "User.Registered", "LetterBook.LetterIssued"} <= domain_event_types()


def test_every_enumeration_value_has_both_labels() -> None:
    missing = []
    for enum in domain_enums():
        labels = ENUM_LABELS.get(enum, {})
        for member in enum:
            found = labels.get(member.value)
            if found is None or not found.zh or not found.en:
                missing.append(f"{enum.__name__}.{member.name}")
            elif not CHINESE.search(found.zh):
                missing.append(f"{enum.__name__}.{member.name} (zh label is not Chinese)")
    assert missing == []
    # And no label for a value that does not exist.
    assert {(e, v) for e, labels in ENUM_LABELS.items() for v in labels} == {
        (e, m.value) for e in ENUM_LABELS for m in e
    }


def test_every_event_type_has_both_labels() -> None:
    events = domain_event_types()
    assert set(EVENT_LABELS) == events
    for name in events:
        zh, en = EVENT_LABELS[name]
        assert CHINESE.search(zh) and en, name


def test_a_value_is_labelled_within_its_enumeration() -> None:
    assert label(Source.DEPARTMENT, "zh") == "行业部门督导"
    assert label(UnitKind.DEPARTMENT, "zh") == "行业部门"
    assert label("department", "en", UnitKind) == "department"
    assert label("department", "en", Source) == "department supervision"
    assert label(Status.CLOSED, "zh") == "已销号" and label(Status.CLOSED, "en") == "closed"
    assert label("nonsense", "zh", Status) == "nonsense"  # unknown: shown as it is
    assert [event_label("Issue.Assigned", lang) for lang in LANGUAGES] == ["交办", "assigned"]


def test_everything_a_role_may_do_has_both_labels() -> None:
    actions = {str(a) for allowed in ROLE_ACTIONS.values() for a in allowed}
    labelled = {m.value for m in Action} | set(OTHER_ACTIONS)
    assert actions - labelled == set()
    assert action_label("report", "zh") == "登记问题" and action_label("assign", "en") == "assign"
