"""``GET /api/v1/issues`` with filters at 100,000 issues: server time per request.

``python -m benchmarks.list_latency [--quick] [--database-url URL --data-dir DIR]``

The database: a fresh PostgreSQL database ``rectify_httpbench_list_*``
loaded with ``rectify demo --size 100000`` (a few minutes; ``--quick``: 5,000)
and dropped afterwards, or an already loaded one given with
``--database-url``/``--data-dir`` (left as it is, apart from the API tokens
the run issues).

Server time is measured in process: the Flask app from
``web.app.create_app(settings)`` and its test client; each request is timed
with ``time.perf_counter()`` around ``client.get(url, headers=...)``, i.e. the
whole WSGI call: token check, argument parsing, the read model's catch-up
check, both SQL queries (count and page), serialization. No network, no
gunicorn. The cases (admin unless named) are asked in turn, one request of
each per round, after a warm-up, so background load hits them alike.

Then, for two of the cases, HTTP round trips under ``gunicorn -w 2 -k sync``
with wrk on loopback (``benchmarks/wrk_requests.lua``), next to the server
time gunicorn itself logged for the same requests (access log ``%(D)s``).

``--explain`` adds PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)`` of every SQL
statement one request of each case runs (captured from the engine), to
``results/list_latency-*.json`` and, with ``--show-plans``, to the output.

Target (issue #3): p95 under 50 ms server time for every case.
Results: docs/benchmarks-http.md.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.common import (
    PG_SERVER,
    create_pg_database,
    drop_pg_database,
    log,
    machine,
    postgres_available,
    table,
    verdict,
    write_result,
)
from benchmarks.http_api import BOOT_FAILURES, Load, ServerOptions, gunicorn, load_demo, run_wrk, write_lines

TARGET_P95_MS = 50.0
COUNTY = "YH"  # the demo city's first county (盐湖区)


@dataclass(frozen=True)
class Case:
    name: str
    user: str  # a demo username
    query: dict[str, str]

    def url(self) -> str:
        return "/api/v1/issues" + (f"?{urlencode(self.query)}" if self.query else "")


CASES = (
    Case("no filter", "admin", {}),
    Case("status=assigned&overdue=true", "admin", {"status": "assigned", "overdue": "true"}),
    Case(f"unit={COUNTY}", "admin", {"unit": COUNTY}),
    Case("q=住房", "admin", {"q": "住房"}),
    Case("aspect=EDU&page=50", "admin", {"aspect": "EDU", "page": "50"}),
    Case("county handler", f"h-{COUNTY.lower()}", {}),
    Case("county reviewer, status=closed", f"r-{COUNTY.lower()}", {"status": "closed"}),
    Case("per_page=100", "admin", {"per_page": "100"}),
)
WRK_CASES = ("no filter", "county handler")


def percentiles(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)

    def pick(p: float) -> float:
        # nearest rank
        k = max(0, math.ceil(p / 100 * len(ordered)) - 1)
        return ordered[k]

    return {
        "n": len(ordered),
        "min": ordered[0],
        "p50": pick(50),
        "p95": pick(95),
        "p99": pick(99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


@contextmanager
def list_database(
    url: str | None, data_dir: Path | None, size: int, keep: bool
) -> Iterator[tuple[str, Path]]:
    if url:
        if data_dir is None:
            raise SystemExit("--database-url needs --data-dir (the RECTIFY_DATA_DIR it was loaded with)")
        yield url, data_dir
        return
    name = f"rectify_httpbench_list_{os.getpid()}_{time.monotonic_ns() % 1_000_000}"
    tmp = Path(tempfile.mkdtemp(prefix="rectify-httpbench-list-"))
    try:
        url = create_pg_database(name)
        load_demo(url, tmp / "data", size)
        yield url, tmp / "data"
    finally:
        if keep:
            log(f"[list_latency] kept database {name} and {tmp / 'data'}")
        else:
            drop_pg_database(name)
            shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def captured_sql(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the engine runs meanwhile, with its parameters."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def explain(engine: Any, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The plans of the statements on rm_issues, in one transaction that also
    replays the request's ``SET LOCAL`` statements (planner settings)."""
    plans = []
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for statement, parameters in statements:
            with raw.cursor() as cur:
                if statement.lstrip().upper().startswith("SET LOCAL"):
                    cur.execute(statement)
                    continue
                if "rm_issues" not in statement:
                    continue
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = "\n".join(row[0] for row in cur.fetchall())
            plans.append({"sql": statement, "parameters": repr(parameters), "plan": plan})
    return plans


def measure_in_process(
    url: str, data_dir: Path, repeat: int, warmup: int, do_explain: bool
) -> tuple[dict[str, Any], dict[str, str], dict[str, int]]:
    from domain.actor import system_actor
    from services.settings import Settings
    from web.app import create_app

    app = create_app(Settings(data_dir=data_dir, database_url=url))
    services = app.extensions["rectify"]
    try:
        users = sorted({c.user for c in CASES})
        tokens = {
            u: services.app.issue_token(system_actor(), u, label="list_latency benchmark").token
            for u in users
        }
        issues = services.queries.count_issues()
        client = app.test_client()
        headers = {u: {"Authorization": f"Bearer {tok}"} for u, tok in tokens.items()}
        times: dict[str, list[float]] = {c.name: [] for c in CASES}
        answers: dict[str, dict[str, Any]] = {}

        def ask(case: Case) -> float:
            start = time.perf_counter()
            answer = client.get(case.url(), headers=headers[case.user])
            elapsed = (time.perf_counter() - start) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"{case.name}: {answer.status_code} {answer.get_data(as_text=True)[:500]}")
            body = answer.get_json()
            answers[case.name] = {"total": body["total"], "items": len(body["items"])}
            return elapsed

        log(f"[list_latency] {issues:,} issues; warm-up {warmup} per case")
        for _ in range(warmup):
            for case in CASES:
                ask(case)
        log(f"[list_latency] {repeat} requests per case, interleaved")
        for n in range(repeat):
            for case in CASES:
                times[case.name].append(ask(case))
            if (n + 1) % 100 == 0:
                log(f"[list_latency]   {n + 1}/{repeat}")
        plans: dict[str, list[dict[str, Any]]] = {}
        if do_explain:
            for case in CASES:
                with captured_sql(services.reader) as seen:
                    ask(case)
                plans[case.name] = explain(services.reader, seen)
        results = {
            c.name: {
                "user": c.user,
                "url": c.url(),
                **answers[c.name],
                "ms": percentiles(times[c.name]),
                "explain": plans.get(c.name),
            }
            for c in CASES
        }
        return results, tokens, {"issues": issues}
    finally:
        services.close()


def server_times(access_log: Path, prefix: str) -> list[float]:
    """Milliseconds gunicorn logged (``%(D)s``) for requests whose path starts with prefix."""
    values = []
    for line in access_log.read_text().splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[1] == "200" and parts[3].startswith(prefix):
            values.append(int(parts[0]) / 1000)
    return values


def measure_wrk(url: str, data_dir: Path, tokens: dict[str, str], load: Load) -> dict[str, Any]:
    env = {**os.environ, "RECTIFY_DATABASE_URL": url, "RECTIFY_DATA_DIR": str(data_dir)}
    options = ServerOptions()
    results: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="rectify-httpbench-listwrk-"))
    try:
        cases = [c for c in CASES if c.name in WRK_CASES]
        for case in cases:
            access_log = tmp / f"access-{len(results)}.log"
            lines = write_lines(tmp / f"lines-{len(results)}.txt", [(case.url(), tokens[case.user])])
            with gunicorn("web.wsgi:app", env, options, log_dir=tmp, access_log=access_log) as base:
                run_wrk(base, lines, Load(load.threads, load.connections, 3))  # warm-up
                warm_lines = len(access_log.read_text().splitlines())
                measured = run_wrk(base, lines, load)
            logged = access_log.read_text().splitlines()[warm_lines:]
            access_log.write_text("\n".join(logged) + "\n")
            server = server_times(access_log, "/api/v1/issues")
            results[case.name] = {
                "server": options.describe(),
                "load": load.describe(),
                "command": measured["command"],
                "rps": measured["rps"],
                "round_trip_ms": measured["latency_ms"],
                "server_ms": percentiles(server) if server else None,
                "non_2xx": measured["non_2xx"],
                "socket_errors": measured["socket_errors"],
                "statuses": measured["statuses"],
            }
            log(
                f"[list_latency] wrk {case.name}: {measured['rps']:,.0f} req/s, round trip p50 "
                f"{measured['latency_ms']['p50']:.1f} ms p99 {measured['latency_ms']['p99']:.1f} ms"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def run(
    *,
    quick: bool,
    url: str | None = None,
    data_dir: Path | None = None,
    size: int | None = None,
    repeat: int | None = None,
    wrk: bool = True,
    wrk_connections: int = 4,
    do_explain: bool = False,
    keep: bool = False,
) -> dict[str, Any]:
    if not postgres_available():
        raise SystemExit(f"PostgreSQL is not reachable at {PG_SERVER}")
    size = size or (5000 if quick else 100_000)
    repeat = repeat or (50 if quick else 300)
    warmup = 5 if quick else 20
    load = Load(threads=min(2, wrk_connections), connections=wrk_connections, duration_s=5 if quick else 15)
    with list_database(url, data_dir, size, keep) as (db_url, db_dir):
        cases, tokens, info = measure_in_process(db_url, db_dir, repeat, warmup, do_explain)
        over_http = measure_wrk(db_url, db_dir, tokens, load) if wrk else {}
    worst = max(c["ms"]["p95"] for c in cases.values())
    return {
        "benchmark": "list_latency",
        "quick": quick,
        "database": "given" if url else f"fresh, rectify demo --size {size}",
        "issues": info["issues"],
        "repeat": repeat,
        "warmup": warmup,
        "cases": cases,
        "over_http": over_http,
        "boot_failures": list(BOOT_FAILURES),
        "target_p95_ms": TARGET_P95_MS,
        "worst_p95_ms": worst,
        "pass": worst < TARGET_P95_MS,
    }


def report(payload: dict[str, Any], show_plans: bool = False) -> str:
    rows = []
    for name, c in payload["cases"].items():
        ms = c["ms"]
        rows.append(
            [
                name,
                c["user"],
                c["total"],
                c["items"],
                ms["p50"],
                ms["p95"],
                ms["p99"],
                ms["max"],
                verdict(ms["p95"] < payload["target_p95_ms"]),
            ]
        )
    lines = [
        f"GET /api/v1/issues at {payload['issues']:,} issues, PostgreSQL, in process (Flask test client), "
        f"{payload['repeat']} requests per case",
        table(["case", "as", "total", "items", "p50 ms", "p95 ms", "p99 ms", "max ms", "p95<50"], rows),
        f"worst p95: {payload['worst_p95_ms']:.1f} ms (target < {payload['target_p95_ms']:.0f} ms) "
        f"{verdict(payload['pass'])}",
    ]
    if payload["over_http"]:
        http_rows = []
        for name, h in payload["over_http"].items():
            rt, server = h["round_trip_ms"], h["server_ms"] or {}
            http_rows.append(
                [
                    name,
                    h["rps"],
                    rt["p50"],
                    rt["p99"],
                    server.get("p50", 0.0),
                    server.get("p95", 0.0),
                    server.get("p99", 0.0),
                    h["non_2xx"] + h["socket_errors"],
                ]
            )
        first = next(iter(payload["over_http"].values()))
        lines += [
            "",
            f"over HTTP: {first['server']}, {first['load']} (round trip from wrk; server = gunicorn's %(D)s)",
            table(
                ["case", "req/s", "rt p50", "rt p99", "server p50", "server p95", "server p99", "errors"],
                http_rows,
            ),
        ]
    if payload["boot_failures"]:
        lines.append(f"gunicorn starts retried after a worker failed to boot: {payload['boot_failures']}")
    if show_plans:
        for name, c in payload["cases"].items():
            for plan in c.get("explain") or []:
                lines += ["", f"-- {name}", plan["sql"], plan["parameters"], plan["plan"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.list_latency", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="5,000 issues, 50 requests per case")
    parser.add_argument("--database-url", default=None, help="an already loaded database (kept as it is)")
    parser.add_argument("--data-dir", type=Path, default=None, help="its RECTIFY_DATA_DIR")
    parser.add_argument(
        "--size", type=int, default=None, help="demo size of a fresh database (default 100000)"
    )
    parser.add_argument("--repeat", type=int, default=None, help="requests per case (default 300; quick 50)")
    parser.add_argument("--no-wrk", action="store_true", help="skip the gunicorn/wrk part")
    parser.add_argument(
        "--wrk-connections", type=int, default=4, help="wrk -c (default 4: two per gunicorn worker)"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each case's SQL")
    parser.add_argument("--show-plans", action="store_true", help="print the plans (implies --explain)")
    parser.add_argument("--keep", action="store_true", help="keep a fresh database (its name is printed)")
    parser.add_argument("--results-dir", type=Path, default=None, help="where the JSON goes")
    args = parser.parse_args(argv)

    host = machine()
    print(
        f"{host['date']} · nproc {host['nproc']} · {host['cpu']} · PostgreSQL {host['postgres']} · "
        f"load {host['loadavg_at_start'][0]:.2f} · git {host['git_commit']}"
    )
    command = [Path(sys.executable).name, "-m", "benchmarks.list_latency", *(argv or sys.argv[1:])]
    print(f"command: {' '.join(command)}")
    payload = run(
        quick=args.quick,
        url=args.database_url,
        data_dir=args.data_dir,
        size=args.size,
        repeat=args.repeat,
        wrk=not args.no_wrk,
        wrk_connections=args.wrk_connections,
        do_explain=args.explain or args.show_plans,
        keep=args.keep,
    )
    payload["machine"] = host
    payload["argv"] = sys.argv
    print(report(payload, show_plans=args.show_plans))
    path = write_result("list_latency", payload, *([args.results_dir] if args.results_dir else []))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
