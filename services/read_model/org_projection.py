"""The ``org`` projection: units, users and campaigns.

Units and users are rows of their aggregates' state; a campaign's row is made
from its start and changed by each admin event (``rows.CAMPAIGN_CHANGES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic
from sqlalchemy import Connection

from domain.campaign import Campaign
from domain.unit import Unit
from domain.user import User
from services.read_model import tables as t
from services.read_model.projection import Projection, Replay, aggregate_topics
from services.read_model.rows import OrgRowWriter


class OrgProjection(Projection):
    name = "org"
    #: Bump when one of ``tables`` changes: this projection alone is then rebuilt.
    version = 2  # 2: rm_units.active (units close and reopen)
    tables = (t.units, t.users, t.campaigns)

    def __init__(self, app: Application[UUID], *, cache_size: int = 20_000) -> None:
        self.replay = Replay(app, cache_size=cache_size)
        self.rows = OrgRowWriter()

    @property
    def topics(self) -> Sequence[str]:
        # Campaign numbering events (one per reported problem) change no row.
        campaign = set(aggregate_topics(Campaign)) - {get_topic(Campaign.IssueNumberAllocated)}
        return [*sorted(campaign), *aggregate_topics(Unit, User)]

    def project(self, conn: Connection, events: Sequence[Any]) -> None:
        for event in events:
            if isinstance(event, Campaign.Event):
                self.rows.event(event)
                continue
            _, aggregate = self.replay.apply(event, lambda prior: None)
            self.rows.changed(aggregate)
        self.rows.flush(conn)

    def resumed_elsewhere(self) -> None:
        """Nothing to drop: the replay checks each aggregate's version, and the
        rows keep nothing between batches."""

    def forget(self) -> None:
        self.replay.forget()
        self.rows.forget()
