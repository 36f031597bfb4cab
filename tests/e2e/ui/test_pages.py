"""The UI in Chromium: signing in and out, refusals, escaping, languages, console."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.e2e.ui.conftest import Console, Server

#: Han characters and CJK punctuation.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

#: The page's text without user data (marked data-u) and without the
#: language switch, which names each language in itself.
TEXT_OUTSIDE_USER_DATA = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[data-u], [lang]').forEach(e => e.remove());
  copy.querySelectorAll('select').forEach(s => s.querySelectorAll('option[data-u]').forEach(o => o.remove()));
  const attributes = [...copy.querySelectorAll('[title], [placeholder], [aria-label], [alt]')]
    .map(e => [e.title, e.placeholder, e.getAttribute('aria-label'), e.alt].join(' '));
  return copy.innerText + ' ' + attributes.join(' ') + ' ' + document.title;
}"""


def _assigned(server: Server, title: str, lead: str, co: tuple[str, ...] = ()) -> str:
    app = server.services.app
    issue = server.report(title)
    app.assign(
        server.actor("admin"), issue, lead=lead, co=list(co), deadline=app.today() + timedelta(days=20)
    )
    return issue


def test_sign_in_and_out(ui_server: Server, page: Any, console: Console) -> None:
    page.goto(ui_server.url("/"))
    assert page.url.endswith("/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.fill("#username", "admin")
    page.fill("#password", "wrong password")
    page.press("#password", "Enter")
    page.wait_for_load_state()
    assert page.locator(".flash.error").is_visible()
    ui_server.sign_in(page, "admin")
    assert page.url.endswith("/issues")
    assert page.locator("h1").inner_text() == "问题清单"
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()
    assert page.url.endswith("/login")
    page.goto(ui_server.url("/issues"))
    assert "/login" in page.url  # signed out: the list leads back to the sign-in page
    assert console.errors == []


def test_a_form_posted_without_its_csrf_token_is_400_and_records_nothing(
    ui_server: Server, page: Any
) -> None:
    issue = ui_server.report("跨站请求测试问题")
    ui_server.sign_in(page, "admin")
    page.goto(ui_server.url(f"/issues/{issue}"))
    before = len(ui_server.services.app.history(ui_server.actor("admin"), issue))
    page.eval_on_selector("form[action$='/comment'] input[name=csrf_token]", "input => input.remove()")
    page.locator("summary", has_text="评论").click()
    page.fill("#comment-text", "没有令牌的评论")
    with page.expect_response(lambda r: r.url.endswith("/comment")) as answer:
        page.get_by_role("button", name="提交").click()
    assert answer.value.status == 400
    page.wait_for_load_state()
    assert "表单已过期" in page.inner_text("main")
    # A request from elsewhere (no token at all) is refused the same way.
    response = page.request.post(ui_server.url(f"/issues/{issue}/comment"), form={"text": "伪造"})
    assert response.status == 400
    assert len(ui_server.services.app.history(ui_server.actor("admin"), issue)) == before


def test_a_handler_of_another_county_gets_404_for_the_page_and_its_evidence(
    ui_server: Server, page: Any
) -> None:
    issue = _assigned(ui_server, "盐湖区的问题", lead="YH")
    app = ui_server.services.app
    from services.evidence import Upload

    png = (ui_server.services.settings.data_dir / "evidence").glob("**/*")
    photo = next(p for p in png if p.is_file()).read_bytes()
    _, stored = app.attach_evidence_files(
        ui_server.actor("h-yh"), issue, uploads=[Upload("现场.png", photo)], note="照片"
    )
    ui_server.sign_in(page, "h-yj")  # the handler of 永济市
    response = page.goto(ui_server.url(f"/issues/{issue}"))
    assert response.status == 404
    assert "未找到" in page.inner_text("main")
    evidence = page.request.get(ui_server.url(f"/issues/{issue}/evidence/{stored[0]['id']}"))
    assert evidence.status == 404


def test_a_title_with_script_and_onerror_shows_as_text_and_runs_nothing(
    ui_server: Server, page: Any, console: Console
) -> None:
    title = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
    issue = ui_server.report(title, description='<b onmouseover="window.pwned=3">粗体</b>')
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ui_server.sign_in(page, "admin")
    for path in (f"/issues/{issue}", "/issues?q=pwned"):
        page.goto(ui_server.url(path))
        assert title in page.inner_text("main")
        assert page.evaluate("() => window.pwned") is None
        assert page.locator("main img[src=x]").count() == 0
        assert page.locator("main script").count() == 0
    assert dialogs == []
    assert console.errors == []


def test_in_english_the_main_pages_have_no_chinese_outside_user_data(
    ui_server: Server, page: Any, new_page: Any, console: Console
) -> None:
    issue = _assigned(ui_server, "英文界面测试问题", lead="YH")
    ui_server.sign_in(page, "admin")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Problems"
    pages = {
        "admin": ["/issues", f"/issues/{issue}", "/issues?status=assigned&sort=deadline", "/admin/users"]
    }
    pages["admin"] += ["/admin/units", "/admin/users/h-yh", "/admin/units/YH01", "/admin/campaigns"]
    pages["admin"] += ["/admin/campaigns/YC2023", "/extensions"]
    pages["h-yh"] = ["/inbox", f"/issues/{issue}"]
    pages["r-yh"] = ["/review"]
    pages["leader"] = ["/dashboard", "/dashboard?as_of=2026-01-01"]
    pages["inspector1"] = ["/report"]
    for username, paths in pages.items():
        if username != "admin":
            page = new_page(lang="en", base_url=ui_server.base_url)
            ui_server.sign_in(page, username)
        for path in paths:
            page.goto(ui_server.url(path))
            text = page.evaluate(TEXT_OUTSIDE_USER_DATA)
            found = sorted(set(CHINESE.findall(text)))
            assert found == [], f"{path} as {username}: Chinese outside user data: {''.join(found)}"
    page = new_page(lang="en", base_url=ui_server.base_url)
    page.goto(ui_server.url("/login"))
    assert CHINESE.findall(page.evaluate(TEXT_OUTSIDE_USER_DATA)) == []
    assert console.errors == []


def test_the_language_choice_is_remembered_after_signing_out(ui_server: Server, page: Any) -> None:
    ui_server.sign_in(page, "leader")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.locator("h1").inner_text() == "Sign in"
    with page.expect_navigation():
        page.get_by_role("button", name="中文").click()
    assert page.locator("h1").inner_text() == "登录"


def test_no_console_errors_on_the_main_pages(ui_server: Server, new_page: Any, console: Console) -> None:
    issue = _assigned(ui_server, "控制台测试问题", lead="YH", co=("EDU",))
    visits = {
        "admin": ["/issues", f"/issues/{issue}", "/issues?overdue=true&sort=-code&page=2", "/admin/users"],
        "h-yh": ["/inbox", f"/issues/{issue}"],
        "h-edu": ["/inbox"],
        "r-yh": ["/review"],
        "leader": ["/dashboard", "/issues"],
        "inspector1": ["/report"],
    }
    for username, paths in visits.items():
        page = new_page()
        ui_server.sign_in(page, username)
        for path in paths:
            response = page.goto(ui_server.url(path))
            assert response.status == 200, path
    new_page(width=375).goto(ui_server.url("/login"))
    assert console.errors == []
