"""The ``issues`` projection: issues, their scope and state history, letters.

Rows are derived from aggregate state (``rows.py``): each event is replayed
onto its aggregate exactly as the event store does, so the read model can
never disagree with the aggregates about status, deadlines or overdue flags.
It also follows the units, for its own copy of their paths
(``rm_issue_units``): the scope rows need them, and the ``org`` projection
may stand at another position in the log. When a unit moves, the scope rows
and current state rows of the problems in its subtree follow the new tree
(``RowWriter._rescope``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic
from sqlalchemy import Connection

from domain.issue import Issue
from domain.letter import LetterBook
from domain.unit import Unit
from services.read_model import tables as t
from services.read_model.projection import Projection, Replay, aggregate_topics
from services.read_model.rows import RowWriter


class IssueProjection(Projection):
    name = "issues"
    #: Bump when one of ``tables`` changes: this projection alone is then rebuilt.
    # 2: per-assignment overdue and warned; 3: rm_issue_scope flags and copied columns;
    # 4: rm_issues.summary; 5: rm_issues.search
    version = 5
    tables = (t.issues, t.issue_scope, t.issue_states, t.letters, t.issue_units)

    def __init__(self, app: Application[UUID], *, tz: tzinfo, cache_size: int = 20_000) -> None:
        self.replay = Replay(app, cache_size=cache_size)
        self.rows = RowWriter(tz)

    @property
    def topics(self) -> Sequence[str]:
        # Campaign numbering events (one per reported problem) change no row.
        return [get_topic(LetterBook.LetterIssued), *aggregate_topics(Issue, Unit)]

    def project(self, conn: Connection, events: Sequence[Any]) -> None:
        rows = self.rows
        rows.begin(conn)
        for event in events:
            if isinstance(event, LetterBook.LetterIssued):
                rows.event(event)
                continue
            before, aggregate = self.replay.apply(event, rows.state_key)
            rows.changed(aggregate, created=event.originator_version == 1, before=before, at=event.timestamp)
        rows.flush(conn)

    def resumed_elsewhere(self) -> None:
        # A unit may have moved in the batches another runner wrote: the unit
        # paths kept in memory are read again from rm_issue_units.
        self.rows.forget_paths()

    def forget(self) -> None:
        self.replay.forget()
        self.rows.forget()
