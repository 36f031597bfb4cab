"""A problem's whole life in the browser, as far as the pages go: an
inspector reports it with a photo and sees the duplicate hint for a second
report; the office assigns it on the problem's page to a county and a
department; the county's handler reports progress and submits with
evidence; a reviewer returns it; the handler submits again; another
reviewer closes it; a leader finds it from a dashboard number, reads its
history, then the dashboard as of the day before."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from services.demo.city import _png
from tests.e2e.ui.conftest import Console, Server

TITLE = "盐湖区北城街道旅程村饮水管网漏损"


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "现场照片.png"
    path.write_bytes(_png((30, 120, 200)))
    return path


def _fill_report(page: Any, server: Server, title: str, photo: Path | None = None) -> None:
    page.goto(server.url("/report"))
    page.select_option("#source", "flying")
    page.select_option("#aspect", "WAT")  # 饮水安全保障 (the demo's taxonomy)
    page.locator("#category option[value=WA3]").wait_for(state="attached")  # htmx brought the categories
    page.select_option("#category", "WA3")  # 工程管护不到位
    page.fill("#unit-q", "yh0101")
    page.wait_for_selector("#unit-suggestions button[data-unit=YH0101]")
    page.click("#unit-suggestions button[data-unit=YH0101]")
    assert page.input_value("#unit") == "YH0101"
    page.fill("#title", title)
    page.fill("#description", "村民反映自来水管网老化，漏损严重，部分农户饮水不稳定。")
    page.select_option("#severity", "serious")
    if photo is not None:
        page.set_input_files("#photo", str(photo))


def _command(page: Any, summary: str | None, field: str, text: str, button: str) -> None:
    if summary is not None:
        page.locator("summary", has_text=summary).click()
    page.fill(field, text)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    assert page.locator(".flash.success").count() == 1, page.inner_text("main")[:500]


def test_report_assign_rectify_return_resubmit_close(
    ui_server: Server, new_page: Any, console: Console, tmp_path: Path
) -> None:
    app = ui_server.services.app
    # -- an inspector reports the problem with a photo, on a phone ----------------------------------
    inspector = new_page(width=375)
    ui_server.sign_in(inspector, "inspector1")
    assert inspector.url.endswith("/report")
    assert inspector.get_attribute("#photo", "capture") == "environment"
    _fill_report(inspector, ui_server, TITLE, _photo(tmp_path))
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="登记问题", exact=True).last.click()
    assert "/issues/" in inspector.url
    assert "已登记" in inspector.inner_text(".flash.success")
    issue = inspector.url.rsplit("/", 1)[1]
    view = app.get_issue(ui_server.actor("admin"), issue)
    assert (view.title, view.unit, view.category, view.severity) == (TITLE, "YH0101", "WA3", "serious")
    thumbnail = inspector.locator(".thumbs img")
    assert thumbnail.count() == 1
    assert inspector.evaluate("img => img.naturalWidth", thumbnail.element_handle()) == 8
    # -- a second report of the same kind at the same place: the hint links the first ---------------
    _fill_report(inspector, ui_server, "旅程村又一处管网漏损")
    hint = inspector.locator("#duplicates a", has_text=view.code)
    hint.wait_for()
    assert hint.get_attribute("href") == f"/issues/{issue}"
    # -- the office assigns it to the county and a department (双交办) ------------------------------
    office = new_page()
    ui_server.sign_in(office, "admin")
    office.goto(ui_server.url(f"/issues/{issue}"))
    deadline = app.today() + timedelta(days=10)
    office.select_option("#assign-lead", "YH")
    office.select_option("#assign-co", ["WAT"])
    office.fill("#assign-deadline", deadline.isoformat())
    office.fill("#assign-measures", "更换老化管网，恢复稳定供水。")
    with office.expect_navigation():
        office.get_by_role("button", name="交办", exact=True).click()
    assert "已交办" in office.inner_text(".flash.success")
    assigned = app.get_issue(ui_server.actor("admin"), issue)
    assert [(a.unit, a.role, a.deadline) for a in assigned.assignments] == [
        ("YH", "lead", deadline),
        ("WAT", "co", deadline),
    ]
    # -- the county's handler: inbox, progress, evidence, submit ------------------------------------
    handler = new_page()
    ui_server.sign_in(handler, "h-yh")
    assert handler.url.endswith("/inbox")
    handler.locator(".issue a.title", has_text=TITLE).click()
    handler.wait_for_url(f"**/issues/{issue}")
    _command(handler, None, "#progress-note", "已完成管网摸排，正在施工。", "提交进展")
    handler.locator("summary", has_text="上传佐证材料").click()
    handler.set_input_files("#evidence-file", str(_photo(tmp_path)))
    with handler.expect_navigation():
        handler.get_by_role("button", name="上传", exact=True).click()
    assert handler.locator(".thumbs img").count() == 2
    _command(handler, "申请销号", "#submit-summary", "管网已全部更换，供水恢复。", "申请销号")
    assert app.get_issue(ui_server.actor("admin"), issue).status == "submitted"
    assert handler.get_by_role("button", name="申请销号").count() == 0  # nothing to submit now
    # The department co-unit sees it in its own inbox too.
    department = new_page()
    ui_server.sign_in(department, "h-wat")
    assert department.locator(".issue a.title", has_text=TITLE).count() == 1
    # -- a county reviewer returns it ---------------------------------------------------------------
    reviewer = new_page()
    ui_server.sign_in(reviewer, "r-yh")
    assert reviewer.url.endswith("/review")
    reviewer.locator(".issue a.title", has_text=TITLE).click()
    reviewer.wait_for_url(f"**/issues/{issue}")
    _command(reviewer, None, "#verify-note", "部分农户水压不足，请继续整改。", "退回整改")
    assert app.get_issue(ui_server.actor("admin"), issue).status == "assigned"
    # -- the handler submits again ------------------------------------------------------------------
    handler.reload()
    _command(handler, "申请销号", "#submit-summary", "已加装增压设备，水压达标。", "申请销号")
    # -- the city's reviewer closes it --------------------------------------------------------------
    closer = new_page()
    ui_server.sign_in(closer, "reviewer")
    closer.goto(ui_server.url(f"/issues/{issue}"))
    _command(closer, None, "#verify-note", "现场核查通过。", "验收通过（销号）")
    final = app.get_issue(ui_server.actor("admin"), issue)
    assert final.status == "closed"
    assert closer.locator(".badge.closed").count() >= 1
    history = [h.type for h in app.history(ui_server.actor("admin"), issue)]
    assert history == [
        "Reported",
        "DiscoveryEvidenceAttached",
        "Assigned",
        "ProgressReported",
        "EvidenceAttached",
        "Submitted",
        "VerificationFailed",
        "Submitted",
        "VerificationPassed",
    ]
    timeline = closer.inner_text("#h-history + ol")
    # -- a leader finds it from a dashboard number and reads its history -------------------------
    leader = new_page()
    ui_server.sign_in(leader, "leader")
    assert leader.url.endswith("/dashboard")
    today_total = int(leader.inner_text(".tile .number >> nth=0"))
    ranking = leader.locator("#h-ranking + .table-wrap tr", has_text="盐湖区")
    with leader.expect_navigation():
        ranking.locator("td:nth-child(5) a").click()  # its closed problems
    assert "unit=YH" in leader.url and "status=closed" in leader.url
    with leader.expect_navigation():
        leader.locator(".issue a.title", has_text=TITLE).click()
    assert leader.url.endswith(f"/issues/{issue}")
    assert "验收通过（销号）" in leader.inner_text("#h-history + ol")
    # -- and the dashboard as of the day before, when the problem was not yet reported -------------
    leader.goto(ui_server.url("/dashboard"))
    leader.fill("#d-as-of", (app.today() - timedelta(days=1)).isoformat())
    with leader.expect_navigation():
        leader.get_by_role("button", name="查看").click()
    assert "as_of=" in leader.url
    assert int(leader.inner_text(".tile .number >> nth=0")) < today_total
    expected = ["登记问题", "交办", "报告整改进展", "申请销号", "验收退回", "验收通过（销号）"]
    expected += ["r-yh", "h-yh"]
    for said in expected:
        assert said in timeline
    assert console.errors == []
