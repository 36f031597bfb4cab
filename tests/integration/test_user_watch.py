"""Token checks on PostgreSQL skip the event store while the user watch knows
the user is unchanged; a change made anywhere ends that at once (in the process
that made it) or within milliseconds (elsewhere, by PostgreSQL's NOTIFY).

Two ``Services`` on one database stand for two server processes: each has its
own aggregate cache and its own watch."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from uuid import UUID

import pytest

from domain.actor import system_actor
from services.accounts import NotAuthenticated
from services.bootstrap import Services, build
from services.settings import Settings
from services.user_watch import UserWatch
from tests.support import City, small_city

pytestmark = pytest.mark.postgres


@pytest.fixture
def two(pg_settings: Settings) -> Iterator[tuple[Services, Services, City]]:
    first = build(pg_settings)
    first.init()
    city = small_city(first)
    second = build(pg_settings)
    second.init()
    yield first, second, city
    first.close()
    second.close()


def wait_until(condition: Callable[[], bool], timeout_s: float = 3.0) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout_s, "condition not met in time"
        time.sleep(0.005)
    return time.monotonic() - start


def refused(s: Services, token: str) -> bool:
    try:
        s.app.actor_for_token(token)
    except NotAuthenticated:
        return True
    return False


def trusted_without_reading(s: Services, token: str) -> Callable[[], bool]:
    """Counts reads of the event store during one token check."""

    def check() -> bool:
        reads = []
        original = s.app._peek

        def counting(*args: object) -> object:
            reads.append(args)
            return original(*args)  # type: ignore[arg-type]

        s.app._peek = counting  # type: ignore[method-assign,assignment]
        try:
            s.app.actor_for_token(token)
        finally:
            del s.app._peek
        return not reads

    return check


def listening(s: Services, token: str, *, max_age_s: float | None = None) -> UserWatch:
    """The process's watch, connected, with the token's user checked for real
    since (so marked as current)."""
    watch = s.app.user_watch
    assert watch is not None
    if max_age_s is not None:
        watch.max_age_s = max_age_s
    user_id = UUID(hex=token.split("_")[1])

    def trusted() -> bool:
        s.app.actor_for_token(token)  # starts the listener; reads, then marks
        return watch.is_current(user_id)

    wait_until(trusted)  # (a notification still on its way ends a mark: check again)
    return watch


def test_a_checked_user_is_trusted_until_it_changes_elsewhere(two: tuple[Services, Services, City]) -> None:
    first, second, _ = two
    issued = first.app.issue_token(system_actor(), "handler")
    listening(second, issued.token, max_age_s=60)  # only a notification may end the trust here
    assert trusted_without_reading(second, issued.token)()

    first.app.deactivate_user(system_actor(), "handler")  # another process
    waited = wait_until(lambda: refused(second, issued.token))
    assert waited < 1.0


def test_a_revoked_token_is_refused_by_the_other_process(two: tuple[Services, Services, City]) -> None:
    first, second, _ = two
    kept = first.app.issue_token(system_actor(), "reviewer")
    revoked = first.app.issue_token(system_actor(), "reviewer")
    listening(second, kept.token, max_age_s=60)
    for token in (kept.token, revoked.token, kept.token):
        second.app.actor_for_token(token)
    first.app.revoke_token(system_actor(), "reviewer", revoked.token_id)
    wait_until(lambda: refused(second, revoked.token))
    assert second.app.actor_for_token(kept.token)[0].username == "reviewer"


def test_the_process_that_makes_a_change_refuses_at_once(two: tuple[Services, Services, City]) -> None:
    first, _, _ = two
    issued = first.app.issue_token(system_actor(), "inspector")
    listening(first, issued.token)
    assert trusted_without_reading(first, issued.token)()
    first.app.deactivate_user(system_actor(), "inspector")
    assert refused(first, issued.token)  # no waiting at all


def test_without_a_listener_nothing_is_trusted(two: tuple[Services, Services, City]) -> None:
    first, second, _ = two
    issued = first.app.issue_token(system_actor(), "leader")
    watch = listening(second, issued.token)
    watch.close()  # as if the listening connection had failed
    assert not watch.connected
    second.app.actor_for_token(issued.token)
    assert not trusted_without_reading(second, issued.token)()
    first.app.deactivate_user(system_actor(), "leader")
    assert refused(second, issued.token)  # read from the store: at once


def test_trust_expires_after_max_age(two: tuple[Services, Services, City]) -> None:
    _, second, _ = two
    issued = second.app.issue_token(system_actor(), "clerk")
    listening(second, issued.token, max_age_s=0.05)
    assert trusted_without_reading(second, issued.token)()
    time.sleep(0.06)
    assert not trusted_without_reading(second, issued.token)()


def test_a_mark_taken_across_a_change_is_not_trusted(two: tuple[Services, Services, City]) -> None:
    _, second, _ = two
    watch = second.app.user_watch
    assert watch is not None
    user_id = UUID(int=7)
    watch.epoch(user_id)  # starts the listener
    wait_until(lambda: watch.connected)
    before = watch.epoch(user_id)
    watch.changed(user_id)  # a notification arrives while the check runs
    watch.verified(user_id, before)
    assert not watch.is_current(user_id)
    watch.verified(user_id, watch.epoch(user_id))
    assert watch.is_current(user_id)


def test_a_token_issued_elsewhere_a_moment_ago_is_accepted_at_once(
    two: tuple[Services, Services, City],
) -> None:
    first, second, _ = two
    old = first.app.issue_token(system_actor(), "admin")
    listening(second, old.token, max_age_s=60)
    for _ in range(20):  # each new token is used at once, before any notification is handled
        listening(second, old.token)
        new = first.app.issue_token(system_actor(), "admin")
        assert second.app.actor_for_token(new.token)[0].username == "admin"


def test_a_check_begun_before_the_listener_connected_is_never_trusted(
    two: tuple[Services, Services, City],
) -> None:
    _, second, _ = two
    watch = second.app.user_watch
    assert watch is not None
    user_id = UUID(int=8)
    before = watch.epoch(user_id)  # starts the listener; not connected yet
    assert before[0] == -1
    wait_until(lambda: watch.connected)
    watch.verified(user_id, before)  # a change before LISTEN would not be announced
    assert not watch.is_current(user_id)
