"""axe-core (vendored from npm, injected by the test) finds no serious or
critical violation on the main pages, in Chinese and in English, at 375 px
and 1,280 px."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.ui.conftest import Server

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


def violations(page: Any) -> list[str]:
    """Serious and critical violations of the page (WCAG 2.1 A and AA rules)."""
    page.evaluate(AXE)
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))
            .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.help + ' @ '
                 + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""
    )
    return list(found)


@pytest.mark.parametrize(("width", "lang"), [(1280, "zh"), (375, "en")])
def test_the_main_pages_have_no_serious_accessibility_violation(
    ui_server: Server, browser: Any, width: int, lang: str
) -> None:
    app = ui_server.services.app
    issue = ui_server.report("无障碍测试问题")
    app.assign(ui_server.actor("admin"), issue, lead="YH", deadline=app.today() + timedelta(days=2))
    visits = {
        "": ["/login"],
        "admin": ["/issues", f"/issues/{issue}", "/admin/users", "/admin/units", "/admin/campaigns/YC2023"],
        "h-yh": ["/inbox", f"/issues/{issue}"],
        "r-yh": ["/review"],
        "inspector1": ["/report"],
        "leader": ["/dashboard"],
    }
    found: dict[str, list[str]] = {}
    for username, paths in visits.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        context.add_cookies([{"name": "rectify_lang", "value": lang, "url": ui_server.base_url}])
        page = context.new_page()
        try:
            if username:
                ui_server.sign_in(page, username)
            for path in paths:
                page.goto(ui_server.url(path))
                problems = violations(page)
                if problems:
                    found[f"{path} as {username or 'nobody'}"] = problems
        finally:
            context.close()
    assert found == {}
