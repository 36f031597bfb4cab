"""Stored events are never renamed: their topics are pinned here.

A failing test means an event class was renamed or moved. Either put the old
name back, or register the old topic (``eventsourcing.utils.register_topic``)
and write an upcaster, then add the new topic below.
"""

from __future__ import annotations

import re

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic, resolve_topic

from domain.campaign import Campaign
from domain.issue import Issue
from domain.letter import LetterBook
from domain.unit import Organisation, Unit
from domain.user import User

PINNED = {
    "domain.campaign:Campaign.IssueNumberAllocated",
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
    "domain.unit:Unit.Renamed",
    "domain.user:User.Registered",
    "domain.user:User.Deactivated",
    "domain.user:User.PasswordChanged",
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
