"""A rectification campaign (整改行动) with its two-level taxonomy."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.access import MANAGE_CAMPAIGNS, check_admin
from domain.actor import Actor
from domain.clock import Timestamped
from domain.errors import InvalidInput
from domain.reason import check_reason
from domain.taxonomy import aspect_added, aspect_changed, category_added, category_changed, retired
from domain.text import clean_text, id_name, normalise

CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def campaign_id(code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"rectify:campaign:{id_name(code)}")


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
        name = normalise(str(a.get("name", "")), "aspects.name")
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
            cname = normalise(str(c.get("name", "")), "aspects.categories.name")
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


def check_campaign_name(name: str) -> str:
    return clean_text(name, "name", limit=200)


def check_deadline(deadline: date | str) -> date:
    try:
        return deadline if isinstance(deadline, date) else date.fromisoformat(str(deadline))
    except ValueError:
        raise InvalidInput("deadline must be a date YYYY-MM-DD", "deadline", code="invalid_date") from None


class Campaign(Aggregate):
    """Owns the taxonomy and numbers the campaign's issues (its ledger).

    Aspects and categories are never removed: a retired one stays in the
    taxonomy (its problems keep it) but no new problem may use it."""

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
        _check_admin(actor)
        code = check_code(code)
        name = check_campaign_name(name)
        due = check_deadline(deadline)
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

    def _aspect(self, code: str) -> dict[str, Any] | None:
        return next((a for a in self.aspects if a["code"] == code), None)

    def _category(self, code: str) -> dict[str, Any] | None:
        return next((c for a in self.aspects for c in a["categories"] if c["code"] == code), None)

    def check_classification(
        self, aspect: str, category: str, *, kept: tuple[str, str] | None = None
    ) -> None:
        """A new classification must name a live aspect and one of its live
        categories; ``kept`` (a problem's current classification) stays allowed
        even when retired."""
        found = self._aspect(aspect)
        if found is None:
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
        if kept == (aspect, category):
            return
        if retired(found):
            raise InvalidInput(
                f"aspect {aspect!r} is retired: no new problem may use it",
                "aspect",
                code="aspect_retired",
                params={"aspect": aspect},
            )
        if retired(self._category(category) or {}):
            raise InvalidInput(
                f"category {category!r} is retired: no new problem may use it",
                "category",
                code="category_retired",
                params={"category": category},
            )

    # -- admin changes: each records who (``actor``) and why (``reason``); a
    # change to what the campaign already is records nothing.
    class Renamed(Event):
        name: str
        reason: str

    def rename(self, actor: Actor, *, name: str, reason: str = "") -> bool:
        _check_admin(actor)
        name = check_campaign_name(name)
        if name == self.name:
            return False
        self._renamed(actor=actor.as_record(), name=name, reason=check_reason(reason))
        return True

    @event(Renamed)
    def _renamed(self, actor: dict[str, str], name: str, reason: str) -> None:
        self.name = name

    class DeadlineChanged(Event):
        deadline: str
        reason: str

    def change_deadline(self, actor: Actor, *, deadline: date | str, reason: str = "") -> bool:
        _check_admin(actor)
        due = check_deadline(deadline)
        if due == self.deadline:
            return False
        self._deadline_changed(actor=actor.as_record(), deadline=due.isoformat(), reason=check_reason(reason))
        return True

    @event(DeadlineChanged)
    def _deadline_changed(self, actor: dict[str, str], deadline: str, reason: str) -> None:
        self.deadline = date.fromisoformat(deadline)

    class AspectAdded(Event):
        code: str
        name: str
        categories: list[dict[str, Any]]
        reason: str

    @event(AspectAdded)
    def _aspect_added(
        self, actor: dict[str, str], code: str, name: str, categories: list[dict[str, Any]], reason: str
    ) -> None:
        self.aspects = aspect_added(self.aspects, code, name, categories)

    class AspectRenamed(Event):
        code: str
        name: str
        reason: str

    @event(AspectRenamed)
    def _aspect_renamed(self, actor: dict[str, str], code: str, name: str, reason: str) -> None:
        self.aspects = aspect_changed(self.aspects, code, name=name)

    class AspectRetired(Event):
        code: str
        reason: str

    @event(AspectRetired)
    def _aspect_retired(self, actor: dict[str, str], code: str, reason: str) -> None:
        self.aspects = aspect_changed(self.aspects, code, retired=True)

    class AspectRestored(Event):
        code: str
        reason: str

    @event(AspectRestored)
    def _aspect_restored(self, actor: dict[str, str], code: str, reason: str) -> None:
        self.aspects = aspect_changed(self.aspects, code, retired=False)

    class CategoryAdded(Event):
        aspect: str
        code: str
        name: str
        reason: str

    @event(CategoryAdded)
    def _category_added(self, actor: dict[str, str], aspect: str, code: str, name: str, reason: str) -> None:
        self.aspects = category_added(self.aspects, aspect, code, name)

    class CategoryRenamed(Event):
        code: str
        name: str
        reason: str

    @event(CategoryRenamed)
    def _category_renamed(self, actor: dict[str, str], code: str, name: str, reason: str) -> None:
        self.aspects = category_changed(self.aspects, code, name=name)

    class CategoryRetired(Event):
        code: str
        reason: str

    @event(CategoryRetired)
    def _category_retired(self, actor: dict[str, str], code: str, reason: str) -> None:
        self.aspects = category_changed(self.aspects, code, retired=True)

    class CategoryRestored(Event):
        code: str
        reason: str

    @event(CategoryRestored)
    def _category_restored(self, actor: dict[str, str], code: str, reason: str) -> None:
        self.aspects = category_changed(self.aspects, code, retired=False)

    def revise_taxonomy(self, actor: Actor, aspects: list[dict[str, Any]], *, reason: str = "") -> int:
        """Makes the live taxonomy ``aspects`` (as given to :meth:`start`): new
        codes are added, names change, an aspect or category left out is
        retired, and a retired one given again is restored. A category never
        moves to another aspect (its problems name both). Checks everything
        before it records anything; returns how many changes it recorded."""
        _check_admin(actor)
        wanted = check_taxonomy(aspects)
        why = check_reason(reason)
        record = actor.as_record()
        changes: list[tuple[Any, dict[str, Any]]] = []
        for a in wanted:
            current = self._aspect(a["code"])
            for c in a["categories"]:
                owner = self.category_aspect(c["code"])
                if owner is not None and owner != a["code"]:
                    raise InvalidInput(
                        f"category {c['code']} belongs to aspect {owner}: a category cannot move",
                        "aspects",
                        code="category_cannot_move",
                        params={"category": c["code"], "aspect": owner},
                    )
            if current is None:
                changes.append(
                    (
                        self._aspect_added,
                        {"code": a["code"], "name": a["name"], "categories": a["categories"]},
                    )
                )
                continue
            if current["name"] != a["name"]:
                changes.append((self._aspect_renamed, {"code": a["code"], "name": a["name"]}))
            if retired(current):
                changes.append((self._aspect_restored, {"code": a["code"]}))
            kept = {c["code"] for c in a["categories"]}
            for c in a["categories"]:
                existing = self._category(c["code"])
                if existing is None:
                    changes.append(
                        (self._category_added, {"aspect": a["code"], "code": c["code"], "name": c["name"]})
                    )
                    continue
                if existing["name"] != c["name"]:
                    changes.append((self._category_renamed, {"code": c["code"], "name": c["name"]}))
                if retired(existing):
                    changes.append((self._category_restored, {"code": c["code"]}))
            for c in current["categories"]:
                if c["code"] not in kept and not retired(c):
                    changes.append((self._category_retired, {"code": c["code"]}))
        given = {a["code"] for a in wanted}
        for a in self.aspects:
            if a["code"] not in given and not retired(a):
                changes.append((self._aspect_retired, {"code": a["code"]}))
        for record_change, fields in changes:
            record_change(actor=record, reason=why, **fields)
        return len(changes)

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


def _check_admin(actor: Actor) -> None:
    check_admin(actor, MANAGE_CAMPAIGNS)
