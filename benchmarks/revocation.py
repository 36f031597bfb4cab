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


def checker(url: str, data_dir: str, pipe: Connection) -> None:
    services = build(Settings(data_dir=Path(data_dir), database_url=url))
    app = services.app
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


def run(rounds: int) -> dict[str, object]:
    with database("postgres", "revocation") as db:
        settings = Settings(data_dir=db.data_dir, database_url=db.url)
        services = build(settings)
        services.init()
        app, sys_actor = services.app, system_actor()
        app.add_unit(sys_actor, code="C", name="运城市", kind="city")
        app.create_user(sys_actor, username="reader", role="leader", unit="C", password="a long password 1")
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=checker, args=(db.url, str(db.data_dir), theirs))
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
    return {"machine": machine(), "rounds": rounds, "latency_ms": spread, "raw_ms": latencies}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.revocation", description=__doc__)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    if not postgres_available():
        parser.error("needs PostgreSQL (RECTIFY_BENCH_PG_SERVER)")
    log(f"[revocation] {args.rounds} rounds")
    payload = run(args.rounds)
    lat = payload["latency_ms"]
    print("a revoked token refused by another process, ms after revoke_token returned:")
    print("  " + ", ".join(f"{k} {v:.2f}" for k, v in lat.items()))
    print(f"results: {write_result('revocation', payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
