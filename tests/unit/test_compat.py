"""services/compat.py: Python 3.11's runtime Protocol checks answer the same with the
protocol's members worked out once (the speed is measured in docs/benchmarks.md)."""

from __future__ import annotations

import sys
import typing
from typing import Protocol, runtime_checkable

from services.compat import cache_protocol_members


@runtime_checkable
class HasMutate(Protocol):
    version: int

    def mutate(self, aggregate: object) -> object: ...


class Event:
    version = 1

    def mutate(self, aggregate: object) -> object:
        return aggregate


class NotAnEvent:
    version = 1


class Disabled(Event):
    mutate = None  # type: ignore[assignment]


def test_isinstance_answers_are_unchanged_and_members_are_worked_out_once() -> None:
    cases = [Event(), NotAnEvent(), Disabled(), object(), 3]
    before = [isinstance(c, HasMutate) for c in cases]
    assert before == [True, False, False, False, False]
    patched = cache_protocol_members()
    assert patched == (sys.version_info < (3, 12))
    assert cache_protocol_members() == patched  # idempotent
    assert [isinstance(c, HasMutate) for c in cases] == before
    if patched:
        members = typing._get_protocol_attrs  # type: ignore[attr-defined]
        assert members(HasMutate) == {"version", "mutate"}
        assert members(HasMutate) is members(HasMutate)  # computed once
