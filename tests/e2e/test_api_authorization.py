"""The authorization matrix: every role × every endpoint × inside/outside the
caller's unit scope, from ONE table (CONTRACT.md, "Who sees what" and "Who may
do what"), with the exact status code.

The small city (tests/support.py): a problem *inside* is located in village
C01T1V1 and, once assigned, led by department D01 with county C01 as co unit;
a problem *outside* is located in C02T1V1 and led by county C02. The acting
users: admin and inspector (office OFF), clerk (C01T1V1), handler (D01),
reviewer (C01), leader (C). Each issue is put in the status its command
needs, so every expected answer is about authorization, not the lifecycle
(except the rows marked as lifecycle rows, where 409 shows that 404 and 403
come first).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from flask.testing import FlaskClient

from domain.actor import Actor, system_actor
from services.bootstrap import Services
from services.evidence import Upload
from tests.e2e.conftest import ok
from tests.e2e.samples import PNG, issue_body
from tests.support import City, in_days, report, small_city

ROLES = ("admin", "inspector", "clerk", "handler", "reviewer", "leader")
IN, OUT = "inside", "outside"

#: Who may do what, and who hears 404 instead: (inside, outside) per role. The
#: issue status column is what each issue is put in before the request.
TABLE = """
    endpoint               | issue           | admin   | inspector | clerk   | handler | reviewer | leader
    issue create           | -               | 201 201 | 201 201   | 201 403 | 403 403 | 403 403  | 403 403
    issue list             | assigned        | 200 200 | 200 200   | 200 200 | 200 200 | 200 200  | 200 200
    issue get              | assigned        | 200 200 | 200 200   | 200 404 | 200 404 | 200 404  | 200 200
    issue get (reported)   | reported        | 200 200 | 200 200   | 200 404 | 404 404 | 200 404  | 200 200
    history                | assigned        | 200 200 | 200 200   | 200 404 | 200 404 | 200 404  | 200 200
    issue get (unit below) | assigned below  | 200 200 | 200 200   | 200 404 | 200 404 | 200 404  | 200 200
    progress (unit below)  | assigned below  | 403 403 | 403 403   | 403 404 | 403 404 | 403 404  | 403 403
    submit (unit below)    | assigned below  | 403 403 | 403 403   | 403 404 | 403 404 | 403 404  | 403 403
    issue get (co village) | assigned across | 200 200 | 200 200   | 404 404 | 404 404 | 200 404  | 200 200
    history (co village)   | assigned across | 200 200 | 200 200   | 404 404 | 404 404 | 200 404  | 200 200
    assign                 | reported        | 200 200 | 403 403   | 403 404 | 404 404 | 403 404  | 403 403
    reassign               | assigned        | 200 200 | 403 403   | 403 404 | 403 404 | 403 404  | 403 403
    progress               | assigned        | 403 403 | 403 403   | 403 404 | 200 404 | 403 404  | 403 403
    evidence upload        | assigned        | 403 403 | 403 403   | 403 404 | 201 404 | 403 404  | 403 403
    evidence download      | evidence        | 200 200 | 200 200   | 200 404 | 200 404 | 200 404  | 200 200
    extension              | assigned        | 403 403 | 403 403   | 403 404 | 200 404 | 403 404  | 403 403
    extension decision     | extension       | 200 200 | 403 403   | 403 404 | 403 404 | 403 404  | 403 403
    submit                 | assigned        | 403 403 | 403 403   | 403 404 | 200 404 | 403 404  | 403 403
    verify                 | submitted       | 403 403 | 403 403   | 403 404 | 403 404 | 200 404  | 403 403
    reopen                 | closed          | 200 200 | 403 403   | 403 404 | 403 404 | 200 404  | 403 403
    reject                 | reported        | 200 200 | 403 403   | 403 404 | 404 404 | 403 404  | 403 403
    comment                | assigned        | 200 200 | 200 200   | 200 404 | 200 404 | 200 404  | 200 200
    comment (closed)       | closed          | 200 200 | 200 200   | 200 404 | 200 404 | 200 404  | 200 200
    comment (rejected)     | rejected        | 200 200 | 200 200   | 200 404 | 404 404 | 200 404  | 200 200
    progress (closed)      | closed          | 403 403 | 403 403   | 403 404 | 409 404 | 403 404  | 403 403
    assign (assigned)      | assigned        | 409 409 | 403 403   | 403 404 | 403 404 | 403 404  | 403 403
    stats                  | assigned        | 200 200 | 200 200   | 200 200 | 200 200 | 200 200  | 200 200
    units POST             | -               | 201 201 | 403 403   | 403 403 | 403 403 | 403 403  | 403 403
    users GET              | -               | 200 200 | 403 403   | 403 403 | 403 403 | 403 403  | 200 200
    users POST             | -               | 201 201 | 403 403   | 403 403 | 403 403 | 403 403  | 403 403
    campaigns POST         | -               | 201 201 | 403 403   | 403 403 | 403 403 | 403 403  | 403 403
"""
# Notes on the table. A handler sees only what is assigned to its unit or below
# it, so a reported (unassigned) problem is a 404 for it even in its own
# county, and one assigned to a unit below (LAYOUTS "below") is visible but
# not its to act on (403). A clerk sees what is located in its subtree, not
# what is assigned to it ("across": located in C02, co-assigned to the clerk's
# village); a reviewer sees both. The lifecycle rows ("progress (closed)",
# "assign (assigned)") show that 404 and 403 come before 409. For the org
# endpoints inside/outside is the unit the new thing belongs to (C01 or C02);
# a campaign has no unit.


@dataclass(frozen=True)
class Row:
    endpoint: str
    status: str | None
    codes: dict[str, tuple[int, int]]


def rows() -> list[Row]:
    lines = [line.split("|") for line in TABLE.strip().splitlines()]
    header = [cell.strip() for cell in lines[0]]
    assert tuple(header[2:]) == ROLES, header
    parsed = []
    for endpoint, status, *cells in ([c.strip() for c in line] for line in lines[1:]):
        codes = {role: tuple(int(x) for x in cell.split()) for role, cell in zip(ROLES, cells, strict=True)}
        assert all(len(pair) == 2 for pair in codes.values()), endpoint
        parsed.append(Row(endpoint, None if status == "-" else status, codes))  # type: ignore[arg-type]
    return parsed


#: Where an issue is located and who is assigned it: (location, lead, co units).
LAYOUTS: dict[str, dict[str, tuple[str, str, list[str]]]] = {
    "usual": {IN: ("C01T1V1", "D01", ["C01"]), OUT: ("C02T1V1", "C02", [])},
    "below": {IN: ("C01T1V1", "D01W1", ["C01T1"]), OUT: ("C02T1V1", "C02T1", [])},
    "across": {IN: ("C02T1V1", "C02", ["C01T1V1"]), OUT: ("C02T1V1", "C02", [])},
}


@dataclass
class Built:
    id: str
    evidence: str | None = None


@dataclass
class Matrix:
    """Builds issues in the status each row needs (through the services) and
    sends the row's request for one role (through HTTP)."""

    services: Services
    city: City
    client: FlaskClient
    token_for: Callable[[str], dict[str, str]]
    pool: dict[tuple[str, str], Built] = field(default_factory=dict)
    built: list[str] = field(default_factory=list)
    serial: Any = field(default_factory=lambda: count(1))

    # -- issues in a status -------------------------------------------------------------
    def issue(self, status: str, scope: str) -> Built:
        key = (status, scope)
        if key not in self.pool:
            self.pool[key] = self._build(status, scope)
        return self.pool[key]

    def used(self, status: str, scope: str) -> None:
        """The command changed the issue: the next case gets a fresh one."""
        self.pool.pop((status, scope), None)

    def _build(self, status: str, scope: str) -> Built:
        app, city = self.services.app, self.city
        inside = scope == IN
        status, _, layout = status.partition(" ")
        location, lead, co = LAYOUTS[layout or "usual"][scope]
        issue = report(self.services, city, unit=location)
        self.built.append(issue)
        handler = city.handler if inside else city.other_handler
        reviewer = city.reviewer if inside else city.other_reviewer
        if status == "reported":
            return Built(issue)
        if status == "rejected":
            app.reject(city.admin, issue, reason="不属实")
            return Built(issue)
        app.assign(city.admin, issue, lead=lead, co=co, deadline=in_days(20))
        if status == "assigned":
            return Built(issue)
        if status == "evidence":
            _, stored = app.attach_evidence_files(handler, issue, uploads=[Upload("现场.png", PNG)])
            return Built(issue, stored[0]["id"])
        if status == "extension":
            app.request_extension(handler, issue, deadline=in_days(40), reason="雨季")
            return Built(issue)
        app.submit(handler, issue, summary="已整改")
        if status == "submitted":
            return Built(issue)
        assert status == "closed", status
        app.verify(reviewer, issue, passed=True)
        return Built(issue)

    # -- one request ---------------------------------------------------------------------------
    def send(self, endpoint: str, status: str | None, role: str, scope: str) -> tuple[int, bool | None]:
        """The answer's status code, and for lists whether the scope's issue was in it."""
        c, auth, n = self.client, self.token_for(role), next(self.serial)
        name = endpoint.split(" (")[0]
        inside = scope == IN
        county = "C01" if inside else "C02"
        if name == "issue create":
            body = issue_body(unit="C01T1V1" if inside else "C02T1V1")
            r = c.post("/api/v1/issues", headers=auth, json=body)
            if r.status_code == 201:
                self.built.append(r.get_json()["id"])
            return r.status_code, None
        if name == "units POST":
            body = {"code": f"N{n}", "name": f"新村{n}", "kind": "village", "parent": f"{county}T1"}
            return c.post("/api/v1/units", headers=auth, json=body).status_code, None
        if name == "users GET":
            return c.get("/api/v1/users", headers=auth, query_string={"unit": county}).status_code, None
        if name == "users POST":
            body = {"username": f"user{n}", "role": "clerk", "unit": county, "password": "long-enough-1"}
            return c.post("/api/v1/users", headers=auth, json=body).status_code, None
        if name == "campaigns POST":
            aspects = [{"code": "X01", "name": "产业", "categories": [{"code": "X01C01", "name": "项目"}]}]
            body = {"code": f"YC{n}", "name": "新行动", "deadline": "2030-12-31", "aspects": aspects}
            return c.post("/api/v1/campaigns", headers=auth, json=body).status_code, None

        assert status is not None
        built = self.issue(status, scope)
        if name == "issue list":
            r = c.get("/api/v1/issues", headers=auth, query_string={"per_page": 100})
            found = r.status_code == 200 and built.id in {i["id"] for i in r.get_json()["items"]}
            return r.status_code, found
        if name == "stats":  # the counts themselves are checked after the table, for every issue
            return c.get("/api/v1/stats", headers=auth, query_string={"by": "unit"}).status_code, None
        base = f"/api/v1/issues/{built.id}"
        if name == "issue get":
            return c.get(base, headers=auth).status_code, None
        if name == "history":
            return c.get(f"{base}/history", headers=auth).status_code, None
        if name == "evidence download":
            with c.get(f"{base}/evidence/{built.evidence}", headers=auth) as r:
                assert r.status_code != 200 or r.data == PNG
                return r.status_code, None
        if name == "evidence upload":
            data = {"file": [(io.BytesIO(PNG), f"p{n}.png")], "note": "照片"}
            r = c.post(f"{base}/evidence", headers=auth, data=data, content_type="multipart/form-data")
        else:
            command, body = self.command(name, inside)
            r = c.post(f"{base}/{command}", headers=auth, json=body)
        if r.status_code < 300:
            self.used(status, scope)
        return r.status_code, None

    @staticmethod
    def command(name: str, inside: bool) -> tuple[str, dict[str, Any]]:
        bodies: dict[str, tuple[str, dict[str, Any]]] = {
            "assign": (
                "assign",
                {"lead": "D01", "co": ["C01"], "deadline": in_days(30).isoformat()}
                if inside
                else {"lead": "C02", "deadline": in_days(30).isoformat()},
            ),
            # Stays inside (D01 and C01 both remain) or outside (C02's subtree).
            "reassign": (
                "reassign",
                {"lead": "C01", "co": ["D01"], "reason": "属地管理"}
                if inside
                else {"lead": "C02T1", "reason": "属地管理", "deadline": in_days(30).isoformat()},
            ),
            "progress": ("progress", {"note": "已入户核查"}),
            "extension": ("extension", {"deadline": in_days(60).isoformat(), "reason": "雨季施工"}),
            "extension decision": ("extension/decision", {"granted": True, "note": "同意"}),
            "submit": ("submit", {"summary": "已完成整改"}),
            "verify": ("verify", {"passed": True, "note": "验收合格"}),
            "reopen": ("reopen", {"reason": "回头看发现反弹"}),
            "reject": ("reject", {"reason": "经核实不属实"}),
            "comment": ("comment", {"text": "请抓紧整改"}),
        }
        return bodies[name]


def sees(role: str, actor: Actor, issue: dict[str, Any], paths: dict[str, list[str]]) -> bool:
    """CONTRACT.md "Who sees what", written out independently of the code under test."""
    if role in ("admin", "leader", "inspector"):
        return True

    def within(unit: str) -> bool:
        return actor.unit in paths[unit]

    located = within(issue["unit"])
    assigned = any(within(a["unit"]) for a in issue["assignments"])
    return {"clerk": located, "handler": assigned, "reviewer": located or assigned}[role]


def test_the_authorization_matrix(services: Services, client: FlaskClient, token_for: Any) -> None:
    city = small_city(services)
    services.app.add_unit(system_actor(), code="D01W1", name="教育局专班", kind="workgroup", parent="D01")
    matrix = Matrix(services, city, client, token_for)
    table = rows()
    sight = next(row for row in table if row.endpoint == "issue get").codes
    wrong: list[str] = []
    for row in table:
        for role, pair in row.codes.items():
            for scope, expected in zip((IN, OUT), pair, strict=True):
                got, found = matrix.send(row.endpoint, row.status, role, scope)
                where = f"{row.endpoint:<22} {role:<9} {scope:<7}"
                if got != expected:
                    wrong.append(f"{where} expected {expected}, got {got}")
                sees_it = sight[role][scope == OUT] == 200
                if found is not None and found != sees_it:
                    wrong.append(f"{where} found it: {found}, but may see it: {sees_it}")
    assert not wrong, "\n".join(["", *wrong])

    # Nobody finds what it may not see: not by id, not in lists, not in stats counts.
    admin = token_for("admin")
    everything = ok(client.get("/api/v1/issues", headers=admin, query_string={"per_page": 100}))
    assert everything["total"] == len(everything["items"]) == len(matrix.built)
    paths = {u["code"]: u["path"] for u in ok(client.get("/api/v1/units", headers=admin))}
    actors = {
        "admin": city.admin,
        "inspector": city.inspector,
        "clerk": city.clerk,
        "handler": city.handler,
        "reviewer": city.reviewer,
        "leader": city.leader,
    }
    for role, actor in actors.items():
        auth = token_for(role)
        expected = {i["id"] for i in everything["items"] if sees(role, actor, i, paths)}
        page = ok(client.get("/api/v1/issues", headers=auth, query_string={"per_page": 100}))
        assert {i["id"] for i in page["items"]} == expected, role
        assert page["total"] == len(expected), role
        for by in ("source", "aspect"):
            stats = ok(client.get("/api/v1/stats", headers=auth, query_string={"by": by}))["rows"]
            assert sum(r["total"] for r in stats) == len(expected), (role, by)
        by_unit = {r["key"]: r["total"] for r in ok(client.get("/api/v1/stats", headers=auth))["rows"]}
        for unit in ("C01", "C02", "D01", "OFF"):
            counted = [
                i
                for i in everything["items"]
                if i["id"] in expected
                and (unit in paths[i["unit"]] or any(unit in paths[a["unit"]] for a in i["assignments"]))
            ]
            assert by_unit[unit] == len(counted), (role, unit)
        if role in ("clerk", "handler", "reviewer"):
            assert len(expected) < len(everything["items"]), role
            for issue in everything["items"]:
                if issue["id"] not in expected:
                    answer = client.get(f"/api/v1/issues/{issue['code']}", headers=auth)
                    assert answer.status_code == 404, (role, issue["code"])
                    searched = client.get("/api/v1/issues", headers=auth, query_string={"q": issue["title"]})
                    assert issue["id"] not in {i["id"] for i in ok(searched)["items"]}, (role, issue["code"])
