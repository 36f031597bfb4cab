"""Typed values the services return; the web layer turns them into JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.campaign import Campaign
from domain.issue import Issue
from domain.unit import Unit
from domain.user import User


@dataclass(frozen=True)
class AssignmentView:
    unit: str
    role: str
    deadline: date
    overdue: bool = False  # open, and this deadline has been recorded missed
    warned: bool = False  # open, and this deadline's warning has been recorded


@dataclass(frozen=True)
class IssueView:
    id: str
    code: str
    campaign: str
    number: int
    title: str
    description: str
    source: str
    aspect: str
    category: str
    severity: str
    key: bool
    unit: str
    status: str
    assignments: tuple[AssignmentView, ...]
    lead: str | None
    deadline: date | None
    overdue: bool
    measures: str
    discovered_at: date
    reported_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    version: int
    reported_by: dict[str, str]
    pending_extension: dict[str, Any] | None
    pending_dispute: dict[str, str] | None
    evidence: tuple[dict[str, Any], ...]
    discovery_evidence: tuple[dict[str, Any], ...]
    letters: tuple[dict[str, Any], ...]
    duplicate_of: str | None
    rejection_reason: str | None

    @classmethod
    def of(cls, issue: Issue) -> IssueView:
        return cls(
            id=str(issue.id),
            code=issue.code,
            campaign=issue.campaign,
            number=issue.number,
            title=issue.title,
            description=issue.description,
            source=issue.source,
            aspect=issue.aspect,
            category=issue.category,
            severity=issue.severity,
            key=issue.key,
            unit=issue.unit,
            status=str(issue.status),
            assignments=tuple(
                AssignmentView(a.unit, a.role, a.deadline, issue.is_overdue(a), issue.is_warned(a))
                for a in issue.assignments
            ),
            lead=issue.lead,
            deadline=issue.deadline,
            overdue=issue.overdue,
            measures=issue.measures,
            discovered_at=issue.discovered_at,
            reported_at=issue.created_on,
            closed_at=issue.closed_at,
            updated_at=issue.modified_on,
            version=issue.version,
            reported_by=dict(issue.reported_by),
            pending_extension=dict(issue.pending_extension) if issue.pending_extension else None,
            pending_dispute=dict(issue.pending_dispute) if issue.pending_dispute else None,
            evidence=tuple(dict(e) for e in issue.evidence),
            discovery_evidence=tuple(dict(e) for e in issue.discovery_evidence),
            letters=tuple(dict(x) for x in issue.letters),
            duplicate_of=issue.duplicate_of,
            rejection_reason=issue.rejection_reason,
        )


@dataclass(frozen=True)
class UnitView:
    code: str
    name: str
    kind: str
    parent: str | None
    path: tuple[str, ...]
    active: bool

    @classmethod
    def of(cls, unit: Unit) -> UnitView:
        return cls(unit.code, unit.name, unit.kind, unit.parent, tuple(unit.path), unit.active)


@dataclass(frozen=True)
class UserView:
    id: str
    username: str
    name: str
    role: str
    unit: str
    active: bool

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(str(user.id), user.username, user.name, str(user.role), user.unit, user.active)


@dataclass(frozen=True)
class CampaignView:
    code: str
    name: str
    deadline: date
    aspects: tuple[dict[str, Any], ...]
    issues_numbered: int

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignView:
        return cls(
            campaign.code,
            campaign.name,
            campaign.deadline,
            tuple(campaign.aspects),
            campaign.issues_numbered,
        )


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    type: str
    at: datetime
    actor: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
