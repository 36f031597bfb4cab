"""Helpers for the race, crash and outage tests: threads that start together,
outcomes of commands, and the invariants checked after a race.

Kept apart from ``tests/support.py`` (shared by the whole suite) because only
the reliability tests use them (docs/reliability.md, "Races, crashes and
outages").
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import select

from domain.errors import StaleVersion, TransitionNotAllowed
from domain.issue import Issue
from domain.lifecycle import TRANSITIONS, Status
from services.bootstrap import Services

THREADS = 16
#: A JSON-lines file the reliability tests append their figures to (docs/reliability.md).
FIGURES = os.environ.get("RECTIFY_RELIABILITY_FIGURES", "")


@dataclass(frozen=True)
class Outcome:
    """What one command got: ``ok``, ``409``, ``412`` or anything else (a failure)."""

    tag: str
    answer: str
    detail: str = ""


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def run(self, tag: str, command: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Runs ``command(*args, **kwargs)``, tagged ``tag``, and records how it was answered."""
        try:
            command(*args, **kwargs)
        except TransitionNotAllowed as e:
            self.add(Outcome(tag, "409", str(e)))
            return False
        except StaleVersion as e:
            self.add(Outcome(tag, "412", str(e)))
            return False
        except Exception as e:  # anything else is what the race tests look for
            self.add(Outcome(tag, "error", f"{type(e).__name__}: {e}"))
            return False
        self.add(Outcome(tag, "ok"))
        return True

    def counts(self) -> Counter[str]:
        return Counter(o.answer for o in self.outcomes)

    def accepted(self) -> set[str]:
        return {o.tag for o in self.outcomes if o.answer == "ok"}

    def refused(self) -> set[str]:
        return {o.tag for o in self.outcomes if o.answer in ("409", "412")}

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.answer not in ("ok", "409", "412")]


def together(work: Callable[[int], None], threads: int = THREADS, *, timeout_s: float = 300) -> None:
    """Runs ``work(i)`` in ``threads`` threads released at the same moment;
    re-raises the first exception a thread let escape."""
    barrier = threading.Barrier(threads)
    escaped: list[BaseException] = []

    def body(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as e:  # reported below, in the test's thread
            escaped.append(e)

    started = [threading.Thread(target=body, args=(i,), name=f"race-{i}") for i in range(threads)]
    for th in started:
        th.start()
    for th in started:
        th.join(timeout_s)
    assert not any(th.is_alive() for th in started), "a racing thread did not finish"
    if escaped:
        raise escaped[0]


def tags_in(value: Any) -> Iterable[str]:
    """Every string inside an event's data (the tests tag commands by their texts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from tags_in(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from tags_in(v)


def recorded_tags(s: Services, issue_ids: Iterable[str | UUID], prefix: str) -> Counter[str]:
    """How often each tag starting with ``prefix`` was recorded in the issues' events."""
    found: Counter[str] = Counter()
    for issue_id in issue_ids:
        for event in s.app.events_of(UUID(str(issue_id))):
            data = {k: v for k, v in vars(event).items() if k != "actor"}
            found.update({tag for tag in tags_in(data) if tag.startswith(prefix)})
    return found


#: For each status, the statuses one command may lead to (domain/lifecycle.py).
ALLOWED_NEXT: dict[Status, set[Status]] = {}
for _row in TRANSITIONS.values():
    for _before, _after in _row.items():
        ALLOWED_NEXT.setdefault(_before, set()).add(_after)


def check_lifecycle(s: Services, issue_id: str | UUID) -> Issue:
    """The issue's events have versions 1..n, and each step of its status is
    one the transition table allows. Returns the replayed issue."""
    issue: Any = None
    for n, event in enumerate(s.app.events_of(UUID(str(issue_id))), start=1):
        assert event.originator_version == n, f"version {event.originator_version} at position {n}"
        before = None if issue is None else issue.status
        issue = event.mutate(issue)
        if before is not None and issue.status != before:
            assert issue.status in ALLOWED_NEXT.get(before, set()), (
                f"{type(event).__name__}: {before} -> {issue.status} is not in the transition table"
            )
    assert isinstance(issue, Issue)
    return issue


def dump_read_model(s: Services) -> dict[str, list[tuple[str, ...]]]:
    """Every read table, rows sorted, for whole-table comparison."""
    with s.reader.connect() as conn:
        return {
            table.name: sorted(tuple(repr(v) for v in row) for row in conn.execute(select(table)))
            for runner in s.projector.runners.values()
            for table in runner.projection.tables
        }


def assert_read_model_equals_a_rebuild(s: Services) -> dict[str, list[tuple[str, ...]]]:
    s.projector.catch_up()
    followed = dump_read_model(s)
    s.projector.rebuild()
    rebuilt = dump_read_model(s)
    for name in followed:
        assert followed[name] == rebuilt[name], f"{name} differs from a rebuild"
    return rebuilt


def figures_name() -> str:
    """The running test's id (``PYTEST_CURRENT_TEST``), e.g. ``test_x.py::test_y[sqlite]``."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "?")
    return current.rsplit("/", 1)[-1].split(" ")[0]


def record_figures(test: str, **figures: Any) -> None:
    """Appends one test's figures (commands raced, conflicts, faults, lost,
    server errors) to :data:`FIGURES`, when set."""
    if FIGURES:
        with Path(FIGURES).open("a", encoding="utf-8") as out:
            out.write(json.dumps({"test": test, **figures}, ensure_ascii=False) + "\n")


def race_figures(tally: Tally, *, lost_races: int | None = None) -> dict[str, Any]:
    counts = tally.counts()
    figures: dict[str, Any] = {
        "commands": len(tally.outcomes),
        "accepted": counts["ok"],
        "refused_409": counts["409"],
        "refused_412": counts["412"],
        "server_errors": len(tally.failures()),
    }
    if lost_races is not None:
        figures["lost_races_retried"] = lost_races
    return figures
