"""The UI's Chinese catalog is complete and compiled (``python -m web.ui.catalog``)."""

from __future__ import annotations

from babel.messages.mofile import read_mo

from web.ui import catalog


def test_every_message_of_the_ui_has_chinese() -> None:
    po = catalog.read()
    used = {m.id for m in catalog.extracted() if m.id}
    translated = {m.id for m in po if m.id and m.string and not m.fuzzy}
    assert sorted(used - translated) == [], "run python -m web.ui.catalog and translate what it lists"


def test_the_compiled_catalog_is_that_of_the_po() -> None:
    with catalog.MO.open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    written = {m.id: m.string for m in catalog.read() if m.id and m.string and not m.fuzzy}
    assert compiled == written, "run python -m web.ui.catalog to compile messages.mo"
