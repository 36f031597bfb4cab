"""The UI's language: Simplified Chinese unless the user picks English.

Page texts are gettext messages (Flask-Babel; English in the templates,
Chinese in ``translations/zh``: ``python -m web.ui.catalog`` extracts, merges
and compiles them). Enumerations, event types and error messages keep their
one home: ``domain/labels.py`` and ``web/i18n/messages.py``, asked with the
UI's language. The choice is kept in a cookie for a year, so it outlasts the
session; dates and times are shown in ``RECTIFY_TIMEZONE``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_timezone
from jinja2 import pass_context

from domain.actor import Role
from domain.deadlines import Light
from domain.labels import LANGUAGES, Lang, action_label, event_label, label
from domain.lifecycle import Action, Status
from domain.vocabulary import Severity, Source, UnitKind
from services.settings import Settings
from web.i18n.messages import render

COOKIE = "rectify_lang"
DEFAULT: Lang = "zh"
TRANSLATIONS = Path(__file__).parent / "translations"

#: The Babel locale and the HTML ``lang`` of each language.
LOCALES: dict[Lang, str] = {"zh": "zh_Hans_CN", "en": "en"}
HTML_LANG: dict[Lang, str] = {"zh": "zh-CN", "en": "en"}
#: What the language switch offers, each in its own language.
NAMES: dict[Lang, str] = {"zh": "中文", "en": "English"}

#: Enumerations templates name by a short word: ``value|label("status")``.
KINDS: dict[str, type[StrEnum]] = {
    "status": Status,
    "source": Source,
    "severity": Severity,
    "role": Role,
    "kind": UnitKind,
    "action": Action,
    "light": Light,
}


def marked(text: str) -> str:
    """Marks ``text`` as a message for the catalog, to be translated later (gettext's ``N_``)."""
    return text


def ui_lang() -> Lang:
    """The language of this request's pages: the cookie's, else Chinese."""
    if has_request_context():
        chosen = request.cookies.get(COOKIE, "")
        for lang in LANGUAGES:
            if chosen == lang:
                return lang
    return DEFAULT


def _locale() -> str:
    return LOCALES[ui_lang()]


def install(app: Flask, settings: Settings) -> None:
    app.config.update(
        BABEL_DEFAULT_LOCALE=LOCALES[DEFAULT],
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
    )
    Babel(
        app,
        locale_selector=_locale,
        timezone_selector=lambda: settings.timezone,
        default_translation_directories=str(TRANSLATIONS),
    )
    env = app.jinja_env
    # Filters that take the context are never folded into a template as constants,
    # which would freeze the language of the request that compiled it.
    env.filters["label"] = pass_context(lambda _, value, kind: label_of(value, kind))
    env.filters["event"] = pass_context(lambda _, event_type: event_label(event_type, ui_lang()))
    env.filters["instant"] = instant
    env.filters["day"] = day
    env.globals["ui_lang"] = ui_lang
    env.globals["html_lang"] = lambda: HTML_LANG[ui_lang()]
    env.globals["languages"] = NAMES


def label_of(value: Any, kind: str) -> str:
    """An enumeration's value in the UI's language (``domain/labels.py``)."""
    if kind == "action":
        return action_label(str(value), ui_lang())
    return label(str(value), ui_lang(), KINDS[kind])


def message(code: str, params: dict[str, Any] | None = None, fallback: str = "domain_error") -> str:
    """An error's sentence in the UI's language (``web/i18n/messages.py``)."""
    return render(code, params or {}, ui_lang(), fallback=fallback)


def instant(value: datetime | str | None) -> str:
    """An instant as ``2026-06-01 14:05`` in ``RECTIFY_TIMEZONE``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return babel_format_datetime(value, "yyyy-MM-dd HH:mm", tzinfo=get_timezone(), locale=_locale())


def day(value: date | str | None) -> str:
    if value is None or value == "":
        return ""
    return value if isinstance(value, str) else value.isoformat()


def timezone_name() -> str:
    tz: str = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return tz
