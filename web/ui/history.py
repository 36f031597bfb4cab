"""A problem's history as a timeline for people: each fact with who (role,
unit), when, why, and for the facts that change fields, the old value and
the new one. The facts are the services' (``Rectify.history``); this module
only follows them in order to know what each field was before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from domain.labels import label
from domain.vocabulary import Severity
from services.views import HistoryEntry
from web.ui.i18n import ui_lang
from web.ui.names import Directory

#: The texts an event carries that say why or what (shown as they were written).
TEXTS = ("reason", "note", "summary", "text", "measures")


@dataclass(frozen=True)
class Change:
    what: str
    old: str
    new: str


@dataclass(frozen=True)
class Step:
    entry: HistoryEntry
    title: str  # the event's label, or 批示 for a leader's instruction
    instruction: bool
    changes: list[Change] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _units(assignments: list[dict[str, Any]], names: Directory) -> str:
    parts = []
    for a in assignments:
        role = _("lead") if a.get("role") == "lead" else _("co")
        parts.append(f"{names.unit(a['unit'])} ({role}, {a.get('deadline', '')})")
    return "; ".join(parts)


def timeline(history: list[HistoryEntry], names: Directory, campaign: str) -> list[Step]:
    """The steps of a history, oldest first, each with what it changed."""
    from domain.labels import event_label

    lang = ui_lang()
    state: dict[str, Any] = {}
    steps: list[Step] = []
    for entry in history:
        data = entry.data
        changes: list[Change] = []
        if entry.type == "Reported":
            state.update({k: data.get(k) for k in ("aspect", "category", "severity", "key")})
        elif entry.type == "Reclassified":
            shown: dict[str, tuple[str, Callable[[Any], str]]] = {
                "aspect": (_("Aspect"), lambda v: names.aspect(campaign, v)),
                "category": (_("Category"), lambda v: names.category(campaign, v)),
                "severity": (_("Severity"), lambda v: label(v, lang, Severity)),
                "key": (_("Key problem"), lambda v: _("yes") if v else _("no")),
            }
            for key, (what, say) in shown.items():
                if key in data and data[key] != state.get(key):
                    changes.append(Change(what, say(state.get(key)), say(data[key])))
                    state[key] = data[key]
        elif entry.type in ("Assigned", "Reassigned"):
            before = state.get("assignments") or []
            after = data.get("assignments") or []
            if before != after:
                changes.append(Change(_("Assignments"), _units(before, names), _units(after, names)))
            state["assignments"] = after
        elif entry.type == "ExtensionGranted" and data.get("previous_deadline"):
            old, new = str(data["previous_deadline"]), str(data.get("deadline", ""))
            changes.append(Change(_("Deadline"), old, new))
        elif entry.type == "Reopened" and data.get("deadline"):
            changes.append(Change(_("Deadline"), "", str(data["deadline"])))
        instruction = entry.type == "CommentAdded" and bool(data.get("instruction"))
        steps.append(
            Step(
                entry=entry,
                title=_("Leader's instruction") if instruction else event_label(f"Issue.{entry.type}", lang),
                instruction=instruction,
                changes=changes,
                texts=[str(data[k]) for k in TEXTS if data.get(k)],
                files=[str(f.get("name", "")) for f in data.get("files") or []],
            )
        )
    return steps
