"""A campaign's taxonomy after one change: one rule for the ``Campaign``
aggregate and for the read model, which applies the same change to its row.

An aspect is ``{code, name, categories: [{code, name}]}``; a retired aspect or
category has ``"retired": True`` (entries of older events have no such key:
not retired).
"""

from __future__ import annotations

from typing import Any


def retired(entry: dict[str, Any]) -> bool:
    return bool(entry.get("retired", False))


def _with_entry(entry: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = {**entry, **changes}
    if not changed.get("retired", False):
        changed.pop("retired", None)
    return changed


def aspect_added(
    aspects: list[dict[str, Any]], code: str, name: str, categories: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return [*aspects, {"code": code, "name": name, "categories": [dict(c) for c in categories]}]


def aspect_changed(aspects: list[dict[str, Any]], code: str, **changes: Any) -> list[dict[str, Any]]:
    return [_with_entry(a, **changes) if a["code"] == code else a for a in aspects]


def category_added(aspects: list[dict[str, Any]], aspect: str, code: str, name: str) -> list[dict[str, Any]]:
    return [
        {**a, "categories": [*a["categories"], {"code": code, "name": name}]} if a["code"] == aspect else a
        for a in aspects
    ]


def category_changed(aspects: list[dict[str, Any]], code: str, **changes: Any) -> list[dict[str, Any]]:
    return [
        {**a, "categories": [_with_entry(c, **changes) if c["code"] == code else c for c in a["categories"]]}
        for a in aspects
    ]
