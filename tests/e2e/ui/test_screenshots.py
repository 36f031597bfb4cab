"""Screenshots of the main pages for the README, saved only when asked:
``RECTIFY_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/e2e/ui/test_screenshots.py``
(each run's dates differ, so an ordinary run leaves the repository alone)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.ui.conftest import Server

TARGET = os.environ.get("RECTIFY_SCREENSHOTS", "")


@pytest.mark.skipif(not TARGET, reason="set RECTIFY_SCREENSHOTS=<folder> to save the README's screenshots")
def test_save_screenshots_of_the_main_pages(ui_server: Server, new_page: Any) -> None:
    folder = Path(TARGET)
    folder.mkdir(parents=True, exist_ok=True)
    app = ui_server.services.app
    issue = ui_server.report("盐湖区北城街道示范村危房改造未完成", severity="serious", key=True)
    app.assign(
        ui_server.actor("admin"),
        issue,
        lead="YH",
        co=["HOU"],
        deadline=app.today() + timedelta(days=2),
        measures="限期完成改造，落实资金，验收后销号。",
    )
    app.report_progress(ui_server.actor("h-yh"), issue, note="已完成房屋鉴定，施工队进场。")
    shots = [
        ("", "/login", "login", 1280),
        ("admin", "/issues", "list", 1280),
        ("admin", f"/issues/{issue}", "problem", 1280),
        ("h-yh", "/inbox", "inbox-phone", 375),
        ("inspector1", "/report", "report-phone", 375),
        ("r-yh", "/review", "review", 1280),
        ("leader", "/dashboard", "dashboard", 1280),
    ]
    for username, path, name, width in shots:
        page = new_page(width=width)
        if username:
            ui_server.sign_in(page, username)
        page.goto(ui_server.url(path))
        page.screenshot(path=str(folder / f"{name}.png"), full_page=width < 1000)
