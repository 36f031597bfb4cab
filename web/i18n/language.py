"""Which language the caller reads: from ``Accept-Language``, best quality first.

The first acceptable tag (q > 0) whose primary language we speak decides: any
Chinese tag (``zh``, ``zh-CN``, ``zh-Hans``, ``zh-TW``...) means Chinese, any English
one English; ``*``, no header, or only languages we do not speak mean the
default: English for the API (pages, the UI of the next issue, will pass
``default="zh"``). Werkzeug parses the header; its ``best_match`` is not used
because it prefers an exact match of low quality (``en;q=0.5``) over a
primary-language match of the best (``zh-TW``).
"""

from __future__ import annotations

from flask import has_request_context, request

from domain.labels import LANGUAGES, Lang


def request_language(default: Lang = "en") -> Lang:
    """The caller's language; ``default`` when there is no request or no preference."""
    if not has_request_context():
        return default
    for tag, quality in request.accept_languages:  # sorted by quality, best first
        if quality <= 0:
            continue
        if tag == "*":
            return default
        primary = tag.replace("_", "-").split("-")[0].lower()
        for lang in LANGUAGES:
            if primary == lang:
                return lang
    return default
