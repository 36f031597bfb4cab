"""Stored events are never renamed: their topics are pinned here.

A failing test means an event class was renamed or moved. Either put the old
name back, or register the old topic (``eventsourcing.utils.register_topic``)
and write an upcaster, then add the new topic below.
"""

from __future__ import annotations

import json
import re
from typing import Any

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic, resolve_topic

from domain.campaign import Campaign
from domain.issue import Issue
from domain.letter import LetterBook
from domain.unit import Organisation, Unit
from domain.user import User

PINNED = {
    "domain.campaign:Campaign.AspectAdded",
    "domain.campaign:Campaign.AspectRenamed",
    "domain.campaign:Campaign.AspectRestored",
    "domain.campaign:Campaign.AspectRetired",
    "domain.campaign:Campaign.CategoryAdded",
    "domain.campaign:Campaign.CategoryRenamed",
    "domain.campaign:Campaign.CategoryRestored",
    "domain.campaign:Campaign.CategoryRetired",
    "domain.campaign:Campaign.DeadlineChanged",
    "domain.campaign:Campaign.IssueNumberAllocated",
    "domain.campaign:Campaign.Renamed",
    "domain.campaign:Campaign.Started",
    "domain.issue:Issue.Assigned",
    "domain.issue:Issue.AssignmentDisputed",
    "domain.issue:Issue.CommentAdded",
    "domain.issue:Issue.DeadlineMissed",
    "domain.issue:Issue.DeadlineWarned",
    "domain.issue:Issue.DiscoveryEvidenceAttached",
    "domain.issue:Issue.EvidenceAttached",
    "domain.issue:Issue.ExtensionGranted",
    "domain.issue:Issue.ExtensionRefused",
    "domain.issue:Issue.ExtensionRequested",
    "domain.issue:Issue.MergedAsDuplicate",
    "domain.issue:Issue.ProgressReported",
    "domain.issue:Issue.Reassigned",
    "domain.issue:Issue.Reclassified",
    "domain.issue:Issue.Rejected",
    "domain.issue:Issue.Reopened",
    "domain.issue:Issue.Reported",
    "domain.issue:Issue.Submitted",
    "domain.issue:Issue.SupervisionLetterIssued",
    "domain.issue:Issue.VerificationFailed",
    "domain.issue:Issue.VerificationPassed",
    "domain.letter:LetterBook.LetterIssued",
    "domain.letter:LetterBook.Opened",
    "domain.unit:Organisation.Founded",
    "domain.unit:Unit.Added",
    "domain.unit:Unit.Closed",
    "domain.unit:Unit.Moved",
    "domain.unit:Unit.Renamed",
    "domain.unit:Unit.Reopened",
    "domain.user:User.Registered",
    "domain.user:User.Deactivated",
    "domain.user:User.PasswordChanged",
    "domain.user:User.Reactivated",
    "domain.user:User.Renamed",
    "domain.user:User.RoleChanged",
    "domain.user:User.TokenIssued",
    "domain.user:User.TokenRevoked",
}

# Base classes and the library's default "Created" are not events we record.
NOT_RECORDED = {"Event", "Created"}


def recorded_event_topics() -> set[str]:
    topics = set()
    for aggregate in (Issue, Campaign, Unit, Organisation, User, LetterBook):
        for name, value in vars(aggregate).items():
            if name in NOT_RECORDED:
                continue
            if isinstance(value, type) and issubclass(value, CanMutateAggregate):
                topics.add(get_topic(value))
    return topics


def test_every_event_topic_is_pinned_and_none_went_missing() -> None:
    assert recorded_event_topics() == PINNED


def test_every_pinned_topic_still_resolves() -> None:
    for topic in PINNED:
        cls = resolve_topic(topic)
        assert get_topic(cls) == topic


def test_event_names_are_past_tense() -> None:
    for topic in PINNED:
        name = topic.rsplit(".", 1)[1]
        words = re.findall(r"[A-Z][a-z]*", name)
        assert any(w.endswith("ed") for w in words), name


def test_events_stored_before_reason_was_added_still_load() -> None:
    """``reason`` was added to these events in December 2026 with a default:
    an event stored without it loads and replays."""
    from eventsourcing.application import Application
    from eventsourcing.persistence import StoredEvent

    from domain.actor import system_actor

    app: Application[Any] = Application()
    sys = system_actor()
    unit = Unit.add(sys, code="C", name="运城市", kind="city", parent=None)
    user = User.create(sys, username="wang", name="王", role="clerk", unit="C", password_hash="h")
    unit.rename(sys, "运城", reason="r")
    user.change_role(sys, role="handler", unit="C", reason="r")
    user.change_password(sys, password_hash="h2", reason="r")
    for event in [*unit.collect_events(), *user.collect_events()]:
        stored = app.mapper.to_stored_event(event)
        if event.originator_version > 1:
            state = json.loads(stored.state)
            assert state.pop("reason") == "r"
            stored = StoredEvent(
                stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode()
            )
        app.recorder.insert_events([stored])
    assert app.repository.get(unit.id).name == "运城"
    loaded = app.repository.get(user.id)
    assert (loaded.role, loaded.password_hash) == ("handler", "h2")
    assert [getattr(e, "reason", None) for e in app.events.get(user.id)][1:] == ["", ""]
