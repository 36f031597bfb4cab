"""Browser tests: Playwright drives Debian's Chromium against a real server.

The server is the app ``create_app`` builds, served by werkzeug in a thread
on a free port, on a small demo city (``rectify demo``'s) in a temporary
SQLite store; the browser is ``/usr/bin/chromium`` (``make test`` installs
it with apt: ``.ci/ensure-browser``). Without it these tests skip, except
under ``CI=true``, where they fail. Every test of this folder runs in one
xdist group, so one worker holds the server and the browser.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from services.bootstrap import Services, build
from services.demo import play_demo
from services.demo.city import PASSWORD
from services.settings import Settings
from tests.support import in_ci
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
#: Problems in the demo city of the browser tests (small: the city plays in about a second).
DEMO_SIZE = 40


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@dataclass
class Server:
    base_url: str
    services: Services
    logins: dict[str, str]  # role or username -> username, from the demo's logins
    password: str = PASSWORD
    _server: BaseWSGIServer | None = field(default=None, repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("ui-city")
    settings = Settings(data_dir=data_dir, secret_key="browser-tests-" + "k" * 32)
    logins = play_demo(settings, size=DEMO_SIZE, seed=9)
    services = build(settings)
    services.init()
    app = create_app(services=services)
    app.extensions["sign_in_limit"].enabled = False  # tests sign in often; the limit has its own test
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ui-server", daemon=True)
    thread.start()
    names: dict[str, str] = {}
    for role, username, _ in logins:
        names.setdefault(role, username)
        names[username] = username
    try:
        yield Server(f"http://127.0.0.1:{server.server_port}", services, names, _server=server)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        services.close()


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: run .ci/ensure-browser (make test does)"
    if in_ci():
        pytest.fail(message + " (CI is set: browser tests never skip)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


class Console:
    """What a page said on its console, and the errors it raised."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Any, console: Console) -> Iterator[Any]:
    """A fresh browser context (no cookies) and a page in it, 1280 px wide."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    console.attach(new_page)
    try:
        yield new_page
    finally:
        context.close()
