"""The web UI's main pages: server time per request and size sent, compressed.

``python -m benchmarks.ui_pages [--size N] [--database sqlite|postgres] [--rounds R]``

A fresh database of the given kind gets ``rectify demo --size N`` (default
10,000; issue 9's target is 100,000 on PostgreSQL: ``--size 100000
--database postgres``, several minutes to load). Server time is measured in
process, as in ``benchmarks.list_latency``: the app from
``create_app(settings)`` and its test client, each request timed around
``client.get``: session, the read model's catch-up check, the queries and
the template. The pages (each as the user who opens it daily): a handler's
inbox, the office's list, a problem's page (with its history), the
leaders' dashboard. Size: the HTML gzip-compressed (assets are cached).

Target (issue 9): under 150 ms server time for each page at 100,000
problems on PostgreSQL; each page under 500 KB transferred, compressed.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.common import database, log, machine, table, verdict, write_result
from benchmarks.http_api import load_demo

TARGET_MS = 150.0
TARGET_BYTES = 500 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    username: str
    path: str


def _sign_in(client: Any, username: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token, "no CSRF token on the sign-in page"
    r = client.post("/login", data={"username": username, "password": "rectify-demo", "csrf_token": token[1]})
    assert r.status_code == 302, f"{username} could not sign in"


def run(size: int, kind: str, rounds: int) -> dict[str, Any]:
    from services.settings import Settings
    from web.app import create_app

    with database(kind, "ui") as db:
        load_seconds = load_demo(db.url, db.data_dir, size)
        app = create_app(Settings(data_dir=db.data_dir, database_url=db.url))
        app.extensions["sign_in_limit"].enabled = False
        services = app.extensions["rectify"]
        admin = services.app.actor_for("admin")
        from services.read_model.queries import IssueFilter

        busy = services.queries.list_issues(admin, IssueFilter(status="assigned", per_page=1)).items[0]
        cases = [
            Case("inbox (county handler)", "h-yh", "/inbox"),
            Case("list (office)", "admin", "/issues"),
            Case("list, filtered (office)", "admin", "/issues?status=assigned&overdue=true&sort=deadline"),
            Case("problem page (office)", "admin", f"/issues/{busy.id}"),
            Case("dashboard (leader)", "leader", "/dashboard"),
        ]
        clients = {}
        for case in cases:
            if case.username not in clients:
                clients[case.username] = app.test_client()
                _sign_in(clients[case.username], case.username)
        times: dict[str, list[float]] = {c.name: [] for c in cases}
        sizes: dict[str, tuple[int, int]] = {}
        for case in cases:  # warm-up, and the sizes
            body = clients[case.username].get(case.path).get_data()
            sizes[case.name] = (len(body), len(gzip.compress(body, 6)))
        for _ in range(rounds):
            for case in cases:
                start = time.perf_counter()
                r = clients[case.username].get(case.path)
                times[case.name].append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200, (case.path, r.status_code)
        services.close()
    rows = []
    results = {}
    for case in cases:
        ms = sorted(times[case.name])
        p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
        raw, packed = sizes[case.name]
        ok = p95 < TARGET_MS and packed < TARGET_BYTES
        results[case.name] = {
            "median_ms": statistics.median(ms),
            "p95_ms": p95,
            "html_bytes": raw,
            "gzip_bytes": packed,
        }
        rows.append([case.name, statistics.median(ms), p95, raw // 1024, packed // 1024, verdict(ok)])
    print(f"UI pages at {size:,} problems on {kind} ({rounds} rounds; demo loaded in {load_seconds:.0f} s)")
    print(table(["page", "median ms", "p95 ms", "HTML KB", "gzip KB", f"< {TARGET_MS:.0f} ms"], rows))
    payload = {"size": size, "database": kind, "rounds": rounds, "pages": results, "machine": machine()}
    path = write_result("ui_pages", payload)
    log(f"[ui_pages] written {path}")
    return payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    run(args.size, args.database, args.rounds)


if __name__ == "__main__":
    main()
