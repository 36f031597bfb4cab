"""A campaign as a city runs it, only through the HTTP API (CONTRACT.md).

An admin builds the org tree of a city with 13 counties and industry
departments, starts a campaign with 11 aspects and 35 categories and creates
the users; inspectors and clerks report problems; the admin hands them out
(双交办: a lead county and a co department, both of whose handlers see it);
handlers report progress, upload evidence, ask for more time and apply for
closure; a reviewer returns one and passes it the second time; a look-back
reopens a closed one; the counts by unit, aspect and source add up.

Only the first unit and the first admin come from outside the API (the
command line's ``rectify unit add`` / ``rectify user add`` do exactly this),
and the deadline job runs once as the scheduler would.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient

from domain.actor import system_actor
from services.bootstrap import Services
from tests.e2e.samples import PDF, PNG
from tests.support import in_days

COUNTIES = [
    ("YH", "盐湖区"),
    ("YJ", "永济市"),
    ("HJ", "河津市"),
    ("LY", "临猗县"),
    ("WR", "万荣县"),
    ("WX", "闻喜县"),
    ("JS", "稷山县"),
    ("XJ", "新绛县"),
    ("JX", "绛县"),
    ("YQ", "垣曲县"),
    ("XX", "夏县"),
    ("PL", "平陆县"),
    ("RC", "芮城县"),
]
DEPARTMENTS = [
    ("EDU", "市教育局"),
    ("HEA", "市卫健委"),
    ("HOU", "市住建局"),
    ("WAT", "市水务局"),
    ("HRS", "市人社局"),
    ("CIV", "市民政局"),
    ("AGR", "市农业农村局"),
    ("RUR", "市乡村振兴局"),
]
#: 11 aspects, 35 categories; each aspect's lead department.
ASPECTS: list[tuple[str, str, str, list[str]]] = [
    (
        "FP",
        "防返贫动态监测帮扶",
        "RUR",
        ["监测对象识别不及时", "帮扶措施不精准", "风险消除不规范", "监测信息不一致"],
    ),
    ("ED", "义务教育保障", "EDU", ["控辍保学不到位", "教育资助未落实", "送教上门不规范"]),
    (
        "MD",
        "基本医疗保障",
        "HEA",
        ["参保缴费不到位", "家庭医生签约服务不实", "大病专项救治不到位", "报销不及时"],
    ),
    ("HO", "住房安全保障", "HOU", ["危房改造不及时", "改造质量不达标", "住房鉴定不规范"]),
    ("WA", "饮水安全保障", "WAT", ["供水不稳定", "水质不达标", "工程管护不到位"]),
    ("IN", "产业帮扶", "AGR", ["产业项目效益不佳", "联农带农机制不健全", "资产管理不规范", "小额信贷风险"]),
    ("EM", "就业帮扶", "HRS", ["务工就业不稳定", "公益岗位管理不规范", "技能培训不实"]),
    ("SS", "兜底保障", "CIV", ["低保应保未保", "特困供养不到位", "残疾人补贴未落实"]),
    ("RL", "易地搬迁后续扶持", "RUR", ["后续产业配套不足", "社区治理不完善", "搬迁户就业不充分"]),
    ("FU", "衔接资金使用", "AGR", ["资金拨付滞后", "项目库建设不规范", "资金使用绩效不高"]),
    ("WK", "工作作风和责任落实", "RUR", ["政策宣传不到位", "数据质量不高"]),
]
SOURCES = ["assessment", "workgroup", "flying", "unannounced", "department", "petition"]
PASSWORD = "Yuncheng-2023"

#: username: (role, unit)
USERS = {
    "inspector": ("inspector", "YCOFF"),
    "clerk-yh": ("clerk", "YHT1V1"),  # 村级信息员 in a village of 盐湖区
    "clerk-ly": ("clerk", "LYT1"),  # 乡镇录入员 of a township of 临猗县
    "handler-yh": ("handler", "YH"),
    "handler-ly": ("handler", "LY"),
    "handler-edu": ("handler", "EDU"),
    "handler-hou": ("handler", "HOU"),
    "reviewer-yh": ("reviewer", "YH"),
    "reviewer-city": ("reviewer", "YC"),
    "leader": ("leader", "YC"),
}


@dataclass
class Problem:
    """What the test itself knows about each problem (the model the API must agree with)."""

    id: str
    code: str
    unit: str
    aspect: str
    source: str
    status: str = "reported"
    assigned: set[str] = field(default_factory=set)
    overdue: bool = False


class Caller:
    """One signed-in user of the API."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, status: int = 200, **query: Any) -> Any:
        r = self.client.get(path, headers=self.headers, query_string=query)
        assert r.status_code == status, (path, r.get_data(as_text=True))
        return r.get_json()

    def post(self, path: str, body: dict[str, Any], status: int = 200, version: int | None = None) -> Any:
        headers = {**self.headers, **({"If-Match": f'"{version}"'} if version is not None else {})}
        r = self.client.post(path, headers=headers, json=body)
        assert r.status_code == status, (path, body, r.get_data(as_text=True))
        return r.get_json()

    def upload(self, issue: str, *files: tuple[bytes, str], note: str) -> Any:
        data = {"file": [(io.BytesIO(content), name) for content, name in files], "note": note}
        r = self.client.post(
            f"/api/v1/issues/{issue}/evidence",
            headers=self.headers,
            data=data,
            content_type="multipart/form-data",
        )
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.get_json()

    def listed(self, **query: Any) -> dict[str, dict[str, Any]]:
        """Every problem in the caller's list (all pages)."""
        found: dict[str, dict[str, Any]] = {}
        page = 1
        while True:
            answer = self.get("/api/v1/issues", page=page, per_page=25, **query)
            found.update({item["id"]: item for item in answer["items"]})
            if page * 25 >= answer["total"]:
                assert len(found) == answer["total"]
                return found
            page += 1


def sign_in(client: FlaskClient, username: str) -> Caller:
    r = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.get_data(as_text=True)
    return Caller(client, r.get_json()["token"])


def test_a_campaign_through_the_api(services: Services, client: FlaskClient) -> None:
    # -- the command line's part: the root unit, the office, the first admin ----------------------
    system = system_actor()
    services.app.add_unit(system, code="YC", name="运城市", kind="city")
    services.app.add_unit(system, code="YCOFF", name="市巩固衔接办", kind="office", parent="YC")
    services.app.create_user(
        system, username="admin", name="市管理员", role="admin", unit="YCOFF", password=PASSWORD
    )
    admin = sign_in(client, "admin")

    # -- the org tree, the campaign and the users --------------------------------------------------
    for code, name in COUNTIES:
        admin.post("/api/v1/units", {"code": code, "name": name, "kind": "county", "parent": "YC"}, 201)
        admin.post(
            "/api/v1/units",
            {"code": f"{code}T1", "name": f"{name}城关镇", "kind": "township", "parent": code},
            201,
        )
        village = {"code": f"{code}T1V1", "name": f"{name}东关村", "kind": "village", "parent": f"{code}T1"}
        admin.post("/api/v1/units", village, 201)
    for code, name in DEPARTMENTS:
        admin.post("/api/v1/units", {"code": code, "name": name, "kind": "department", "parent": "YC"}, 201)
    units = {u["code"]: u for u in admin.get("/api/v1/units")}
    assert len(units) == 2 + 3 * 13 + 8
    assert units["YHT1V1"]["path"] == ["YC", "YH", "YHT1", "YHT1V1"]
    root_children = admin.get("/api/v1/units", parent="YC")
    assert len(root_children) == 13 + 8 + 1

    aspects = [
        {
            "code": code,
            "name": name,
            "categories": [{"code": f"{code}{n}", "name": c} for n, c in enumerate(categories, 1)],
        }
        for code, name, _, categories in ASPECTS
    ]
    campaign = {
        "code": "YC2023",
        "name": "2022年度考核评估反馈问题整改",
        "deadline": "2023-12-31",
        "aspects": aspects,
    }
    started = admin.post("/api/v1/campaigns", campaign, 201)
    assert len(started["aspects"]) == 11
    assert sum(len(a["categories"]) for a in started["aspects"]) == 35

    for username, (role, unit) in USERS.items():
        user = admin.post(
            "/api/v1/users",
            {"username": username, "name": username, "role": role, "unit": unit, "password": PASSWORD},
            201,
        )
        assert "password" not in user
    callers = {username: sign_in(client, username) for username in USERS}
    inspector, leader = callers["inspector"], callers["leader"]
    clerk_yh, clerk_ly = callers["clerk-yh"], callers["clerk-ly"]
    handler_yh, handler_ly = callers["handler-yh"], callers["handler-ly"]
    handler_edu, handler_hou = callers["handler-edu"], callers["handler-hou"]
    reviewer_yh, reviewer_city = callers["reviewer-yh"], callers["reviewer-city"]

    # -- problems reported ---------------------------------------------------------------------------
    problems: dict[str, Problem] = {}

    def reported(caller: Caller, unit: str, aspect_index: int, source: str, title: str) -> Problem:
        aspect = ASPECTS[aspect_index][0]
        body = {
            "campaign": "YC2023",
            "title": title,
            "description": f"{units[unit]['name']}：{title}，经核实情况属实。",
            "source": source,
            "aspect": aspect,
            "category": f"{aspect}1",
            "severity": "serious" if aspect_index % 3 == 0 else "general",
            "key": aspect_index == 0,
            "unit": unit,
            "discovered_at": "2023-06-01",
        }
        created = caller.post("/api/v1/issues", body, 201)
        problem = Problem(created["id"], created["code"], unit, aspect, source)
        problems[problem.id] = problem
        return problem

    # An inspector's flying checks: one problem in a village of every county.
    by_county = {
        code: reported(
            inspector, f"{code}T1V1", n % 11, SOURCES[n % len(SOURCES)], f"{name}暗访发现问题{n + 1}"
        )
        for n, (code, name) in enumerate(COUNTIES)
    }
    # Clerks report inside their own units only.
    yh_school = reported(clerk_yh, "YHT1V1", 1, "cadre", "适龄儿童长期未到校未落实劝返")
    yh_house = reported(clerk_yh, "YHT1V1", 3, "household", "农户住房鉴定为C级未改造")
    ly_water = reported(clerk_ly, "LYT1V1", 4, "cadre", "集中供水工程季节性断水")
    ly_house = reported(clerk_ly, "LYT1", 3, "self_check", "危改房屋墙体开裂")
    duplicate = reported(clerk_ly, "LYT1V1", 4, "household", "村里自来水经常停水")
    not_real = reported(inspector, "WRT1V1", 6, "petition", "群众反映公益岗位人员不在岗")
    elsewhere = {
        "campaign": "YC2023",
        "title": "越界上报",
        "source": "cadre",
        "aspect": "FP",
        "category": "FP1",
    }
    clerk_yh.post("/api/v1/issues", {**elsewhere, "unit": "LYT1V1"}, 403)
    clerk_ly.post("/api/v1/issues", {**elsewhere, "unit": "LY"}, 403)  # above its township
    assert set(reviewer_city.listed(q="断水")) == {ly_water.id}
    in_village = {by_county["YH"].id, yh_school.id, yh_house.id}
    assert set(leader.listed(q="盐湖区东关村")) == in_village  # only the descriptions say so
    codes = sorted(p.code for p in problems.values())
    assert codes == [f"YC2023-{n:04d}" for n in range(1, len(problems) + 1)]

    # The admin sorts out what is not a problem (不予立项) and merges a duplicate.
    admin.post(f"/api/v1/issues/{not_real.id}/reject", {"reason": "经核实人员按时在岗"})
    not_real.status = "rejected"
    merged = admin.post(
        f"/api/v1/issues/{duplicate.id}/reject", {"reason": "重复上报", "duplicate_of": ly_water.id}
    )
    assert merged["duplicate_of"] == ly_water.id
    duplicate.status = "rejected"

    # -- 双交办: a lead county and a co department -----------------------------------------------------
    def assign(problem: Problem, lead: str, co: list[str], days: int = 30) -> dict[str, Any]:
        body = {
            "lead": lead,
            "co": co,
            "deadline": in_days(days).isoformat(),
            "measures": "制定整改方案，限期整改",
        }
        answer = admin.post(f"/api/v1/issues/{problem.id}/assign", body, version=1)
        problem.status, problem.assigned = "assigned", {lead, *co}
        return answer

    assign(yh_school, "YH", ["EDU"])
    assign(yh_house, "YH", ["HOU"])
    assign(ly_water, "LY", ["WAT"])
    assign(ly_house, "LY", ["HOU"])
    for code, problem in by_county.items():
        lead_department = ASPECTS[[a[0] for a in ASPECTS].index(problem.aspect)][2]
        assign(problem, code, [lead_department], days=1 if code == "PL" else 30)

    # Both handlers of a dual assignment see the problem in their lists; others do not.
    assert yh_school.id in handler_yh.listed() and yh_school.id in handler_edu.listed()
    assert yh_house.id in handler_yh.listed() and yh_house.id in handler_hou.listed()
    assert yh_school.id not in handler_hou.listed() and yh_school.id not in handler_ly.listed()
    assert {ly_water.id, ly_house.id} <= set(handler_ly.listed())
    assert set(handler_ly.listed(unit="LY")) == {p.id for p in problems.values() if "LY" in p.assigned}
    handler_ly.get(f"/api/v1/issues/{yh_school.id}", 404)
    listed = handler_edu.listed()
    assert set(listed) == {p.id for p in problems.values() if "EDU" in p.assigned}
    item = listed[yh_school.id]
    assert [(a["unit"], a["role"]) for a in item["assignments"]] == [("YH", "lead"), ("EDU", "co")]

    # -- the work: progress, evidence, an extension ------------------------------------------------------
    handler_yh.post(f"/api/v1/issues/{yh_school.id}/progress", {"note": "已入户劝返，学生已返校"})
    handler_edu.post(f"/api/v1/issues/{yh_school.id}/progress", {"note": "落实控辍保学台账"})
    stored = handler_edu.upload(yh_school.id, (PNG, "返校照片.png"), (PDF, "劝返记录.pdf"), note="佐证材料")
    assert [e["sha256"] for e in stored["evidence"]] == [
        hashlib.sha256(PNG).hexdigest(),
        hashlib.sha256(PDF).hexdigest(),
    ]
    evidence_id = stored["evidence"][0]["id"]
    for caller in (reviewer_yh, leader, clerk_yh, handler_yh):
        with client.get(f"/api/v1/issues/{yh_school.id}/evidence/{evidence_id}", headers=caller.headers) as r:
            assert r.status_code == 200 and r.data == PNG
    assert (
        client.get(
            f"/api/v1/issues/{yh_school.id}/evidence/{evidence_id}", headers=handler_ly.headers
        ).status_code
        == 404
    )

    asked = handler_hou.post(
        f"/api/v1/issues/{yh_house.id}/extension",
        {"deadline": in_days(90).isoformat(), "reason": "雨季无法施工"},
    )
    assert asked["pending_extension"]["unit"] == "HOU"
    granted = admin.post(
        f"/api/v1/issues/{yh_house.id}/extension/decision", {"granted": True, "note": "同意延期"}
    )
    deadlines = {a["unit"]: a["deadline"] for a in granted["assignments"]}
    assert deadlines == {"YH": in_days(30).isoformat(), "HOU": in_days(90).isoformat()}

    # -- submission, a failed verification, a passed one, a look-back ---------------------------------
    handler_yh.post(f"/api/v1/issues/{yh_school.id}/submit", {"summary": "学生已返校就读，建立长效机制"})
    returned = reviewer_yh.post(
        f"/api/v1/issues/{yh_school.id}/verify", {"passed": False, "note": "缺少学校出具的在校证明"}
    )
    assert returned["status"] == "assigned"
    handler_edu.upload(yh_school.id, (PDF, "在校证明.pdf"), note="补充在校证明")
    version = handler_edu.post(f"/api/v1/issues/{yh_school.id}/submit", {"summary": "已补充在校证明"})[
        "version"
    ]
    passed = reviewer_yh.post(
        f"/api/v1/issues/{yh_school.id}/verify", {"passed": True, "note": "验收合格"}, version=version
    )
    assert passed["status"] == "closed" and passed["closed_at"]
    yh_school.status = "closed"

    handler_ly.post(f"/api/v1/issues/{ly_water.id}/submit", {"summary": "管网已改造，恢复稳定供水"})
    reviewer_city.post(f"/api/v1/issues/{ly_water.id}/verify", {"passed": True})
    ly_water.status = "closed"
    handler_hou.post(f"/api/v1/issues/{ly_house.id}/submit", {"summary": "已加固"})
    ly_house.status = "submitted"

    admin.post(f"/api/v1/issues/{by_county['YJ'].id}/submit", {"summary": "x"}, 403)  # handlers submit
    handler_yh.post(f"/api/v1/issues/{by_county['YJ'].id}/submit", {"summary": "x"}, 404)  # not its problem
    # A look-back finds the closed water problem has come back (回头看).
    reopened = reviewer_city.post(f"/api/v1/issues/{ly_water.id}/reopen", {"reason": "回头看发现再次断水"})
    assert reopened["status"] == "assigned"
    ly_water.status = "assigned"
    reviewer_yh.post(f"/api/v1/issues/{ly_water.id}/reopen", {"reason": "x"}, 404)  # not in its subtree
    leader.post(f"/api/v1/issues/{ly_water.id}/comment", {"text": "请市水务局督促彻底解决"})
    history = admin.get(f"/api/v1/issues/{ly_water.id}/history")
    assert [h["type"] for h in history] == [
        "Reported",
        "Assigned",
        "Submitted",
        "VerificationPassed",
        "Reopened",
        "CommentAdded",
    ]
    assert history[-1]["data"]["instruction"] is True and history[-1]["actor"]["role"] == "leader"
    assert history[4]["data"]["reason"] == "回头看发现再次断水"
    school_history = [h["type"] for h in admin.get(f"/api/v1/issues/{yh_school.id}/history")]
    assert school_history.count("Submitted") == 2 and "VerificationFailed" in school_history

    # The scheduler's deadline job, three days on: 平陆县's one-day deadline was missed.
    services.sweep_deadlines(today=in_days(3))
    by_county["PL"].overdue = True
    assert set(admin.listed(overdue="true")) == {by_county["PL"].id}

    # -- what everyone sees, and the counts -------------------------------------------------------------
    assert {i: p["status"] for i, p in admin.listed().items()} == {p.id: p.status for p in problems.values()}
    assert set(leader.listed()) == set(inspector.listed()) == set(problems)

    def located_or_assigned(problem: Problem, unit: str) -> bool:
        return unit in units[problem.unit]["path"] or any(unit in units[a]["path"] for a in problem.assigned)

    def expected_for(username: str) -> set[str]:
        role, unit = USERS[username]
        if role in ("inspector", "leader"):
            return set(problems)
        if role == "clerk":
            return {p.id for p in problems.values() if unit in units[p.unit]["path"]}
        if role == "handler":
            return {p.id for p in problems.values() if any(unit in units[a]["path"] for a in p.assigned)}
        return {p.id for p in problems.values() if located_or_assigned(p, unit)}

    for username, caller in callers.items():
        mine = caller.listed()
        assert set(mine) == expected_for(username), username
        for by in ("source", "aspect", "unit"):
            stats = caller.get("/api/v1/stats", by=by, campaign="YC2023")
            for row in stats["rows"]:
                assert row["open"] + row["closed"] + row["rejected"] == row["total"], (username, by, row)
            if by != "unit":
                assert sum(row["total"] for row in stats["rows"]) == len(mine), (username, by)

    stats = admin.get("/api/v1/stats", by="unit")
    rows = {row["key"]: row for row in stats["rows"]}
    assert set(rows) == {code for code, _ in COUNTIES} | {code for code, _ in DEPARTMENTS} | {"YCOFF"}
    for unit, row in rows.items():
        mine = [p for p in problems.values() if located_or_assigned(p, unit)]
        assert row["name"] == units[unit]["name"]
        assert row["total"] == len(mine), unit
        assert row["open"] == sum(p.status in ("reported", "assigned", "submitted") for p in mine), unit
        assert row["closed"] == sum(p.status == "closed" for p in mine), unit
        assert row["rejected"] == sum(p.status == "rejected" for p in mine), unit
        assert row["overdue"] == sum(p.overdue for p in mine), unit
        valid = row["total"] - row["rejected"]
        assert row["closure_rate"] == (round(row["closed"] / valid, 4) if valid else 0.0), unit
    assert (rows["YH"]["total"], rows["YH"]["closed"]) == (3, 1)
    assert (rows["LY"]["total"], rows["LY"]["rejected"], rows["LY"]["closed"]) == (4, 1, 0)
    assert rows["PL"]["overdue"] == 1 and rows["YCOFF"]["total"] == 0

    by_aspect = {row["key"]: row for row in admin.get("/api/v1/stats", by="aspect")["rows"]}
    assert set(by_aspect) == {code for code, *_ in ASPECTS}
    assert {k: r["total"] for k, r in by_aspect.items()} == dict(Counter(p.aspect for p in problems.values()))
    assert by_aspect["WA"]["rejected"] == 1 and by_aspect["ED"]["closed"] == 1
    by_source = {row["key"]: row for row in admin.get("/api/v1/stats", by="source")["rows"]}
    assert sum(r["total"] for r in by_source.values()) == len(problems)
    assert {k: r["total"] for k, r in by_source.items() if r["total"]} == dict(
        Counter(p.source for p in problems.values())
    )
    assert by_source["household"]["name"] == "household self-report"  # no Accept-Language: English

    reviewer_stats = reviewer_yh.get("/api/v1/stats", by="source")
    assert sum(r["total"] for r in reviewer_stats["rows"]) == len(expected_for("reviewer-yh")) == 3
