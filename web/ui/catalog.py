"""The UI's gettext catalog: ``python -m web.ui.catalog`` extracts every
message of ``web/ui`` (Python and templates), merges them into
``translations/zh/LC_MESSAGES/messages.po`` (new ones untranslated, gone
ones dropped) and compiles ``messages.mo``. Translate what it lists as
missing, then run it again. ``tests/unit/test_ui_catalog.py`` fails while a
message has no Chinese or the compiled catalog is behind the ``.po``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

UI = Path(__file__).parent
PO = UI / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "marked": None}


def extracted() -> Catalog:
    """Every message the UI's code and templates use."""
    catalog = Catalog(locale="zh_Hans_CN", project="rectify", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(UI),
        METHODS,
        OPTIONS,
        KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read() -> Catalog:
    if not PO.exists():
        return Catalog(locale="zh_Hans_CN", project="rectify", fuzzy=False)
    with PO.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN")


def missing(catalog: Catalog) -> list[str]:
    """Messages without a Chinese translation (or only a fuzzy one)."""
    return [
        str(m.id)
        for m in catalog
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    ]


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def update() -> list[str]:
    """Merges the extracted messages into the ``.po``, writes it and the ``.mo``;
    returns the messages still to translate."""
    catalog = read()
    catalog.update(extracted(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)
    MO.write_bytes(compiled(catalog))
    return missing(catalog)


def main() -> int:
    left = update()
    for message in left:
        sys.stderr.write(f"untranslated: {message}\n")
    sys.stderr.write(f"{PO.relative_to(UI.parent.parent)}: {len(left)} untranslated\n")
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
