"""Python 3.11: runtime ``Protocol`` checks at 3.12's cost.

On Python 3.11 every ``isinstance(x, SomeRuntimeProtocol)`` walks the
protocol's MRO again to list its members (``typing._get_protocol_attrs``).
eventsourcing makes such checks for every event it applies and every
aggregate it saves: about 12 µs each here, 1.5 µs with this (the timeit
command is in docs/benchmarks.md). Python 3.12 works out
a protocol's members once; :func:`cache_protocol_members` gives 3.11 the same
by remembering the answer per protocol class (protocol classes are not
changed after they are defined). Called by the composition root; does
nothing on 3.12 and later.
"""

from __future__ import annotations

import functools
import sys
import typing
from collections.abc import Callable
from typing import Any


def cache_protocol_members() -> bool:
    """Returns True when it (now or earlier) replaced the 3.11 function."""
    if sys.version_info >= (3, 12):
        return False
    current: Any = getattr(typing, "_get_protocol_attrs", None)
    if current is None:
        return False
    if getattr(current, "rectify_cached", False):
        return True
    original: Callable[[type], set[str]] = current

    @functools.cache
    def members(cls: type) -> frozenset[str]:
        return frozenset(original(cls))

    members.rectify_cached = True  # type: ignore[attr-defined]
    typing._get_protocol_attrs = members  # type: ignore[attr-defined]
    return True
