"""The UI's pages through Flask's test client: the list's filters and sorting,
the report form's pickers, type-ahead, duplicate hint and refusals."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask

from services.bootstrap import Services
from tests.e2e.ui_client import city, page_token, sign_in, ui
from tests.support import City, report

__all__ = ["city", "ui"]  # fixtures


def codes_on(html: str) -> list[str]:
    return re.findall(r'<span class="code">([^<]+)</span>', html)


def test_the_list_applies_every_filter_of_the_api_and_keeps_them_in_its_links(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    first = report(sqlite_services, city, title="危房改造未完成")
    report(sqlite_services, city, title="控辍保学不到位", aspect="A01", category="A01C01", source="household")
    third = report(
        sqlite_services, city, title="产业项目闲置", aspect="A02", category="A02C01", unit="C02T1V1"
    )
    app.assign(city.admin, first, lead="C01", deadline=app.today() + timedelta(days=9))
    app.assign(city.admin, third, lead="D01", deadline=app.today() + timedelta(days=3))
    client = ui.test_client()
    sign_in(client, "admin")

    def codes(query: str) -> list[str]:
        r = client.get(f"/issues?{query}")
        assert r.status_code == 200
        return codes_on(r.get_data(as_text=True))

    assert codes("") == ["YC2023-0003", "YC2023-0002", "YC2023-0001"]
    assert codes("status=assigned") == ["YC2023-0003", "YC2023-0001"]
    assert codes("unit=C02") == ["YC2023-0003"]
    assert codes("unit=D01") == ["YC2023-0003"]  # an assignee's subtree counts too
    assert codes("campaign=YC2023&aspect=A01") == ["YC2023-0002", "YC2023-0001"]
    assert codes("category=A01C01") == ["YC2023-0002"]
    assert codes("source=household") == ["YC2023-0002"]
    assert codes("overdue=false&status=assigned") == ["YC2023-0003", "YC2023-0001"]
    assert codes("overdue=true") == []
    assert codes("q=产业") == ["YC2023-0003"]
    assert codes("sort=deadline") == ["YC2023-0003", "YC2023-0001", "YC2023-0002"]
    assert codes("sort=code") == ["YC2023-0001", "YC2023-0002", "YC2023-0003"]
    html = client.get("/issues?status=assigned&q=改造&sort=deadline").get_data(as_text=True)
    assert (
        'href="/issues?q=%E6%94%B9%E9%80%A0&amp;status=assigned&amp;sort=code"' in html
    )  # sorting keeps the filters
    assert 'name="q" type="search" value="改造"' in html
    # An invalid filter says why, in the user's language, and lists nothing.
    bad = client.get("/issues?source=nowhere").get_data(as_text=True)
    assert "问题来源" in bad and 'class="flash error"' in bad
    assert codes_on(bad) == []


def test_the_list_pages(ui: Flask, sqlite_services: Services, city: City) -> None:
    for n in range(23):
        report(sqlite_services, city, title=f"问题{n}")
    client = ui.test_client()
    sign_in(client, "admin")
    first = client.get("/issues?sort=code").get_data(as_text=True)
    assert len(codes_on(first)) == 20 and "第1页，共2页" in first
    assert 'href="/issues?sort=code&amp;page=2"' in first
    second = client.get("/issues?sort=code&page=2").get_data(as_text=True)
    assert codes_on(second) == ["YC2023-0021", "YC2023-0022", "YC2023-0023"]


def test_the_inbox_and_the_queue_hold_the_users_own_work(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    both = report(sqlite_services, city, title="双交办的问题")
    other = report(sqlite_services, city, title="另一县的问题", unit="C02T1V1")
    app.assign(city.admin, both, lead="C01", co=["D01"], deadline=app.today() + timedelta(days=2))
    app.assign(city.admin, other, lead="C02", deadline=app.today() + timedelta(days=30))
    for username in ("county-handler", "handler"):
        client = ui.test_client()
        sign_in(client, username)
        html = client.get("/inbox").get_data(as_text=True)
        assert codes_on(html) == ["YC2023-0001"], username
        assert 'class="light yellow"' in html  # two days left: inside the warning window
    app.submit(city.county_handler, both, summary="已整改")
    client = ui.test_client()
    sign_in(client, "reviewer")
    assert codes_on(client.get("/review").get_data(as_text=True)) == ["YC2023-0001"]
    client = ui.test_client()
    sign_in(client, "leader")
    assert client.get("/review").status_code == 200  # any role may open it; its scope decides


def test_the_report_form_pickers_and_type_ahead(ui: Flask, city: City) -> None:
    client = ui.test_client()
    sign_in(client, "inspector")
    form = client.get("/report").get_data(as_text=True)
    assert 'capture="environment"' in form and 'name="unit_q"' in form
    part = client.get("/report/taxonomy?campaign=YC2023&aspect=A01").get_data(as_text=True)
    assert "义务教育保障" in part and "住房安全保障" in part and "产业项目" not in part
    found = client.get("/report/units?unit_q=yhq").get_data(as_text=True)
    assert 'data-unit="C01"' in found  # 盐湖区 by its pinyin initials
    assert 'data-unit="C01"' in client.get("/report/units?unit_q=盐湖").get_data(as_text=True)
    # A clerk is offered only units of its own subtree.
    clerk = ui.test_client()
    sign_in(clerk, "clerk")
    assert 'data-unit="C01T1V1"' in clerk.get("/report/units?unit_q=C01T1V1").get_data(as_text=True)
    assert "data-unit=" not in clerk.get("/report/units?unit_q=C02").get_data(as_text=True)


def test_reporting_records_the_problem_and_shows_duplicates(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    client = ui.test_client()
    sign_in(client, "inspector")
    token = page_token(client, "/report")
    fields = {
        "csrf_token": token,
        "campaign": "YC2023",
        "source": "flying",
        "aspect": "A01",
        "category": "A01C02",
        "unit_q": "盐湖区一村",  # typed, not chosen: the one unit the text names
        "title": "危房未改造",
        "description": "排查发现。",
        "severity": "serious",
        "key": "1",
    }
    r = client.post("/report", data=fields)
    assert r.status_code == 302, r.get_data(as_text=True)
    view = sqlite_services.app.get_issue(city.admin, "YC2023-0001")
    assert (view.unit, view.title, view.key, view.severity) == ("C01T1V1", "危房未改造", True, "serious")
    hint = client.get("/report/duplicates?campaign=YC2023&unit=C01T1&category=A01C02").get_data(as_text=True)
    assert "YC2023-0001" in hint
    assert (
        client.get("/report/duplicates?campaign=YC2023&unit=C02&category=A01C02").get_data(as_text=True) == ""
    )
    # Invalid input is said on the form, in Chinese, and records nothing.
    r = client.post("/report", data={**fields, "title": "", "unit": "C01T1V1"})
    assert r.status_code == 200 and "标题" in r.get_data(as_text=True)
    r = client.post("/report", data={**fields, "unit_q": "不存在的地方"})
    assert "请从列表中选择问题所在地" in r.get_data(as_text=True)
    assert sqlite_services.queries.count_issues() == 1


def test_roles_that_may_not_report_are_refused_and_clerks_stay_in_their_subtree(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    handler = ui.test_client()
    sign_in(handler, "county-handler")
    assert handler.get("/report").status_code == 403
    clerk = ui.test_client()
    sign_in(clerk, "clerk")
    token = page_token(clerk, "/report")
    fields = {
        "csrf_token": token,
        "campaign": "YC2023",
        "source": "cadre",
        "aspect": "A01",
        "category": "A01C02",
        "unit": "C02T1V1",
        "title": "辖区外的问题",
    }
    html = clerk.post("/report", data=fields).get_data(as_text=True)
    assert "信息员只能登记本单位辖区内的问题" in html
    assert clerk.post("/report", data={**fields, "unit": "C01T1V1"}).status_code == 302
    assert sqlite_services.queries.count_issues() == 1


def _post(client: object, issue: str, name: str, **data: object) -> str:
    """Posts a command's form from the problem page; returns the page it leads back to."""
    token = page_token(client, f"/issues/{issue}")  # type: ignore[arg-type]
    r = client.post(f"/issues/{issue}/{name}", data={"csrf_token": token, **data})  # type: ignore[attr-defined]
    assert r.status_code == 302, r.get_data(as_text=True)
    page: str = client.get(r.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    return page


def test_every_command_form_calls_the_services_command(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    issue = report(sqlite_services, city)
    duplicate = report(sqlite_services, city, title="重复登记")
    wrong = report(sqlite_services, city, title="不是问题")
    office = ui.test_client()
    sign_in(office, "admin")
    soon = (app.today() + timedelta(days=5)).isoformat()
    later = (app.today() + timedelta(days=40)).isoformat()
    html = office.get(f"/issues/{issue}").get_data(as_text=True)
    assert 'name="lead"' in html and "不予立项" in html
    page = _post(office, issue, "assign", lead="C01", co=["D01", "C02"], deadline=soon, measures="限期整改")
    assert "已交办" in page
    assert [a.unit for a in app.get_issue(city.admin, issue).assignments] == ["C01", "D01", "C02"]
    assert "已合并到原问题" in _post(office, duplicate, "reject", reason="重复", duplicate_of="YC2023-0001")
    assert "已不予立项" in _post(office, wrong, "reject", reason="经核实不是问题")
    assert app.get_issue(city.admin, duplicate).duplicate_of == issue
    page = _post(office, issue, "reassign", lead="C01", co=["D01"], reason="临猗县无关")
    assert [a.unit for a in app.get_issue(city.admin, issue).assignments] == ["C01", "D01"]
    handler = ui.test_client()
    sign_in(handler, "county-handler")
    html = handler.get(f"/issues/{issue}").get_data(as_text=True)
    assert 'name="lead"' not in html and "申请延期" in html
    assert "申诉已提交" in _post(handler, issue, "dispute", reason="非本单位职责")
    assert "延期申请已提交" in _post(handler, issue, "extension", deadline=later, reason="工程量大")
    page = office.get(f"/issues/{issue}").get_data(as_text=True)
    assert "审批延期申请" in page and "工程量大" in page
    assert "延期申请已审批" in _post(office, issue, "decision", granted="true", note="同意")
    assert app.get_issue(city.admin, issue).deadline.isoformat() == later  # type: ignore[union-attr]
    _post(handler, issue, "submit", summary="整改完成")
    reviewer = ui.test_client()
    sign_in(reviewer, "reviewer")
    assert "验收通过，问题已销号" in _post(reviewer, issue, "verify", passed="true", note="通过")
    assert "已重新整改" in _post(reviewer, issue, "reopen", reason="回头看发现反弹")
    assert app.get_issue(city.admin, issue).status == "assigned"


def test_refusals_are_said_on_the_problem_page_in_the_users_language(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    issue = report(sqlite_services, city)
    app.assign(city.admin, issue, lead="C01", deadline=app.today() + timedelta(days=5))
    handler = ui.test_client()
    sign_in(handler, "county-handler")
    before = len(app.history(city.admin, issue))
    page = _post(handler, issue, "progress", note="")  # required
    assert "说明" in page and 'class="flash error"' in page
    page = _post(handler, issue, "progress", note="第一次", version="1")  # a stale page
    assert "版本已过期" in page
    page = _post(handler, issue, "verify", passed="true")  # a handler may not verify
    assert "责任单位经办人不能验收通过" in page
    page = _post(handler, issue, "extension", deadline="2000-01-01", reason="太早")
    assert "不能早于今天" in page
    assert len(app.history(city.admin, issue)) == before
    english = ui.test_client()
    english.set_cookie("rectify_lang", "en")
    sign_in(english, "county-handler")
    page = _post(english, issue, "verify", passed="false")
    assert "the role handler may not fail verification" in page
    assert (
        handler.post(
            f"/issues/{issue}/nothing", data={"csrf_token": page_token(handler, "/issues")}
        ).status_code
        == 404
    )


def test_a_part_of_a_page_asked_for_without_a_session_sends_the_browser_to_sign_in(ui: Flask) -> None:
    client = ui.test_client()
    r = client.get("/report/units?unit_q=yhq", headers={"HX-Request": "true"})
    assert r.status_code == 401
    assert r.headers["HX-Redirect"].startswith("/login?next=/report/units")
    page = client.get("/issues")
    assert page.status_code == 302
    assert "请先登录" in client.get(page.headers["Location"]).get_data(as_text=True)


def test_times_are_shown_in_the_configured_time_zone_and_the_inbox_shows_the_units_own_deadline(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    issue = report(sqlite_services, city)
    app.assign(city.admin, issue, lead="C01", deadline=app.today() + timedelta(days=30))
    app.reassign(
        city.admin,
        issue,
        lead="C01",
        co=["D01"],
        reason="加配合单位",
        deadline=app.today() + timedelta(days=1),
    )
    view = app.get_issue(city.admin, issue)
    client = ui.test_client()
    sign_in(client, "admin")
    local = view.reported_at.astimezone(sqlite_services.settings.tz).strftime("%Y-%m-%d %H:%M")
    assert local in client.get(f"/issues/{issue}").get_data(as_text=True)
    department = ui.test_client()
    sign_in(department, "handler")  # of D01, a co-unit with its own, nearer deadline
    inbox = department.get("/inbox").get_data(as_text=True)
    assert (app.today() + timedelta(days=1)).isoformat() in inbox
    assert 'class="light yellow"' in inbox and "配合" in inbox


def test_the_dashboard_counts_link_to_the_problems_behind_them(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    first = report(sqlite_services, city)
    second = report(
        sqlite_services, city, title="产业项目闲置", aspect="A02", category="A02C01", unit="C02T1V1"
    )
    report(sqlite_services, city, title="尚未交办")
    app.assign(city.admin, first, lead="C01", deadline=app.today() + timedelta(days=5))
    app.assign(city.admin, second, lead="C02", deadline=app.today() + timedelta(days=5))
    app.submit(city.county_handler, first, summary="已整改")
    app.verify(city.reviewer, first, passed=True, note="通过")
    client = ui.test_client()
    sign_in(client, "leader")
    assert client.get("/").headers["Location"] == "/dashboard"
    html = client.get("/dashboard").get_data(as_text=True)
    tiles = re.findall(r'<a class="tile[^"]*" href="([^"]+)"><span class="number">([^<]+)</span>', html)
    assert [number for _, number in tiles] == ["3", "2", "1", "33.3%", "100.0%", "0"]
    for href, number in tiles[:3]:
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        assert f"共{number}个问题" in listed, href
    assert 'href="/issues?campaign=YC2023&amp;unit=C01&amp;status=closed"' in html  # a unit's bar
    assert "盐湖区" in html and "临猗县" in html
    week = re.findall(r"<title>[0-9-]+: 新登记(\d+)个，销号(\d+)个</title>", html)
    assert len(week) == 12 and week[-1] == ("3", "1")  # this week: three reported, one closed
    # As of the day before: nothing was reported yet.
    yesterday = (app.today() - timedelta(days=1)).isoformat()
    before = client.get(f"/dashboard?as_of={yesterday}").get_data(as_text=True)
    assert re.findall(r'<span class="number">([^<]+)</span>', before)[:3] == ["0", "0", "0"]
    assert "日终" in before
    assert 'class="flash error"' in client.get("/dashboard?as_of=yesterday").get_data(as_text=True)


def test_the_list_and_the_problem_page_as_of_a_past_day(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    from tests.support import given_on

    app = sqlite_services.app
    issue = report(sqlite_services, city)
    first_day = app.today()
    given_on(sqlite_services, first_day + timedelta(days=2))
    app.assign(city.admin, issue, lead="C01", deadline=app.today() + timedelta(days=9))
    later = report(sqlite_services, city, title="后来登记的问题")
    client = ui.test_client()
    sign_in(client, "admin")
    then = client.get(f"/issues?as_of={first_day.isoformat()}").get_data(as_text=True)
    assert codes_on(then) == ["YC2023-0001"]
    assert "待交办" in then and 'aria-current="true"' not in then  # its status then; no sorting
    assert codes_on(client.get("/issues?status=reported").get_data(as_text=True)) == ["YC2023-0002"]
    page = client.get(f"/issues/{issue}?as_of={first_day.isoformat()}").get_data(as_text=True)
    assert "日终的状态" in page and "待交办" in page
    assert 'name="lead"' not in page and "/comment" not in page  # the past is only read
    assert "交办" not in re.sub(r"待交办", "", page.split('id="h-history"')[1].split("</ol>")[0])
    r = client.get(f"/issues/{later}?as_of={first_day.isoformat()}")
    assert r.status_code == 404  # not yet reported then
    assert 'class="flash error"' in client.get(f"/issues/{issue}?as_of=soon").get_data(as_text=True)


def test_the_office_assigns_many_problems_at_once_from_the_list(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    ids = [report(sqlite_services, city, title=f"批量{n}") for n in range(3)]
    app.assign(city.admin, ids[2], lead="C02", deadline=app.today() + timedelta(days=3))
    office = ui.test_client()
    sign_in(office, "admin")
    html = office.get("/issues").get_data(as_text=True)
    assert html.count('name="issue"') == 2  # the two still reported
    token = page_token(office, "/issues")
    deadline = (app.today() + timedelta(days=20)).isoformat()
    form = {
        "csrf_token": token,
        "lead": "C01",
        "co": ["D01"],
        "deadline": deadline,
        "back": "/issues?status=reported",
    }
    r = office.post("/issues/bulk/assign", data={**form, "issue": ids})  # ids[2] is assigned already
    assert r.headers["Location"] == "/issues?status=reported"
    page = office.get(r.headers["Location"]).get_data(as_text=True)
    assert "已交办2个问题" in page and "不能交办" in page
    for issue in ids[:2]:
        assert [a.unit for a in app.get_issue(city.admin, issue).assignments] == ["C01", "D01"]
    assert [a.unit for a in app.get_issue(city.admin, ids[2]).assignments] == ["C02"]
    handler = ui.test_client()
    sign_in(handler, "county-handler")
    assert 'name="issue"' not in handler.get("/issues").get_data(as_text=True)
    r = handler.post(
        "/issues/bulk/assign", data={**form, "csrf_token": page_token(handler, "/issues"), "issue": ids}
    )
    page = handler.get(r.headers["Location"]).get_data(as_text=True)
    assert "不能交办" in page or "未找到" in page or "没有问题" in page
    assert "已交办" not in page


def test_evidence_images_and_pdfs_show_inline_in_the_problems_page_only(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    from services.demo.city import _png
    from services.evidence import Upload

    app = sqlite_services.app
    issue = report(sqlite_services, city)
    app.assign(city.admin, issue, lead="C01", deadline=app.today() + timedelta(days=5))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    _, stored = app.attach_evidence_files(
        city.county_handler, issue, uploads=[Upload("照片.png", _png((1, 2, 3))), Upload("验收报告.pdf", pdf)]
    )
    client = ui.test_client()
    sign_in(client, "county-handler")
    page = client.get(f"/issues/{issue}").get_data(as_text=True)
    photo, report_file = (f"/issues/{issue}/evidence/{e['id']}" for e in stored)
    assert f'<img src="{photo}"' in page and f'<iframe src="{report_file}"' in page
    for href, kind in ((photo, "image/png"), (report_file, "application/pdf")):
        r = client.get(href)
        assert r.status_code == 200 and r.mimetype == kind
        assert "inline" in r.headers.get("Content-Disposition", "inline")
        assert "frame-ancestors 'self'" in r.headers["Content-Security-Policy"]
        assert "script" not in r.headers["Content-Security-Policy"]
        r.close()
    download = client.get(f"{report_file}?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()


def test_the_history_says_who_when_why_and_what_changed_from_what(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    issue = report(sqlite_services, city)
    app.reclassify(
        city.admin, issue, aspect="A01", category="A01C01", severity="critical", key=True, reason="核实后调整"
    )
    app.assign(city.admin, issue, lead="C01", deadline=app.today() + timedelta(days=5))
    app.reassign(
        city.admin,
        issue,
        lead="C01",
        co=["D01"],
        reason="教育局配合",
        deadline=app.today() + timedelta(days=6),
    )
    app.comment(city.leader, issue, text="务必按期完成")
    client = ui.test_client()
    sign_in(client, "admin")
    html = client.get(f"/issues/{issue}").get_data(as_text=True)
    history = html.split('id="h-history"')[1].split("</ol>")[0]
    assert "<del data-u>住房安全保障</del> → <ins data-u>义务教育保障</ins>" in history
    assert "<del data-u>较重</del> → <ins data-u>严重</ins>" in history
    assert "核实后调整" in history and "教育局配合" in history
    assert "→ <ins data-u>盐湖区 (牵头" in history and "市教育局 (配合" in history
    assert 'class="instruction"' in history and "领导批示" in history and "务必按期完成" in history
    assert "leader · 领导 · " in re.sub(r"<[^>]+>", "", history)
    app.update_user(city.admin, "leader", name="王市长")
    named = client.get(f"/issues/{issue}").get_data(as_text=True).split('id="h-history"')[1]
    assert "王市长 · 领导 · " in re.sub(r"<[^>]+>", "", named)  # admins and leaders see names


def test_the_office_sees_the_extension_requests_waiting_for_it(
    ui: Flask, sqlite_services: Services, city: City
) -> None:
    app = sqlite_services.app
    issue = report(sqlite_services, city, title="需要延期的问题")
    app.assign(city.admin, issue, lead="C01", deadline=app.today() + timedelta(days=5))
    app.request_extension(
        city.county_handler, issue, deadline=app.today() + timedelta(days=40), reason="资金未到位"
    )
    office = ui.test_client()
    sign_in(office, "admin")
    queue = office.get("/extensions").get_data(as_text=True)
    assert "需要延期的问题" in queue and "资金未到位" in queue and f'href="/issues/{issue}"' in queue
    assert 'href="/extensions"' in queue  # in the office's navigation
    app.decide_extension(city.admin, issue, granted=True, note="同意")
    assert "暂无待审批的延期申请" in office.get("/extensions").get_data(as_text=True)
    handler = ui.test_client()
    sign_in(handler, "county-handler")
    assert handler.get("/extensions").status_code == 403
