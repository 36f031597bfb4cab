"""Names of units, campaigns, aspects and categories for one page, read once
per request from the read model (``Queries.units``, ``Queries.campaigns``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g

from web.context import services


@dataclass
class Directory:
    units: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]

    def __post_init__(self) -> None:
        self._units = {u["code"]: u for u in self.units}
        self._aspects: dict[tuple[str, str], dict[str, Any]] = {}
        self._categories: dict[tuple[str, str], dict[str, Any]] = {}
        for c in self.campaigns:
            for a in c["aspects"]:
                self._aspects[(c["code"], a["code"])] = a
                for cat in a.get("categories", []):
                    self._categories[(c["code"], cat["code"])] = cat

    def unit(self, code: str | None) -> str:
        """A unit's name (its code when unknown)."""
        if not code:
            return ""
        found = self._units.get(code)
        return str(found["name"]) if found else code

    def unit_path(self, code: str) -> str:
        """The unit with its ancestors below the root, e.g. 盐湖区 / 北城街道."""
        found = self._units.get(code)
        if not found:
            return code
        path = [self.unit(c) for c in found["path"][1:]] or [self.unit(code)]
        return " / ".join(path)

    def campaign(self, code: str) -> str:
        return next((str(c["name"]) for c in self.campaigns if c["code"] == code), code)

    def aspect(self, campaign: str, code: str) -> str:
        found = self._aspects.get((campaign, code))
        return str(found["name"]) if found else code

    def category(self, campaign: str, code: str) -> str:
        found = self._categories.get((campaign, code))
        return str(found["name"]) if found else code

    def aspects_of(self, campaign: str | None, *, current: bool = False) -> list[dict[str, Any]]:
        """The aspects of a campaign (of every campaign when none is given);
        ``current``: only those new problems may use (not retired)."""
        found: dict[str, dict[str, Any]] = {}
        for c in self.campaigns:
            if campaign and c["code"] != campaign:
                continue
            for a in c["aspects"]:
                if current and a.get("retired"):
                    continue
                found.setdefault(a["code"], a)
        return list(found.values())

    def categories_of(self, campaign: str | None, aspect: str | None, *, current: bool = False) -> list[Any]:
        found: dict[str, dict[str, Any]] = {}
        for a in self.aspects_of(campaign, current=current):
            if aspect and a["code"] != aspect:
                continue
            for cat in a.get("categories", []):
                if current and cat.get("retired"):
                    continue
                found.setdefault(cat["code"], cat)
        return list(found.values())


def directory() -> Directory:
    if "ui_directory" not in g:
        queries = services().queries
        g.ui_directory = Directory(queries.units(), queries.campaigns())
    found: Directory = g.ui_directory
    return found
