"""How soon another server process refuses a revoked token (PostgreSQL).

``python -m benchmarks.revocation [--rounds N]``

Two processes on one fresh PostgreSQL database, each with the services a
gunicorn worker builds (``services.bootstrap.build``): the *checker* checks a
token in a tight loop (after warming up, from its cache, trusted by the user
watch: no database read), the *revoker* revokes the token. Per round:
latency = the checker's first refusal minus the moment the revoker's
``revoke_token`` returned (both ``time.monotonic()``, one clock for every
process on Linux). It can be negative: PostgreSQL delivers the notification
at commit, before the revoker's call has returned.

The checker's loop holds the GIL as a busy worker does, so its listener
thread may wait up to the interpreter's switch interval (5 ms) to read a
notification; meanwhile the check sees unread data on the listening socket
and trusts nothing, so the refusal does not wait for the thread.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from multiprocessing.connection import Connection
from pathlib import Path
from uuid import UUID

from benchmarks.common import database, log, machine, postgres_available, write_result
from domain.actor import system_actor
from services.accounts import NotAuthenticated
from services.bootstrap import build
from services.settings import Settings

ROUNDS = 100


class BoundedCache:
    """The simpler alternative to ``services/user_watch.py`` (issue 7): trust a
    user checked for real for ``max_age_s``, forget it when this process
    changes it, listen to nothing. Same interface, benchmark only."""

    def __init__(self, max_age_s: float = 1.0, maxsize: int = 10_000) -> None:
        self.max_age_s = max_age_s
        self.maxsize = maxsize
        self._marks: dict[UUID, float] = {}

    def epoch(self, user_id: UUID) -> tuple[int, int]:
        return (0, 0)

    def verified(self, user_id: UUID, epoch: tuple[int, int]) -> None:
        if len(self._marks) >= self.maxsize:
            self._marks.pop(next(iter(self._marks)))
        self._marks[user_id] = time.monotonic()

    def is_current(self, user_id: UUID) -> bool:
        mark = self._marks.get(user_id)
        return mark is not None and time.monotonic() - mark < self.max_age_s

    def changed(self, user_id: UUID) -> None:
        self._marks.pop(user_id, None)

    def close(self) -> None:
        self._marks.clear()


def checker(url: str, data_dir: str, pipe: Connection, cache: str) -> None:
    services = build(Settings(data_dir=Path(data_dir), database_url=url))
    app = services.app
    if cache == "bounded":
        app.user_watch = BoundedCache()  # type: ignore[assignment]
    watch = app.user_watch
    assert watch is not None
    while (token := pipe.recv()) is not None:
        user_id = UUID(hex=token.split("_")[1])
        while not watch.is_current(user_id):  # warm: checked for real, then trusted
            app.actor_for_token(token)
            time.sleep(0.001)
        pipe.send("ready")
        while True:
            try:
                app.actor_for_token(token)
            except NotAuthenticated:
                pipe.send(time.monotonic())
                break
    services.close()


def run(rounds: int, cache: str = "watch") -> dict[str, object]:
    with database("postgres", "revocation") as db:
        settings = Settings(data_dir=db.data_dir, database_url=db.url)
        services = build(settings)
        services.init()
        app, sys_actor = services.app, system_actor()
        app.add_unit(sys_actor, code="C", name="运城市", kind="city")
        app.create_user(sys_actor, username="reader", role="leader", unit="C", password="a long password 1")
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=checker, args=(db.url, str(db.data_dir), theirs, cache))
        proc.start()
        latencies = []
        try:
            for n in range(rounds):
                issued = app.issue_token(sys_actor, "reader", label=f"round {n}")
                ours.send(issued.token)
                assert ours.recv() == "ready"
                app.revoke_token(sys_actor, "reader", issued.token_id)
                returned = time.monotonic()
                refused_at: float = ours.recv()
                latencies.append((refused_at - returned) * 1000)
            ours.send(None)
            proc.join(timeout=30)
        finally:
            if proc.is_alive():
                proc.kill()
            services.close()
    ordered = sorted(latencies)
    spread = {
        "min": ordered[0],
        "median": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "max": ordered[-1],
    }
    return {"machine": machine(), "rounds": rounds, "cache": cache, "latency_ms": spread, "raw_ms": latencies}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.revocation", description=__doc__)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--cache",
        choices=["watch", "bounded"],
        default="watch",
        help="the checker's user cache: the user watch, or the simpler bounded cache (1 s)",
    )
    args = parser.parse_args(argv)
    if not postgres_available():
        parser.error("needs PostgreSQL (RECTIFY_BENCH_PG_SERVER)")
    log(f"[revocation] {args.rounds} rounds, {args.cache} cache")
    payload = run(args.rounds, args.cache)
    lat = payload["latency_ms"]
    print("a revoked token refused by another process, ms after revoke_token returned:")
    print("  " + ", ".join(f"{k} {v:.2f}" for k, v in lat.items()))
    print(f"results: {write_result('revocation', payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
