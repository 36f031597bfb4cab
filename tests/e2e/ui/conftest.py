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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from domain.actor import Actor
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

    def actor(self, username: str) -> Actor:
        return self.services.app.actor_for(username)

    def sign_in(self, page: Any, username: str, *, password: str | None = None) -> None:
        """Signs in through the form, as a person would."""
        page.goto(self.url("/login"))
        page.fill("#username", username)
        page.fill("#password", password or self.password)
        with page.expect_navigation():
            page.press("#password", "Enter")

    def report(self, title: str = "村内道路破损未修复", *, unit: str = "YH0101", **fields: Any) -> str:
        """A problem reported by the demo's inspector (through the services)."""
        campaign = self.services.queries.campaigns()[0]
        aspect = campaign["aspects"][0]
        values: dict[str, Any] = {
            "campaign": campaign["code"],
            "title": title,
            "description": "浏览器测试登记的问题。",
            "source": "flying",
            "aspect": aspect["code"],
            "category": aspect["categories"][0]["code"],
            "severity": "general",
            "unit": unit,
            **fields,
        }
        return self.services.app.report_issue(self.actor("inspector1"), **values).id


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
def new_page(browser: Any, console: Console) -> Iterator[Callable[..., Any]]:
    """Opens a page in a browser context of its own (its own cookies: one
    person at one browser), 1280 px wide unless told; ``lang`` sets the
    language cookie as the language switch would."""
    contexts: list[Any] = []

    def open_page(*, width: int = 1280, lang: str | None = None, base_url: str | None = None) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        if lang is not None and base_url is not None:
            context.add_cookies([{"name": "rectify_lang", "value": lang, "url": base_url}])
        opened = context.new_page()
        console.attach(opened)
        return opened

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A page in a fresh browser context (no cookies), 1280 px wide."""
    return new_page()
