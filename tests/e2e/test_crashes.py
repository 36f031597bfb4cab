"""Crashes: web processes (two gunicorn, one ``rectify serve`` with its
background projection) killed with SIGKILL in the middle of a burst of
commands and reads, then started again, on one SQLite file and on one
PostgreSQL database (docs/reliability.md, "Races, crashes and outages").

Afterwards: nothing is half-written (every issue's versions run 1..n, every
number the campaign gave out has its issue and no issue lacks its number),
every command answered 2xx is in the log exactly once, one that got no
answer at most once, one refused (409, 412, or 503 with ``Retry-After``
when SQLite stayed busy) not at all, no answer was a 500, and the read model, once
``rectify project`` has run, equals a rebuild.
"""

from __future__ import annotations

import http.client
import random
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid5

import pytest
from eventsourcing.utils import get_topic

from domain.campaign import Campaign, campaign_id
from domain.issue import Issue
from services.settings import Settings
from tests.processes import BIN, ROOT, Client, Web, serving_small_city
from tests.races import (
    Outcome,
    Tally,
    check_lifecycle,
    dump_read_model,
    figures_name,
    record_figures,
    recorded_tags,
)
from tests.support import report

SERVERS = 3
CLIENTS = 12
BURST_S = 8.0
KILLS = 4

pytestmark = pytest.mark.slow


@pytest.fixture
def web(settings: Settings, tmp_path: Path) -> Iterator[Web]:
    with serving_small_city(settings, tmp_path, servers=SERVERS, serve=True) as running_city:
        yield running_city


def test_servers_killed_during_a_burst_lose_nothing_and_half_write_nothing(web: Web) -> None:
    s, city = web.services, web.city
    deadline = (date.today() + timedelta(days=60)).isoformat()
    assigned = []
    for n in range(4):
        issue = report(s, city, title=f"起始问题{n}")
        s.app.assign(city.admin, issue, lead="D01", deadline=deadline, measures="整改")
        assigned.append(issue)
    tally = Tally()
    unanswered: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    kills: list[str] = []

    def burst(i: int) -> None:
        rnd = random.Random(i)
        k = 0
        while not stop.is_set():
            k += 1
            server = (i + k) % SERVERS  # move on to the next server each time: some are down
            tag = f"c-{i}-{k}"
            choice = rnd.random()
            if choice < 0.35:
                user, method, path = "inspector", "POST", "/api/v1/issues"
                body: dict[str, object] | None = {
                    "campaign": city.campaign,
                    "title": tag,
                    "source": "flying",
                    "aspect": "A01",
                    "category": "A01C02",
                    "unit": "C01T1V1",
                }
            elif choice < 0.7:
                user, method, path = "handler", "POST", f"/api/v1/issues/{rnd.choice(assigned)}/progress"
                body = {"note": tag}
            elif choice < 0.85:
                user, method, path = "leader", "POST", f"/api/v1/issues/{rnd.choice(assigned)}/comment"
                body = {"text": tag}
            else:  # reads project the log inside the servers, and are killed too
                user, method, path, body = "admin", "GET", "/api/v1/issues?per_page=5", None
            client = Client(web.servers[server].port, web.tokens[user], timeout=20, resend=False)
            try:
                status, headers, answer = client.send(method, path, body)
            except (OSError, http.client.HTTPException):
                if method == "POST":
                    with lock:
                        unanswered.append(tag)
                continue
            finally:
                client.close()
            if status == 503 and answer.get("reason") == "store_busy" and headers.get("retry-after"):
                # SQLite under this load: a process's one writer connection (or
                # the write lock) stayed taken; refused, written nothing.
                tally.add(Outcome(tag, "busy"))
            elif method == "GET":
                if status != 200:
                    tally.add(Outcome(tag, "error", f"{status}: {answer}"))
            elif status in (200, 201):
                tally.add(Outcome(tag, "ok"))
            elif status in (409, 412):
                tally.add(Outcome(tag, str(status)))
            else:
                tally.add(Outcome(tag, "error", f"{status}: {answer}"))

    def killer() -> None:
        rnd = random.Random(7)
        time.sleep(1.0)
        for n in range(KILLS):
            victim = web.servers[n % SERVERS]
            time.sleep(rnd.uniform(0.3, 1.0))
            victim.kill(signal.SIGKILL)
            kills.append(f"server {n % SERVERS}")
            time.sleep(rnd.uniform(0.1, 0.5))
            victim.start()
        time.sleep(0.5)

    clients = [threading.Thread(target=burst, args=(i,)) for i in range(CLIENTS)]
    kill_thread = threading.Thread(target=killer)
    for th in clients:
        th.start()
    kill_thread.start()
    time.sleep(BURST_S)
    kill_thread.join(60)
    # The last blow: every server at once, mid-burst.
    for server in web.servers:
        server.kill(signal.SIGKILL)
    kills.append("all servers")
    stop.set()
    for th in clients:
        th.join(60)

    app = s.app
    camp = app.repository.get(campaign_id(city.campaign))
    assert isinstance(camp, Campaign)
    numbered = camp.issues_numbered
    issue_ids = [str(uuid5(campaign_id(city.campaign), f"issue-{n}")) for n in range(1, numbered + 1)]
    for issue in issue_ids:  # every number given out has its issue, whole (versions 1..n)
        check_lifecycle(s, issue)
    # ...and no issue lacks its number.
    reports = app.recorder.select_notifications(start=None, limit=10**6, topics=[get_topic(Issue.Reported)])
    assert len(reports) == numbered
    recorded = recorded_tags(s, issue_ids, "c-")
    accepted = tally.accepted()
    failures = [o for o in tally.failures() if o.answer != "busy"]
    record_figures(
        figures_name(),
        commands=len(tally.outcomes) + len(unanswered),
        answered_2xx=len(accepted),
        refused=len(tally.refused()),
        busy_503=sum(o.answer == "busy" for o in tally.outcomes),
        busy_503_but_written=len({o.tag for o in tally.outcomes if o.answer == "busy"} & set(recorded)),
        unanswered=len(unanswered),
        unanswered_but_written=len(set(unanswered) & set(recorded)),
        faults_injected=KILLS + SERVERS,
        events_lost=len(accepted - set(recorded)),
        written_twice=sum(n > 1 for n in recorded.values()),
        server_errors=len(failures),
    )
    assert not failures, failures[:5]
    assert len(accepted) > 20 and len(kills) == KILLS + 1
    assert accepted <= set(recorded), f"answered but lost: {sorted(accepted - set(recorded))[:5]}"
    assert all(n == 1 for n in recorded.values()), [t for t, n in recorded.items() if n != 1]
    assert set(recorded) <= accepted | set(unanswered), "a refused (409, 412, 503) command was written"

    # The read model, caught up by the command line, equals a rebuild.
    done = subprocess.run(
        [str(BIN / "rectify"), "project"], cwd=ROOT, env=web.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    s.projector.forget_cache()
    projected = dump_read_model(s)
    s.projector.rebuild()
    assert dump_read_model(s) == projected
    assert len(projected["rm_issues"]) == numbered
