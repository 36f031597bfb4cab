"""Lost-write races in one process: 16 threads, half reporting problems into
one campaign (each report takes the campaign's next number), half adding
progress to one issue, all at once; on SQLite and PostgreSQL.

``python -m benchmarks.races [--threads 16] [--commands 20]`` counts the
answers: accepted, refused by a domain rule, and anything else (what the
web layer would have answered 500, or 503 when the store stayed busy), with
the lost races the command handlers ran again (``Rectify.lost_races``).
Measuring a checkout without this file (the code before issue 8's fix):
``PYTHONPATH=/path/to/checkout python benchmarks/races.py`` from here.
See docs/reliability.md, "Races, crashes and outages".
"""

from __future__ import annotations

import argparse
import collections
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import KINDS, database, log, machine, postgres_available, table, write_result
from domain.actor import system_actor
from domain.errors import DomainError
from services.bootstrap import build
from services.settings import Settings

COLUMNS = ("database", "commands", "errors", "lost_races_retried", "wall_s", "answers")
TAXONOMY = [{"code": "A01", "name": "住房", "categories": [{"code": "A01C01", "name": "危房"}]}]


def run(kind: str, threads: int, commands: int) -> dict[str, Any]:
    with database(kind, "races") as db:
        s = build(Settings(data_dir=db.data_dir, database_url=db.url))
        s.init()
        try:
            app, sys_actor = s.app, system_actor()
            app.add_unit(sys_actor, code="C", name="运城市", kind="city")
            app.add_unit(sys_actor, code="D01", name="市教育局", kind="department", parent="C")
            for username, role, unit in (("admin", "admin", "C"), ("handler", "handler", "D01")):
                app.create_user(sys_actor, username=username, role=role, unit=unit, password="a long secret")
            admin, handler = app.actor_for("admin"), app.actor_for("handler")
            app.start_campaign(admin, code="YC2023", name="整改", deadline="2099-12-31", aspects=TAXONOMY)
            fields = {"campaign": "YC2023", "source": "flying", "aspect": "A01", "category": "A01C01"}
            issue = app.report_issue(admin, title="起始问题", unit="D01", **fields).id
            app.assign(admin, issue, lead="D01", deadline="2099-06-30", measures="整改")
            answers: collections.Counter[str] = collections.Counter()
            lock = threading.Lock()
            barrier = threading.Barrier(threads)

            def work(i: int) -> None:
                barrier.wait()
                for k in range(commands):
                    try:
                        if i % 2:
                            app.report_progress(handler, issue, note=f"{i}-{k}")
                        else:
                            app.report_issue(admin, title=f"问题{i}-{k}", unit="D01", **fields)
                        answer = "accepted"
                    except DomainError as e:
                        answer = f"refused: {type(e).__name__}"
                    except Exception as e:  # what the web layer answered 500
                        answer = f"error: {type(e).__name__}"
                    with lock:
                        answers[answer] += 1

            started = time.perf_counter()
            workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            wall = time.perf_counter() - started
            return {
                "database": kind,
                "threads": threads,
                "commands": threads * commands,
                "answers": dict(answers),
                "errors": sum(n for a, n in answers.items() if a.startswith("error")),
                "lost_races_retried": getattr(app, "lost_races", None),
                "wall_s": round(wall, 2),
            }
        finally:
            s.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.races", description=__doc__)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--commands", type=int, default=20, help="per thread")
    parser.add_argument("--db", action="append", choices=KINDS)
    parser.add_argument("--results-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    kinds = args.db or [k for k in KINDS if k == "sqlite" or postgres_available()]
    results = []
    for kind in kinds:
        log(f"[races] {kind}: {args.threads} threads x {args.commands} commands")
        results.append(run(kind, args.threads, args.commands))
    print(
        table(
            ["database", "commands", "errors (500)", "lost races retried", "wall s", "answers"],
            [[r[k] for k in COLUMNS] for r in results],
        )
    )
    payload = {"machine": machine(), "results": results}
    path = write_result("races", payload, *([args.results_dir] if args.results_dir else []))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
