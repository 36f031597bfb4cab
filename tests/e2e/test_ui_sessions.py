"""The web UI's sessions, CSRF and security headers, through Flask's test client.

The browser tests (tests/e2e/ui) show the same in Chromium; these pin the
details a browser hides: cookie attributes, the idle timeout, a deactivated
user, the sign-in limit, the headers of every page.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from flask import Flask

from domain.actor import system_actor
from services.bootstrap import Services, build
from services.settings import Settings
from tests.e2e.ui_client import PASSWORD, city, csrf_of, main_of, page_token, sign_in, ui
from tests.support import City, city_clock, in_days, report
from web.app import create_app

__all__ = ["city", "ui"]  # fixtures


def test_anyone_not_signed_in_is_led_to_the_sign_in_page(ui: Flask) -> None:
    client = ui.test_client()
    assert client.get("/").headers["Location"] == "/login"
    r = client.get("/issues")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert 'name="username"' in html and 'name="password"' in html


@pytest.mark.parametrize(
    ("username", "start"),
    [
        ("county-handler", "/inbox"),
        ("reviewer", "/review"),
        ("leader", "/dashboard"),
        ("admin", "/issues"),
        ("inspector", "/report"),
        ("clerk", "/report"),
    ],
)
def test_signing_in_leads_each_role_to_its_start_page(ui: Flask, username: str, start: str) -> None:
    client = ui.test_client()
    status, location = sign_in(client, username)
    assert status == 302
    assert location == start
    assert client.get("/").headers["Location"] == start


def test_the_session_cookie_is_httponly_and_samesite_lax(ui: Flask) -> None:
    client = ui.test_client()
    _, location = sign_in(client, "admin")
    assert location == "/issues"
    cookie = client.get("/issues").headers["Set-Cookie"]
    assert "session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_cookie_is_secure_when_configured(sqlite_settings: Settings, city: City) -> None:
    services = build(replace(sqlite_settings, secure_cookies=True), clock=city_clock())
    try:
        app = create_app(services=services)
        app.config["TESTING"] = True
        client = app.test_client()
        r = client.get("/login", base_url="https://localhost")
        assert "Secure" in r.headers["Set-Cookie"]
    finally:
        services.close()


def test_secure_cookies_and_the_idle_timeout_come_from_the_environment() -> None:
    settings = Settings.from_env({"RECTIFY_SECURE_COOKIES": "1", "RECTIFY_SESSION_IDLE_HOURS": "2"})
    assert settings.secure_cookies is True
    assert settings.session_idle_hours == 2
    assert Settings.from_env({}).secure_cookies is False
    assert Settings.from_env({}).session_idle_hours == 8


def test_a_wrong_password_signs_nobody_in(ui: Flask) -> None:
    client = ui.test_client()
    status, _ = sign_in(client, "admin", "not the password")
    assert status == 200
    assert client.get("/issues").status_code == 302


def test_signing_out_ends_the_session(ui: Flask) -> None:
    client = ui.test_client()
    sign_in(client, "admin")
    assert client.get("/issues").status_code == 200
    token = page_token(client, "/issues")
    assert client.post("/logout", data={"csrf_token": token}).headers["Location"] == "/login"
    assert client.get("/issues").status_code == 302


def test_a_post_without_a_csrf_token_is_400_and_changes_nothing(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    issue = report(sqlite_services, city)
    client = ui.test_client()
    r = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/issues").status_code == 302  # not signed in
    sign_in(client, "admin")
    before = sqlite_services.app.history(city.admin, issue)
    for data in ({"text": "无令牌的评论"}, {"text": "伪造的令牌", "csrf_token": "forged"}):
        r = client.post(f"/issues/{issue}/comment", data=data)
        assert r.status_code == 400
        assert "<html" in r.get_data(as_text=True)  # a page, not the API's JSON
    assert sqlite_services.app.history(city.admin, issue) == before
    # With the page's token the same form is accepted.
    token = page_token(client, f"/issues/{issue}")
    r = client.post(f"/issues/{issue}/comment", data={"text": "有令牌的评论", "csrf_token": token})
    assert r.status_code == 302
    assert len(sqlite_services.app.history(city.admin, issue)) == len(before) + 1


def test_the_api_with_a_bearer_token_needs_no_csrf_token(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    issue = report(sqlite_services, city)
    token = sqlite_services.app.issue_token(system_actor(), "admin").token
    r = ui.test_client().post(
        f"/api/v1/issues/{issue}/comment",
        json={"text": "接口评论"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert "Set-Cookie" not in r.headers


def test_an_idle_session_ends(ui: Flask) -> None:
    client = ui.test_client()
    sign_in(client, "admin")
    with client.session_transaction() as session:
        session["seen"] = time.time() - 7.9 * 3600
    assert client.get("/issues").status_code == 200  # used within 8 hours: kept, and renewed
    with client.session_transaction() as session:
        assert session["seen"] > time.time() - 60
        session["seen"] = time.time() - 8.1 * 3600
    r = client.get("/issues")
    assert r.status_code == 302 and r.headers["Location"] == "/login?expired=1"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/issues").status_code == 302


def test_the_session_cookie_itself_expires_after_the_idle_time(ui: Flask) -> None:
    assert ui.permanent_session_lifetime.total_seconds() == 8 * 3600
    client = ui.test_client()
    sign_in(client, "admin")
    with client.session_transaction() as session:
        assert session.permanent


def test_a_deactivated_user_is_signed_out_at_its_next_request(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    client = ui.test_client()
    sign_in(client, "leader")
    assert client.get("/issues").status_code == 200
    sqlite_services.app.update_user(city.admin, "leader", active=False, reason="调离")
    r = client.get("/issues")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "_user_id" not in session
    sqlite_services.app.update_user(city.admin, "leader", active=True, reason="返岗")
    assert client.get("/issues").status_code == 302  # reactivation does not revive the session


def test_the_sign_in_limit_applies_to_the_login_form(ui: Flask) -> None:
    ui.extensions["sign_in_limit"].enabled = True
    client = ui.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    statuses = [
        client.post(
            "/login", data={"username": "admin", "password": "guess", "csrf_token": token}
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert client.get("/issues").status_code == 302


def test_every_page_has_the_security_headers(ui: Flask, sqlite_services: Services, city: City) -> None:
    issue = report(sqlite_services, city, title='<script>alert(1)</script><img src=x onerror="alert(2)">')
    client = ui.test_client()
    responses = [client.get("/login"), client.get("/assets/css/rectify.css")]
    sign_in(client, "admin")
    responses += [client.get("/issues"), client.get(f"/issues/{issue}"), client.get("/issues/no-such-issue")]
    for r in responses:
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
        r.close()
    page = client.get(f"/issues/{issue}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and 'onerror="alert(2)"' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None  # no inline script at all


def test_a_problem_the_user_may_not_see_is_a_404_page(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    issue = report(sqlite_services, city)
    sqlite_services.app.assign(city.admin, issue, lead="C01", deadline=in_days(20))
    client = ui.test_client()
    sign_in(client, "other-handler")  # handler of county C02
    r = client.get(f"/issues/{issue}")
    assert r.status_code == 404
    assert "<html" in r.get_data(as_text=True)
    assert client.get(f"/issues/{issue}/evidence/anything").status_code == 404
    unknown = client.get("/issues/YC2023-9999")
    assert unknown.status_code == 404
    assert main_of(unknown).replace("YC2023-9999", issue) == main_of(r)  # invisible looks unknown
    client = ui.test_client()
    sign_in(client, "county-handler")
    assert client.get(f"/issues/{issue}").status_code == 200


def test_signing_in_goes_back_to_the_page_asked_for_and_never_to_another_site(ui: Flask) -> None:
    client = ui.test_client()
    first = client.get("/issues?status=assigned")
    assert first.headers["Location"] == "/login?next=/issues?status%3Dassigned"
    for target, landing in (
        ("/issues?status=assigned", "/issues?status=assigned"),
        ("//evil.example/x", "/issues"),
    ):
        client = ui.test_client()
        sign_in(client, "admin")  # gives the password, signs in
        sign_out = client.post("/logout", data={"csrf_token": page_token(client, "/issues")})
        assert sign_out.status_code == 302
        token = csrf_of(client.get(f"/login?next={target}").get_data(as_text=True))
        r = client.post(
            "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token, "next": target}
        )
        assert r.headers["Location"] == landing
