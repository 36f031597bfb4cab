"""The text ``q=`` searches, folded the same way for every database.

SQLite's LIKE ignores case for ASCII letters only and PostgreSQL's not at
all, and neither knows that a composed and a decomposed ``é`` are one
letter. So the projection writes each problem's title and description,
folded here, into ``rm_issues.search``, and a query folds its ``q`` the same
way and matches it there (``queries.py``): the same rows on both databases.

The fold is Unicode's canonical caseless match (``NFD``, case folding,
``NFC``): ``É``, ``é`` and ``e`` + U+0301 are one letter; ``ß`` is ``ss``;
Chinese is unchanged. Compatibility forms (full-width letters, ligatures
other than those case folding expands) stay as written.
"""

from __future__ import annotations

import unicodedata


def search_key(text: str) -> str:
    """``text`` as the search compares it."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())


def searchable(title: str, description: str) -> str:
    """What ``q=`` looks in: the title and the description, a line apart."""
    return search_key(f"{title}\n{description}")
