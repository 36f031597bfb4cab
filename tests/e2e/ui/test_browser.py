"""The browser-test machinery itself: a real server and Debian's Chromium."""

from __future__ import annotations

from typing import Any

from tests.e2e.ui.conftest import Server


def test_chromium_reaches_the_server(ui_server: Server, page: Any) -> None:
    response = page.goto(ui_server.url("/healthz"))
    assert response is not None and response.status == 200
    assert "ok" in page.inner_text("body")
