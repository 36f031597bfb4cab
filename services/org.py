"""Commands on the org tree and on campaigns."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.utils import get_topic

from domain.access import MANAGE_CAMPAIGNS, MANAGE_UNITS, check_admin
from domain.actor import Actor
from domain.campaign import Campaign, campaign_id
from domain.errors import DomainError, InvalidInput, NotFound
from domain.unit import ORGANISATION_ID, Organisation, Unit, unit_id
from services.store import EventSourcedApp, command
from services.views import CampaignView, UnitView

#: The events that place a unit in the tree (read to find the units below one).
_PLACING = (get_topic(Unit.Added), get_topic(Unit.Moved))
_PAGE = 10_000


class OrgCommands(EventSourcedApp):
    def check_admin_action(self, actor: Actor, action: str) -> None:
        """403 unless the actor may take an administrative action
        (``domain.access.ADMIN_ACTIONS``); the HTTP layer asks before it reads a body."""
        check_admin(actor, action)

    @command
    def add_unit(
        self, actor: Actor, *, code: str, name: str, kind: str, parent: str | None = None
    ) -> UnitView:
        """Admin (or the command line). The first unit is the root and has no parent."""
        check_admin(actor, MANAGE_UNITS)
        parent_unit = self._unit(parent, "parent") if parent else None
        unit = Unit.add(actor, code=code, name=name, kind=kind, parent=parent_unit)
        self._create(unit, f"unit {unit.code}")
        if parent_unit is not None:
            self._save(unit)
        elif self.root_unit() is not None:
            raise InvalidInput("the root unit exists already: give a parent", "parent", code="root_exists")
        else:
            self._save(Organisation(actor=actor.as_record(), root=unit.code), unit)
        return UnitView.of(unit)

    def get_unit(self, code: str) -> UnitView:
        return UnitView.of(self._existing_unit(code))

    def _existing_unit(self, code: str) -> Unit:
        unit = self._find(Unit, unit_id(code)) if code else None
        if unit is None:
            raise NotFound(f"no unit with code {code!r}", code="unknown_unit", params={"unit": code})
        return unit

    def root_unit(self) -> str | None:
        """The code of the root unit, once one was added."""
        org = self._find(Organisation, ORGANISATION_ID)
        return org.root if org else None

    def check_may_update_unit(self, actor: Actor, code: str) -> None:
        """The checks before reading a change's input: 404, then 403."""
        self._existing_unit(code)
        check_admin(actor, MANAGE_UNITS)

    @command
    def update_unit(
        self,
        actor: Actor,
        code: str,
        *,
        name: str | None = None,
        parent: str | None = None,
        active: bool | None = None,
        reason: str = "",
    ) -> UnitView:
        """Admin: rename, move (``parent``) and close or reopen (``active``) a
        unit; one event per change, saved together with the new path of every
        unit below a moved one. A value the unit already has records nothing."""

        def attempt() -> UnitView:
            unit = self._existing_unit(code)
            check_admin(actor, MANAGE_UNITS)
            changed: list[Unit] = [unit]
            if active is True:
                unit.reopen(actor, reason=reason)
            if name is not None:
                unit.rename(actor, name, reason=reason)
            if parent is not None:
                target = self._find(Unit, unit_id(parent)) if parent else None
                if target is None:
                    raise InvalidInput(
                        f"no unit with code {parent!r}",
                        "parent",
                        code="unknown_unit",
                        params={"unit": parent},
                    )
                if unit.move(actor, target, reason=reason):
                    for below in self._units_below(unit.code):
                        if below.carry(actor, unit, reason=reason):
                            changed.append(below)
            if active is False:
                unit.close(actor, reason=reason)
            self._save(*changed)
            return UnitView.of(unit)

        return attempt()  # a lost race runs the whole @command again

    def _units_below(self, code: str) -> list[Unit]:
        """Every unit below ``code``, from the events that placed each unit
        (the event log, not the read model: the decision is the aggregates')."""
        parents: dict[str, str | None] = {}
        start = 0
        while True:
            page = self.recorder.select_notifications(
                start=start, limit=_PAGE, topics=_PLACING, inclusive_of_start=False
            )
            for n in page:
                event: Any = self.mapper.to_domain_event(n)
                parents[event.code if isinstance(event, Unit.Added) else _code_of(event)] = event.parent
            if len(page) < _PAGE:
                break
            start = page[-1].id
        children: dict[str | None, list[str]] = {}
        for child, parent in parents.items():
            children.setdefault(parent, []).append(child)
        below: list[Unit] = []
        todo = list(children.get(code, []))
        while todo:
            found = self._find(Unit, unit_id(todo.pop()))
            if found is not None and code in found.path:
                below.append(found)
                todo.extend(children.get(found.code, []))
        return below

    @command
    def start_campaign(
        self, actor: Actor, *, code: str, name: str, deadline: date | str, aspects: list[dict[str, Any]]
    ) -> CampaignView:
        """Admin. Aspects are ``[{code, name, categories: [{code, name}]}]``."""
        campaign = Campaign.start(actor, code=code, name=name, deadline=deadline, aspects=aspects)
        self._create(campaign, f"campaign {campaign.code}")
        self._save(campaign)
        return CampaignView.of(campaign)

    def get_campaign(self, code: str) -> CampaignView:
        return CampaignView.of(self._campaign(code, missing=NotFound))

    def check_may_update_campaign(self, actor: Actor, code: str) -> None:
        """The checks before reading a change's input: 404, then 403."""
        self._campaign(code, missing=NotFound)
        check_admin(actor, MANAGE_CAMPAIGNS)

    @command
    def update_campaign(
        self,
        actor: Actor,
        code: str,
        *,
        name: str | None = None,
        deadline: date | str | None = None,
        aspects: list[dict[str, Any]] | None = None,
        reason: str = "",
    ) -> CampaignView:
        """Admin: the name, the deadline and the taxonomy (``aspects`` as when
        started: new codes are added, names change, left-out ones are
        retired); one event per change, saved together."""

        def attempt() -> CampaignView:
            campaign = self._campaign(code, missing=NotFound)
            check_admin(actor, MANAGE_CAMPAIGNS)
            if name is not None:
                campaign.rename(actor, name=name, reason=reason)
            if deadline is not None:
                campaign.change_deadline(actor, deadline=deadline, reason=reason)
            if aspects is not None:
                campaign.revise_taxonomy(actor, aspects, reason=reason)
            self._save(campaign)
            return CampaignView.of(campaign)

        return attempt()  # a lost race runs the whole @command again

    def _campaign(self, code: str, *, missing: type[DomainError] = InvalidInput) -> Campaign:
        found = self._find(Campaign, campaign_id(code)) if code else None
        if found is None:
            if missing is InvalidInput:
                raise InvalidInput(
                    f"no campaign with code {code!r}",
                    "campaign",
                    code="unknown_campaign",
                    params={"campaign": code},
                )
            raise missing(
                f"no campaign with code {code!r}", code="unknown_campaign", params={"campaign": code}
            )
        return found


def _code_of(moved: Any) -> str:
    """A unit's code from its ``Moved`` event (the last entry of its path)."""
    return str(moved.path[-1])
