"""Values through the web UI's forms (issue 8, group B): an HTML form sends
text, the API's schemas it is parsed by take JSON values; the UI says which
booleans its buttons mean, and reads a page's version in ASCII digits only."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from services.bootstrap import Services
from tests.e2e.ui_client import city, page_token, sign_in, ui
from tests.support import City, report

__all__ = ["city", "ui"]  # fixtures


def post(client: object, issue: str, name: str, **data: object) -> object:
    token = page_token(client, f"/issues/{issue}")  # type: ignore[arg-type]
    return client.post(f"/issues/{issue}/{name}", data={"csrf_token": token, **data})  # type: ignore[attr-defined]


def test_the_pass_and_return_buttons_are_booleans(ui: Flask, sqlite_services: Services, city: City) -> None:
    app = sqlite_services.app
    returned, closed = report(sqlite_services, city), report(sqlite_services, city)
    for issue in (returned, closed):
        app.assign(city.admin, issue, lead="C01", deadline=app.today() + timedelta(days=5))
        app.submit(city.county_handler, issue, summary="整改完成")
    reviewer = ui.test_client()
    sign_in(reviewer, "reviewer")
    assert post(reviewer, returned, "verify", passed="false", note="不达标").status_code == 302  # type: ignore[attr-defined]
    assert post(reviewer, closed, "verify", passed="true").status_code == 302  # type: ignore[attr-defined]
    assert app.get_issue(city.admin, returned).status == "assigned"
    assert app.get_issue(city.admin, closed).status == "closed"
    # Any other word is no answer: refused with the field named, nothing recorded.
    before = len(app.history(city.admin, returned))
    r = post(reviewer, returned, "verify", passed="yes")
    assert r.status_code == 302  # type: ignore[attr-defined]
    assert len(app.history(city.admin, returned)) == before


def test_a_version_in_other_digits_is_no_version(ui: Flask, sqlite_services: Services, city: City) -> None:
    app = sqlite_services.app
    issue = report(sqlite_services, city)
    app.assign(city.admin, issue, lead="C01", deadline=app.today() + timedelta(days=5))
    handler = ui.test_client()
    sign_in(handler, "county-handler")
    for version in ("²", "١", "1" * 5000):
        r = post(handler, issue, "progress", note="进展", version=version)
        assert r.status_code == 302, r.get_data(as_text=True)  # type: ignore[attr-defined]
