"""Finding a unit by what a person types: part of its name (盐湖), its code
(YH01), the initials of its name's pinyin (yhq for 盐湖区) or the start of
its full pinyin (yanhu). Names are the read model's (``Queries.units``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin


@dataclass(frozen=True)
class UnitMatch:
    code: str
    name: str
    path: str  # the names from below the root down to the unit, e.g. 盐湖区 / 北城街道
    kind: str


@lru_cache(maxsize=20_000)
def spellings(name: str) -> tuple[str, str]:
    """The pinyin initials and the full pinyin of a name, in lower case (non-Han kept)."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()
    full = "".join(lazy_pinyin(name, errors="default")).lower()
    return initials, full


def _rank(unit: dict[str, Any], text: str) -> int | None:
    """How well ``text`` names the unit (lower is better), None when it does not."""
    name = str(unit["name"])
    code = str(unit["code"]).lower()
    if text in (name, code):
        return 0
    initials, full = spellings(name)
    if name.startswith(text) or code.startswith(text) or initials.startswith(text):
        return 1
    if full.startswith(text):
        return 2
    if text in name or text in initials:
        return 3
    return None


def search_units(
    units: Iterable[dict[str, Any]], text: str, *, limit: int = 12, allowed: Any = None
) -> list[UnitMatch]:
    """The open units ``text`` names, best first, then higher in the tree, then
    by code; ``allowed(code)`` (if given) keeps only units the caller may choose."""
    wanted = text.strip().lower()
    everything = list(units)
    by_code = {u["code"]: u for u in everything}
    found: list[tuple[int, int, str, dict[str, Any]]] = []
    if not wanted:
        return []
    for unit in everything:
        if not unit.get("active", True):
            continue
        rank = _rank(unit, wanted)
        if rank is None or (allowed is not None and not allowed(unit["code"])):
            continue
        found.append((rank, int(unit.get("depth", 0)), str(unit["code"]), unit))
    found.sort(key=lambda f: f[:3])

    def path_of(unit: dict[str, Any]) -> str:
        codes = list(unit.get("path") or [unit["code"]])
        names = [str(by_code[c]["name"]) for c in codes[1:] if c in by_code] or [str(unit["name"])]
        return " / ".join(names)

    return [UnitMatch(u["code"], str(u["name"]), path_of(u), str(u["kind"])) for *_, u in found[:limit]]
