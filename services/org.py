"""Commands on the org tree and on campaigns."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.actor import Actor
from domain.campaign import Campaign, campaign_id
from domain.errors import DomainError, InvalidInput, NotFound
from domain.unit import ORGANISATION_ID, Organisation, Unit, unit_id
from services.store import EventSourcedApp, command
from services.views import CampaignView, UnitView


class OrgCommands(EventSourcedApp):
    @command
    def add_unit(
        self, actor: Actor, *, code: str, name: str, kind: str, parent: str | None = None
    ) -> UnitView:
        """Admin (or the command line). The first unit is the root and has no parent."""
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
        unit = self._find(Unit, unit_id(code))
        if unit is None:
            raise NotFound(f"no unit with code {code!r}", code="unknown_unit", params={"unit": code})
        return UnitView.of(unit)

    def root_unit(self) -> str | None:
        """The code of the root unit, once one was added."""
        org = self._find(Organisation, ORGANISATION_ID)
        return org.root if org else None

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
