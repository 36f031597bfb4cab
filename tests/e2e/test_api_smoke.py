from flask.testing import FlaskClient

from services.bootstrap import Services
from tests.e2e.conftest import ok
from tests.support import in_days, small_city


def test_a_problem_through_the_api(services: Services, client: FlaskClient, token_for) -> None:  # type: ignore[no-untyped-def]
    small_city(services)
    created = ok(
        client.post(
            "/api/v1/issues",
            headers=token_for("inspector"),
            json={
                "campaign": "YC2023",
                "title": "危房改造未完成",
                "description": "排查发现",
                "source": "flying",
                "aspect": "A01",
                "category": "A01C02",
                "severity": "serious",
                "key": False,
                "unit": "C01T1V1",
            },
        ),
        201,
    )
    assert created["code"] == "YC2023-0001"
    issue = created["id"]
    body = {"lead": "D01", "co": ["C01"], "deadline": in_days(30).isoformat(), "measures": "限期整改"}
    r = client.post(
        f"/api/v1/issues/{issue}/assign", headers={**token_for("admin"), "If-Match": '"1"'}, json=body
    )
    assigned = ok(r)
    assert assigned["status"] == "assigned" and r.headers["ETag"] == '"2"'
    stale = client.post(
        f"/api/v1/issues/{issue}/progress",
        headers={**token_for("handler"), "If-Match": '"1"'},
        json={"note": "x"},
    )
    assert stale.status_code == 412
    listed = ok(client.get("/api/v1/issues?unit=C01&q=危房", headers=token_for("county-handler")))
    assert listed["total"] == 1
    assert client.get(f"/api/v1/issues/{issue}", headers=token_for("other-handler")).status_code == 404
