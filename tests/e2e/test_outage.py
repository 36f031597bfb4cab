"""Outages: the PostgreSQL under a running server stops (as if it crashed)
and comes back (docs/reliability.md, "Races, crashes and outages").

The test starts a PostgreSQL of its own on a spare port (tests.processes.
OwnPostgres), serves the small city on it with gunicorn, and stops the
database in the middle of a burst of commands. Meanwhile commands and reads
answer 503 with ``Retry-After`` (never 500, never hanging), ``/readyz``
answers 503 naming the database, ``/healthz`` still 200; once the database
is back the same server processes answer again by themselves; nothing is
half-written, every command answered 2xx is in the log exactly once, and
the read model equals a rebuild.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from services.bootstrap import build
from services.settings import Settings
from tests.processes import Client, OwnPostgres, Web, request, serving_small_city
from tests.races import (
    Outcome,
    Tally,
    assert_read_model_equals_a_rebuild,
    check_lifecycle,
    figures_name,
    record_figures,
    recorded_tags,
)
from tests.support import in_ci, report

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CLIENTS = 6
#: The longest a command may take to be refused while the database is down.
REFUSED_WITHIN_S = 15.0
#: The longest the servers may take to answer again once it is back.
RECOVERED_WITHIN_S = 30.0


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    why = OwnPostgres.available()
    if why is not None:
        if in_ci():
            pytest.fail(f"cannot start a PostgreSQL of the test's own: {why} (CI is set)")
        pytest.skip(why)
    pg = OwnPostgres().init()
    pg.start()
    try:
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def web(own_postgres: OwnPostgres, tmp_path: Path) -> Iterator[Web]:
    url = own_postgres.create_database("rectify")
    with serving_small_city(Settings(data_dir=tmp_path, database_url=url), tmp_path, servers=2) as served:
        yield served


def test_commands_answer_503_while_postgres_is_down_and_the_servers_recover_by_themselves(
    own_postgres: OwnPostgres, web: Web
) -> None:
    s, city = web.services, web.city
    deadline = (date.today() + timedelta(days=60)).isoformat()
    issue = report(s, city)
    s.app.assign(city.admin, issue, lead="D01", deadline=deadline, measures="整改")
    port = web.servers[0].port
    assert request(port, "GET", "/readyz")[0] == 200

    tally = Tally()
    retry_after: list[str] = []
    slow: list[float] = []
    answered_at: list[float] = []
    stop = threading.Event()

    def burst(i: int) -> None:
        rnd = random.Random(i)
        k = 0
        while not stop.is_set():
            k += 1
            tag = f"o-{i}-{k}"
            client = Client(web.servers[(i + k) % len(web.servers)].port, web.tokens["handler"], resend=False)
            started = time.monotonic()
            try:
                if rnd.random() < 0.8:
                    path = f"/api/v1/issues/{issue}/progress"
                    status, headers, body = client.send("POST", path, {"note": tag})
                else:
                    status, headers, body = client.send("GET", "/api/v1/issues?per_page=5")
                    tag = ""
            except (OSError, http.client.HTTPException) as e:
                tally.add(Outcome(tag, "error", f"no answer: {e}"))
                continue
            finally:
                client.close()
            took = time.monotonic() - started
            if status in (200, 201):
                if tag:
                    tally.add(Outcome(tag, "ok"))
                    answered_at.append(time.monotonic())
            elif status == 503:
                tally.add(Outcome(tag or "read", "503"))
                retry_after.append(headers.get("retry-after", ""))
                if took > REFUSED_WITHIN_S:
                    slow.append(took)
            else:
                tally.add(Outcome(tag or "read", "error", f"{status}: {body}"))

    clients = [threading.Thread(target=burst, args=(i,)) for i in range(CLIENTS)]
    for th in clients:
        th.start()
    try:
        time.sleep(1.5)
        own_postgres.stop("immediate")  # as a crash, in the middle of the burst
        down_at = time.monotonic()
        time.sleep(3.0)

        # Down: /readyz names the database, /healthz still answers, commands are 503 soon.
        status, _, ready = request(port, "GET", "/readyz", timeout=REFUSED_WITHIN_S)
        assert status == 503 and ready["checks"]["database"].startswith("unreachable"), ready
        assert request(port, "GET", "/healthz")[0] == 200
        started = time.monotonic()
        status, headers, body = Client(port, web.tokens["leader"], resend=False).once(
            "POST", f"/api/v1/issues/{issue}/comment", {"text": "停机期间的批示"}
        )
        refused_in = time.monotonic() - started
        assert status == 503 and body["reason"] == "database_unavailable", body
        assert int(headers["retry-after"]) >= 1 and refused_in < REFUSED_WITHIN_S

        own_postgres.start()
        back_at = time.monotonic()
        down_s = back_at - down_at
        recovered_in = None
        while time.monotonic() - back_at < RECOVERED_WITHIN_S:
            statuses = [request(w.port, "GET", "/readyz", timeout=10)[0] for w in web.servers]
            if all(code == 200 for code in statuses):
                recovered_in = time.monotonic() - back_at
                break
            time.sleep(0.2)
        assert recovered_in is not None, "the servers did not recover by themselves"
        time.sleep(1.5)  # the burst goes on against the recovered servers
    finally:
        stop.set()
        for th in clients:
            th.join(60)
    answered_ok = {o.tag for o in tally.outcomes if o.answer == "ok"}
    late_ok = len(answered_ok)

    # The servers answer commands again (the burst's last ones above, and this).
    for server in web.servers:
        status, _, _ = Client(server.port, web.tokens["leader"]).once(
            "POST", f"/api/v1/issues/{issue}/comment", {"text": f"恢复后 {server.port}"}
        )
        assert status == 200

    s.close()
    fresh = build(s.settings)  # the test's own view, on fresh connections
    try:
        check_lifecycle(fresh, issue)
        recorded = recorded_tags(fresh, [issue], "o-")
        refused = {o.tag for o in tally.outcomes if o.answer == "503" and o.tag.startswith("o-")}
        failures = [o for o in tally.outcomes if o.answer == "error"]
        record_figures(
            figures_name(),
            commands=sum(1 for o in tally.outcomes if o.tag.startswith("o-")),
            answered_2xx=late_ok,
            answered_503=len(refused),
            answered_503_but_written=len(refused & set(recorded)),
            retry_after_missing=sum(1 for r in retry_after if not r),
            database_down_s=round(down_s, 1),
            ready_again_in_s=round(recovered_in, 2),
            first_2xx_command_after_s=round(min(t for t in answered_at if t > back_at) - back_at, 2),
            slowest_refusal_s=round(max(slow, default=refused_in), 2),
            faults_injected=1,
            events_lost=len(answered_ok - set(recorded)),
            written_twice=sum(n > 1 for n in recorded.values()),
            server_errors=len(failures),
        )
        assert not failures, failures[:5]
        assert refused, "no command met the outage"
        assert all(r and int(r) >= 1 for r in retry_after)
        assert not slow, f"refusals took {slow} s"
        assert answered_ok <= set(recorded), "a command answered 2xx is not in the log"
        assert all(n == 1 for n in recorded.values())
        assert_read_model_equals_a_rebuild(fresh)
    finally:
        fresh.close()
