"""The sign-in limit (web/sign_in_limit.py): per username and client address,
with a higher ceiling per address, counted where every server process shares
it: in Redis when one is configured, else in the database
(services/sign_in_counts.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
from flask import Flask
from werkzeug.exceptions import TooManyRequests

from domain.actor import system_actor
from services.bootstrap import Services, build
from services.settings import Settings
from tests.races import figures_name, record_figures
from tests.support import REDIS_URL, require_redis, small_city
from web.app import create_app
from web.sign_in_limit import SignInLimit

PASSWORD = "a long secret 2023"


def test_two_processes_share_one_count_in_redis() -> None:
    require_redis()
    first, second = SignInLimit(REDIS_URL, "3 per minute"), SignInLimit(REDIS_URL, "3 per minute")
    client = f"test-{uuid4().hex}"  # a fresh address: no count left from other runs
    first.check("li", client)
    second.check("li", client)
    first.check("li", client)
    with pytest.raises(TooManyRequests) as refused:
        second.check("li", client)
    assert refused.value.retry_after is not None
    first.check("li", f"test-{uuid4().hex}")  # another address is counted apart


@pytest.fixture
def two_processes(settings: Settings) -> Iterator[tuple[Services, Services]]:
    """Two sets of services on one database, as two server processes have."""
    first = build(settings)
    first.init()
    second = build(settings)
    yield first, second
    first.close()
    second.close()


def test_two_processes_share_one_count_in_the_database(two_processes: tuple[Services, Services]) -> None:
    first, second = (SignInLimit(s.sign_in_counts, "3 per minute", "5 per minute") for s in two_processes)
    first.check("li", "10.0.0.1")
    second.check("LI ", "10.0.0.1")  # the same account, however written
    first.check("li", "10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        second.check("li", "10.0.0.1")
    assert 1 <= int(refused.value.retry_after or 0) <= 61
    first.check("wang", "10.0.0.1")  # another account from the same address
    second.check("li", "10.0.0.2")  # the same account from another address
    with pytest.raises(TooManyRequests):  # the address's own ceiling: 5 a minute, whatever the account
        second.check("zhao", "10.0.0.1")


def _sign_in_apps(two_processes: tuple[Services, Services]) -> list[Flask]:
    s = two_processes[0]
    small_city(s)
    s.app.change_password(system_actor(), "admin", password=PASSWORD)
    for username in ("handler", "clerk", "reviewer", "leader"):
        s.app.change_password(system_actor(), username, password=PASSWORD)
    return [create_app(services=services) for services in two_processes]


def test_guesses_sent_to_two_processes_stop_at_ten_in_all(two_processes: tuple[Services, Services]) -> None:
    """Before, each process counted alone: 20 of these 30 guesses were answered."""
    apps = _sign_in_apps(two_processes)
    clients = [a.test_client() for a in apps]
    answers = [
        clients[n % 2]
        .post("/api/v1/tokens", json={"username": "admin", "password": f"guess {n:04d}"})
        .status_code
        for n in range(30)
    ]
    answered, refused = answers.count(401), answers.count(429)
    record_figures(figures_name(), guesses=30, processes=2, answered_401=answered, refused_429=refused)
    assert answers == [401] * 10 + [429] * 20


def test_an_office_behind_one_address_is_not_locked_out(two_processes: tuple[Services, Services]) -> None:
    apps = _sign_in_apps(two_processes)
    clients = [a.test_client() for a in apps]
    answers = []
    for n in range(8):  # five people behind one NAT address, each signing in 8 times
        for username in ("admin", "handler", "clerk", "reviewer", "leader"):
            answer = clients[n % 2].post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
            answers.append(answer.status_code)
    record_figures(figures_name(), sign_ins=40, users=5, addresses=1, refused_429=answers.count(429))
    assert answers == [201] * 40


def test_a_guess_at_an_unknown_account_costs_as_much_as_one_at_a_known_one(services: Services) -> None:
    small_city(services)
    services.app.change_password(system_actor(), "admin", password=PASSWORD)

    def fastest(username: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            with pytest.raises(Exception, match="wrong username or password"):
                services.app.authenticate(username, "a wrong guess")
            times.append(time.perf_counter() - started)
        return min(times)

    known, unknown = fastest("admin"), fastest("nobody-here")
    assert known > 0.02, "a password check is expected to cost a scrypt hash"
    assert unknown > known / 2, (
        f"an unknown account answered in {unknown:.3f} s, a known one in {known:.3f} s"
    )


def test_every_limit_counts_and_a_disabled_limit_counts_nothing() -> None:
    limit = SignInLimit("memory://", "2 per minute;3 per hour")
    client = "10.0.0.1"
    limit.enabled = False
    for _ in range(5):
        limit.check("li", client)
    limit.enabled = True
    limit.check("li", client)
    limit.check("li", client)
    with pytest.raises(TooManyRequests):
        limit.check("li", client)
