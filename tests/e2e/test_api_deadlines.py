"""Deadlines through HTTP (CONTRACT.md, December 2026): 422 for a deadline
before today, reassign's ``deadline?``, extension ``units?``, per-assignment
``overdue``/``warned``, and discovery photos at report time.

The small city's commands are given on ``CITY_TODAY`` (2023-06-15).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from services.bootstrap import Services
from tests.e2e.conftest import ok
from tests.e2e.samples import PNG, error, multipart
from tests.support import CITY_TODAY, City, given_on, report, small_city

Auth = Callable[[str], dict[str, str]]

YESTERDAY = (CITY_TODAY - timedelta(days=1)).isoformat()
DEADLINE = date(2023, 9, 30)


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


def assigned(services: Services, city: City) -> str:
    """Lead D01 and co C01, one deadline (2023-09-30)."""
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=DEADLINE)
    return issue


def deadlines(body: dict[str, object]) -> list[tuple[object, ...]]:
    assignments = body["assignments"]
    assert isinstance(assignments, list)
    return [(a["unit"], a["role"], a["deadline"], a["overdue"]) for a in assignments]


def test_a_deadline_before_today_is_a_422_naming_deadline(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    admin = token_for("admin")
    fresh = report(services, city)
    body = {"lead": "D01", "deadline": YESTERDAY}
    error(client.post(f"/api/v1/issues/{fresh}/assign", headers=admin, json=body), 422, "deadline")
    # Today itself is a valid deadline.
    ok(
        client.post(
            f"/api/v1/issues/{fresh}/assign", headers=admin, json={**body, "deadline": CITY_TODAY.isoformat()}
        )
    )

    issue = assigned(services, city)
    base = f"/api/v1/issues/{issue}"
    reassign = {"lead": "D01", "co": ["C01", "C02"], "reason": "增派", "deadline": YESTERDAY}
    error(client.post(f"{base}/reassign", headers=admin, json=reassign), 422, "deadline")
    # Later than the current deadline, but not before today: ask again from a later day.
    given_on(services, date(2023, 10, 10))
    extension = {"deadline": "2023-10-05", "reason": "雨季"}
    error(client.post(f"{base}/extension", headers=token_for("handler"), json=extension), 422, "deadline")
    services.app.submit(city.handler, issue, summary="完成")
    services.app.verify(city.reviewer, issue, passed=True)
    reopen = {"reason": "回头看反弹", "deadline": "2023-10-09"}
    error(client.post(f"{base}/reopen", headers=admin, json=reopen), 422, "deadline")
    assert ok(client.get(base, headers=admin))["status"] == "closed"
    history = ok(client.get(f"{base}/history", headers=admin))
    assert [h["type"] for h in history][-2:] == ["Submitted", "VerificationPassed"]


def test_reassign_keeps_deadlines_and_needs_one_for_a_new_unit(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = assigned(services, city)
    url = f"/api/v1/issues/{issue}/reassign"
    admin = token_for("admin")
    body = {"lead": "D01", "co": ["C01", "C02"], "reason": "增派临猗县"}
    error(client.post(url, headers=admin, json=body), 422, "deadline")
    answer = ok(client.post(url, headers=admin, json={**body, "deadline": "2023-11-15"}))
    assert deadlines(answer) == [
        ("D01", "lead", "2023-09-30", False),
        ("C01", "co", "2023-09-30", False),
        ("C02", "co", "2023-11-15", False),
    ]
    # A deadline given moves no unit that has one: only an extension does.
    swap = {"lead": "C01", "co": ["D01", "C02"], "reason": "改由属地牵头", "deadline": "2023-12-31"}
    assert deadlines(ok(client.post(url, headers=admin, json=swap))) == [
        ("C01", "lead", "2023-09-30", False),
        ("D01", "co", "2023-09-30", False),
        ("C02", "co", "2023-11-15", False),
    ]


def test_a_unit_that_comes_back_has_its_own_deadline_and_is_overdue_again(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    """Lead D01 and co C01 with one deadline; C01 granted an extension; D01's
    deadline missed; reassigned to C01 alone, then D01 added back."""
    issue = assigned(services, city)
    base = f"/api/v1/issues/{issue}"
    admin = token_for("admin")
    ok(
        client.post(
            f"{base}/extension",
            headers=token_for("county-handler"),
            json={"deadline": "2023-12-31", "reason": "资金"},
        )
    )
    ok(client.post(f"{base}/extension/decision", headers=admin, json={"granted": True, "note": "同意"}))
    services.sweep_deadlines(today=DEADLINE + timedelta(days=1))
    before = ok(client.get(base, headers=admin))
    assert deadlines(before) == [("D01", "lead", "2023-09-30", True), ("C01", "co", "2023-12-31", False)]

    given_on(services, DEADLINE + timedelta(days=2))
    alone = ok(
        client.post(f"{base}/reassign", headers=admin, json={"lead": "C01", "co": [], "reason": "改由属地"})
    )
    assert (deadlines(alone), alone["overdue"]) == ([("C01", "lead", "2023-12-31", False)], False)
    back = ok(
        client.post(
            f"{base}/reassign", headers=admin, json={"lead": "C01", "co": ["D01"], "reason": "教育局配合"}
        )
    )
    assert deadlines(back) == [("C01", "lead", "2023-12-31", False), ("D01", "co", "2023-09-30", True)]
    # The issue's deadline is the lead's; it is overdue because an assignment is.
    assert (back["deadline"], back["overdue"]) == ("2023-12-31", True)
    listed = ok(client.get("/api/v1/issues?overdue=true", headers=admin))
    assert [i["id"] for i in listed["items"]] == [issue]
    assert listed["items"][0]["assignments"][1] == {
        "unit": "D01",
        "role": "co",
        "deadline": "2023-09-30",
        "overdue": True,
        "warned": False,
    }
    types = [h["type"] for h in ok(client.get(f"{base}/history", headers=admin))]
    assert types.count("ExtensionGranted") == 1 and types[-2:] == ["Reassigned", "Reassigned"]


def test_an_extension_names_the_units_it_is_for(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01", "C02"], deadline=DEADLINE)
    base = f"/api/v1/issues/{issue}"
    lead, co = token_for("handler"), token_for("county-handler")
    later = {"deadline": "2023-12-31", "reason": "统一延期"}
    error(client.post(f"{base}/extension", headers=co, json={**later, "units": ["D01"]}), 403)
    error(client.post(f"{base}/extension", headers=lead, json={**later, "units": ["C01T1"]}), 422, "units")
    error(client.post(f"{base}/extension", headers=lead, json={**later, "units": []}), 422, "units")
    asked = ok(client.post(f"{base}/extension", headers=lead, json={**later, "units": ["D01", "C01"]}))
    assert asked["pending_extension"]["units"] == ["D01", "C01"]
    granted = ok(
        client.post(f"{base}/extension/decision", headers=token_for("admin"), json={"granted": True})
    )
    assert [(a["unit"], a["deadline"]) for a in granted["assignments"]] == [
        ("D01", "2023-12-31"),
        ("C01", "2023-12-31"),
        ("C02", "2023-09-30"),
    ]
    history = ok(client.get(f"{base}/history", headers=token_for("admin")))
    requested, decided = history[-2:]
    assert (requested["type"], requested["data"]["units"]) == ("ExtensionRequested", ["D01", "C01"])
    assert decided["type"] == "ExtensionGranted"
    assert decided["data"]["units"] == ["D01", "C01"]
    assert decided["data"]["previous_deadlines"] == {"D01": "2023-09-30", "C01": "2023-09-30"}
    # Without units: the requester's own unit.
    alone = ok(client.post(f"{base}/extension", headers=token_for("other-handler"), json=later))
    assert alone["pending_extension"]["units"] == ["C02"]


def test_each_assignment_is_warned_and_overdue_on_its_own(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline="2023-12-30")
    services.app.reassign(
        city.admin, issue, lead="D01", co=["C01", "C02"], reason="增派", deadline="2023-11-30"
    )
    services.sweep_deadlines(today=date(2023, 11, 28))
    warned = ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")))
    assert [(a["unit"], a["warned"], a["overdue"]) for a in warned["assignments"]] == [
        ("D01", False, False),
        ("C01", False, False),
        ("C02", True, False),
    ]
    services.sweep_deadlines(today=date(2023, 12, 1))
    late = ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")))
    assert [(a["unit"], a["overdue"]) for a in late["assignments"]] == [
        ("D01", False),
        ("C01", False),
        ("C02", True),
    ]
    assert (late["deadline"], late["overdue"]) == ("2023-12-30", True)


def test_the_reporter_attaches_discovery_photos_while_reported(
    services: Services, city: City, client: FlaskClient, token_for: Auth
) -> None:
    issue = report(services, city)  # by the inspector
    url = f"/api/v1/issues/{issue}/evidence"
    answer = ok(
        client.post(
            url,
            headers=token_for("inspector"),
            data=multipart((PNG, "现场.png"), note="入户照片"),
            content_type="multipart/form-data",
        ),
        201,
    )
    (photo,) = answer["evidence"]
    detail = ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")))
    assert [e["id"] for e in detail["discovery_evidence"]] == [photo["id"]]
    assert detail["evidence"] == [] and detail["status"] == "reported"
    history = ok(client.get(f"/api/v1/issues/{issue}/history", headers=token_for("admin")))
    assert history[-1]["type"] == "DiscoveryEvidenceAttached"
    with client.get(f"{url}/{photo['id']}", headers=token_for("clerk")) as r:
        assert r.status_code == 200 and r.data == PNG
    # Nobody else while it is reported (the clerk and the admin see it).
    for who in ("admin", "clerk"):
        error(
            client.post(
                url,
                headers=token_for(who),
                data=multipart((PNG, "x.png")),
                content_type="multipart/form-data",
            ),
            403,
        )
    # Once assigned, evidence is the units' rectification evidence.
    services.app.assign(city.admin, issue, lead="D01", deadline=DEADLINE)
    error(
        client.post(
            url,
            headers=token_for("inspector"),
            data=multipart((PNG, "y.png")),
            content_type="multipart/form-data",
        ),
        403,
    )
    ok(
        client.post(
            url,
            headers=token_for("handler"),
            data=multipart((PNG, "整改后.png")),
            content_type="multipart/form-data",
        ),
        201,
    )
    detail = ok(client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")))
    assert [e["name"] for e in detail["discovery_evidence"]] == ["现场.png"]
    assert [e["name"] for e in detail["evidence"]] == ["整改后.png"]
