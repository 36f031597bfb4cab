"""What every form of the UI shares: marshmallow's messages said in the
user's language, one line each, named by the field."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from web.i18n import validation
from web.ui.i18n import ui_lang


def field_messages(e: ValidationError) -> list[str]:
    """marshmallow's messages in the user's language, one line each, named by
    the field (nested ones by their place: ``aspects 1 categories``)."""
    messages = e.messages if isinstance(e.messages, dict) else {"_": e.messages}
    out: list[str] = []

    def walk(where: list[str], found: Any) -> None:
        if isinstance(found, dict):
            for key, inner in found.items():
                name = str(key + 1) if isinstance(key, int) else field_label(str(key))
                walk([*where, name], inner)
        elif isinstance(found, list):
            for inner in found:
                walk(where, inner)
        else:
            out.append(f"{' '.join(where)}: {found}")

    walk([], validation.translate(messages, ui_lang()))
    return out


def field_label(field: str) -> str:
    labels = {
        "q": _("Search"),
        "as_of": _("As of"),
        "status": _("Status"),
        "campaign": _("Campaign"),
        "aspect": _("Aspect"),
        "category": _("Category"),
        "source": _("Source"),
        "unit": _("Unit"),
        "overdue": _("Overdue"),
        "page": _("Page"),
        "note": _("Note"),
        "summary": _("Summary"),
        "passed": _("Result"),
        "file": _("Files"),
        "title": _("Title"),
        "description": _("Description"),
        "severity": _("Severity"),
        "key": _("Key problem"),
        "discovered_at": _("Discovered on"),
        "deadline": _("Deadline"),
        "reason": _("Reason"),
        "text": _("Comment"),
        "username": _("Username"),
        "password": _("Password"),
        "name": _("Name"),
        "role": _("Role"),
        "code": _("Code"),
        "kind": _("Kind"),
        "parent": _("Parent unit"),
        "active": _("Active"),
        "lead": _("Lead unit"),
        "co": _("Co-units"),
        "measures": _("Required measures"),
        "granted": _("Decision"),
        "duplicate_of": _("Duplicate of"),
        "units": _("Units"),
        "aspects": _("Aspects and categories"),
        "categories": _("its categories"),
        "_": _("Input"),
    }
    return str(labels.get(field, field))
