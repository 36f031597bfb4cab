"""A rectification campaign (整改行动) with its two-level taxonomy."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor, Role
from domain.clock import Timestamped
from domain.errors import Forbidden, InvalidInput

CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def campaign_id(code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"rectify:campaign:{code}")


def check_code(code: str, field: str = "code", limit: int = 40) -> str:
    code = (code or "").strip()
    if not code or len(code) > limit or not set(code) <= CODE_CHARS | {"-"}:
        raise InvalidInput(
            f"{field} must be 1 to {limit} letters, digits, '-' or '_'",
            field,
            code="invalid_code",
            params={"limit": limit},
        )
    return code


def check_taxonomy(aspects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{code, name, categories: [{code, name}]}]``; codes unique, names given."""
    if not aspects:
        raise InvalidInput("a campaign needs at least one aspect", "aspects", code="aspects_required")
    seen_aspects: set[str] = set()
    seen_categories: set[str] = set()
    clean = []
    for a in aspects:
        code = check_code(str(a.get("code", "")), "aspects.code")
        name = str(a.get("name", "")).strip()
        if not name:
            raise InvalidInput(
                f"aspect {code} needs a name",
                "aspects.name",
                code="aspect_name_required",
                params={"aspect": code},
            )
        if code in seen_aspects:
            raise InvalidInput(
                f"aspect code {code} appears twice",
                "aspects.code",
                code="duplicate_aspect",
                params={"aspect": code},
            )
        seen_aspects.add(code)
        categories = []
        for c in a.get("categories") or []:
            ccode = check_code(str(c.get("code", "")), "aspects.categories.code")
            cname = str(c.get("name", "")).strip()
            if not cname:
                raise InvalidInput(
                    f"category {ccode} needs a name",
                    "aspects.categories.name",
                    code="category_name_required",
                    params={"category": ccode},
                )
            if ccode in seen_categories:
                raise InvalidInput(
                    f"category code {ccode} appears twice",
                    "aspects.categories.code",
                    code="duplicate_category",
                    params={"category": ccode},
                )
            seen_categories.add(ccode)
            categories.append({"code": ccode, "name": cname})
        if not categories:
            raise InvalidInput(
                f"aspect {code} needs at least one category",
                "aspects.categories",
                code="categories_required",
                params={"aspect": code},
            )
        clean.append({"code": code, "name": name, "categories": categories})
    return clean


class Campaign(Aggregate):
    """Owns the taxonomy and numbers the campaign's issues (its ledger)."""

    code: str
    name: str
    deadline: date
    aspects: list[dict[str, Any]]
    issues_numbered: int

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return campaign_id(code)

    class Event(Timestamped, Aggregate.Event):
        actor: dict[str, str]

    class Started(Event, Aggregate.Created):
        code: str
        name: str
        deadline: str
        aspects: list[dict[str, Any]]

    @classmethod
    def start(
        cls, actor: Actor, *, code: str, name: str, deadline: date | str, aspects: list[dict[str, Any]]
    ) -> Campaign:
        if actor.role not in (Role.ADMIN, Role.SYSTEM):
            raise Forbidden("only an admin starts a campaign", code="admin_only")
        code = check_code(code)
        name = (name or "").strip()
        if not name:
            raise InvalidInput("name must not be empty", "name", code="field_required")
        try:
            due = deadline if isinstance(deadline, date) else date.fromisoformat(str(deadline))
        except ValueError:
            raise InvalidInput(
                "deadline must be a date YYYY-MM-DD", "deadline", code="invalid_date"
            ) from None
        return cls(
            actor=actor.as_record(),
            code=code,
            name=name,
            deadline=due.isoformat(),
            aspects=check_taxonomy(aspects),
        )

    @event(Started)
    def __init__(
        self, *, actor: dict[str, str], code: str, name: str, deadline: str, aspects: list[dict[str, Any]]
    ) -> None:
        self.code = code
        self.name = name
        self.deadline = date.fromisoformat(deadline)
        self.aspects = aspects
        self.issues_numbered = 0

    def category_aspect(self, category: str) -> str | None:
        for a in self.aspects:
            if any(c["code"] == category for c in a["categories"]):
                return str(a["code"])
        return None

    def check_classification(self, aspect: str, category: str) -> None:
        if not any(a["code"] == aspect for a in self.aspects):
            raise InvalidInput(
                f"aspect {aspect!r} is not in campaign {self.code}",
                "aspect",
                code="unknown_aspect",
                params={"aspect": aspect, "campaign": self.code},
            )
        if self.category_aspect(category) != aspect:
            raise InvalidInput(
                f"category {category!r} is not in aspect {aspect}",
                "category",
                code="unknown_category",
                params={"category": category, "aspect": aspect},
            )

    # Numbering is an event of its own so that two reports can never take the
    # same number: the second save fails on the campaign's version and retries.
    class IssueNumberAllocated(Event):
        number: int

    def allocate_issue_number(self, actor: Actor) -> int:
        self._issue_number_allocated(actor=actor.as_record(), number=self.issues_numbered + 1)
        return self.issues_numbered

    @event(IssueNumberAllocated)
    def _issue_number_allocated(self, actor: dict[str, str], number: int) -> None:
        self.issues_numbered = number
