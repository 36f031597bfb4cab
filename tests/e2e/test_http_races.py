"""Races over HTTP: 16 connections against three web processes (two gunicorn,
one ``rectify serve``) sharing one database (one SQLite file, or one
PostgreSQL database), giving conflicting commands on one problem and on many
(docs/reliability.md, "Races, crashes and outages").

Afterwards, read from the event store: every command answered 2xx is in the
history exactly once, every refused one (409 or 412, nothing else: no 500,
no 503) is not in it, every status moved as the transition table allows,
issue codes are unique and gap-free, and the read model equals a rebuild.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.settings import Settings
from tests.processes import Client, Web, serving_small_city
from tests.races import (
    THREADS,
    Outcome,
    Tally,
    assert_read_model_equals_a_rebuild,
    check_lifecycle,
    figures_name,
    race_figures,
    record_figures,
    recorded_tags,
    together,
)
from tests.support import report

SERVERS = 3

pytestmark = pytest.mark.slow


@pytest.fixture
def web(settings: Settings, tmp_path: Path) -> Iterator[Web]:
    with serving_small_city(settings, tmp_path, servers=SERVERS, serve=True) as running_city:
        yield running_city


def answered(tally: Tally, tag: str, result: tuple[int, dict[str, str], Any]) -> bool:
    status, _, body = result
    if status in (200, 201):
        tally.add(Outcome(tag, "ok"))
        return True
    if status in (409, 412):
        tally.add(Outcome(tag, str(status)))
    else:
        tally.add(Outcome(tag, "error", f"{status}: {body}"))
    return False


def deadline() -> str:
    return (date.today() + timedelta(days=60)).isoformat()  # the servers run on the wall clock


def version_of(client: Client, issue: str) -> int:
    status, headers, _ = client.send("GET", f"/api/v1/issues/{issue}")
    assert status == 200
    return int(headers["etag"].strip('"'))


def test_sixteen_connections_on_three_servers_racing_on_one_problem(web: Web) -> None:
    issue = report(web.services, web.city)
    tally = Tally()

    def assign(i: int) -> None:
        c = web.client(i, "admin")
        body = {"lead": "D01", "co": ["C01"], "deadline": deadline(), "measures": f"h-assign-{i}"}
        answered(
            tally,
            f"h-assign-{i}",
            c.send("POST", f"/api/v1/issues/{issue}/assign", body, if_match=1 if i % 2 else None),
        )
        c.close()

    together(assign)
    assert tally.counts()["ok"] == 1, tally.outcomes

    def act(i: int) -> None:
        rnd = random.Random(i)
        inspector, handler = web.client(i, "inspector"), web.client(i, "handler")
        for k in range(6):
            tag = f"h-act-{i}-{k}"
            kind = (i + k) % 8
            c = inspector if kind < 3 else handler
            version = version_of(c, issue) if rnd.random() < 0.5 else None
            if kind < 3:
                path, body = "comment", {"text": tag}
            elif kind < 7:
                path, body = "progress", {"note": tag}
            else:
                path, body = "submit", {"summary": tag}
            answered(tally, tag, c.send("POST", f"/api/v1/issues/{issue}/{path}", body, if_match=version))
        inspector.close()
        handler.close()

    together(act)

    def verify(i: int) -> None:
        c = web.client(i, "reviewer" if i % 2 else "city-reviewer")
        tag = f"h-verify-{i}"
        answered(tally, tag, c.send("POST", f"/api/v1/issues/{issue}/verify", {"passed": True, "note": tag}))
        c.close()

    together(verify)

    recorded = recorded_tags(web.services, [issue], "h-")
    record_figures(
        figures_name(),
        **race_figures(tally),
        events_lost=len(tally.accepted() - set(recorded)),
        written_twice=sum(n > 1 for n in recorded.values()),
    )
    assert not tally.failures(), tally.failures()[:5]
    assert set(recorded) == tally.accepted()
    assert all(n == 1 for n in recorded.values()), [t for t, n in recorded.items() if n != 1]
    assert str(check_lifecycle(web.services, issue).status) == "closed"
    assert_read_model_equals_a_rebuild(web.services)


def test_sixteen_connections_on_three_servers_reporting_and_acting_on_many(web: Web) -> None:
    tally = Tally()
    reported: list[str] = []
    assigned: list[str] = []
    lock = threading.Lock()
    rounds = 4

    def work(i: int) -> None:
        rnd = random.Random(200 + i)
        inspector, admin, handler = (web.client(i, u) for u in ("inspector", "admin", "handler"))
        for k in range(rounds):
            tag = f"h-report-{i}-{k}"
            body = {
                "campaign": web.city.campaign,
                "title": tag,
                "description": "排查发现",
                "source": "flying",
                "aspect": "A01",
                "category": "A01C02",
                "severity": "general",
                "key": False,
                "unit": "C01T1V1",
            }
            result = inspector.send("POST", "/api/v1/issues", body)
            if answered(tally, tag, result):
                with lock:
                    reported.append(result[2]["id"])
            with lock:
                pool, work_on = list(reported), list(assigned)
            tag = f"h-act-{i}-{k}"
            choice = rnd.random()
            if choice < 0.4 or not work_on:
                target = rnd.choice(pool)
                version = version_of(admin, target) if rnd.random() < 0.5 else None
                body = {"lead": "D01", "deadline": deadline(), "measures": tag}
                if answered(
                    tally, tag, admin.send("POST", f"/api/v1/issues/{target}/assign", body, if_match=version)
                ):
                    with lock:
                        assigned.append(target)
            else:
                target = rnd.choice(work_on)
                version = version_of(handler, target) if rnd.random() < 0.5 else None
                path, body = ("progress", {"note": tag}) if choice < 0.8 else ("submit", {"summary": tag})
                answered(
                    tally,
                    tag,
                    handler.send("POST", f"/api/v1/issues/{target}/{path}", body, if_match=version),
                )
        for c in (inspector, admin, handler):
            c.close()

    together(work)

    recorded = recorded_tags(web.services, reported, "h-")
    record_figures(
        figures_name(),
        **race_figures(tally),
        events_lost=len(tally.accepted() - set(recorded)),
        written_twice=sum(n > 1 for n in recorded.values()),
    )
    assert not tally.failures(), tally.failures()[:5]
    total = THREADS * rounds
    app = web.services.app
    codes = sorted(app.get_issue(web.city.admin, issue).code for issue in reported)
    assert codes == [f"YC2023-{n:04d}" for n in range(1, total + 1)], "codes are not unique and gap-free"
    assert set(recorded) == tally.accepted()
    assert all(n == 1 for n in recorded.values()), [t for t, n in recorded.items() if n != 1]
    for issue in reported:
        check_lifecycle(web.services, issue)
    rebuilt = assert_read_model_equals_a_rebuild(web.services)
    assert len(rebuilt["rm_issues"]) == total
