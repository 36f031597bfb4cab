"""Commands over HTTP under gunicorn, against a bare Flask endpoint doing one INSERT.

``python -m benchmarks.http_api [--quick]``

Both servers are ``gunicorn -w 2 -k sync`` (gunicorn's default worker class,
the README's production command until issue 8, which made it gthread:
``--worker-class gthread`` measures that) on 127.0.0.1, each on a PostgreSQL
database of its own (``rectify_httpbench_*``, dropped afterwards), and both are loaded
by the same wrk script (``benchmarks/wrk_requests.lua``) with the same
``-t/-c/-d``, on the same machine, in one run:

* ``bare``: ``benchmarks/bare_insert_app.py``: ``POST /notes/<id>`` with
  ``{"note": ...}`` parses the JSON and runs one ``INSERT ... RETURNING id``
  in its own transaction on a per-worker psycopg connection; 201.
* ``progress``: rectify, ``POST /api/v1/issues/{id}/progress`` with
  ``{"note": ...}`` and the bearer token of the county handler whose county
  leads or co-handles the issue, cycling over every issue of the demo city
  that is assigned (整改中) to a county (``rectify demo --size 2000``: 702
  issues, 13 handlers). Per request: token check (user aggregate), 404/
  403/412 checks, body validation, the issue aggregate decides, one event is
  saved, the issue's JSON answer.
* ``comment``: rectify, ``POST /api/v1/issues/{id}/comment`` with
  ``{"text": ...}`` by the admin, cycling over every issue of the city.

The bare side sends the same paths' ids and the same Authorization header
(ignored), so requests are alike on the wire. wrk threads start at evenly
spread lines, so concurrent requests rarely hit the same issue.

With ``--cold`` every run gets servers started just before it and no warm-up
(as a user meets a freshly started server). Otherwise the variants are
interleaved round by round (bare, progress, comment, bare,
...), after one warm-up run of each, so background load on the machine hits
them alike. Reported: requests/s (best and median over the rounds), the
CPU milliseconds per request of the variant's gunicorn processes and of
PostgreSQL (median over the rounds, from /proc), wrk's
latency p50/p99 of the median round, and every non-2xx status and socket
error (target: none). Afterwards the rows are counted: the event log grew by
the 2xx answers of the two rectify variants, the bare table by the bare 2xx
answers, each plus at most one request per connection and wrk run that was
still in flight when wrk stopped counting.

Target (issue #3): progress requests/s ≥ 0.5 × bare requests/s, as best over
best, median over median and the median of the rounds' own ratios (progress
against the bare run just before it). Results: docs/benchmarks-http.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.common import (
    PG_SERVER,
    ROOT,
    create_pg_database,
    drop_pg_database,
    log,
    machine,
    postgres_available,
    table,
    verdict,
    write_result,
)

TARGET_RATIO = 0.5
LUA = Path(__file__).with_name("wrk_requests.lua")
NOTE = "已完成入户核查，正在组织施工队进场整改。"
COMMENT = "请抓紧整改，按期销号。"
DEMO_TIMEOUT_S = 30 * 60


# -- processes -------------------------------------------------------------------------------
def venv_tool(name: str) -> str:
    script = Path(sys.executable).with_name(name)
    if script.exists():
        return str(script)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pg_dsn(url: str) -> str:
    """A psycopg DSN from a SQLAlchemy ``postgresql+psycopg://`` URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass(frozen=True)
class ServerOptions:
    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1

    def args(self) -> list[str]:
        args = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        return args

    def describe(self) -> str:
        threads = f" --threads {self.threads}" if self.worker_class == "gthread" else ""
        return f"gunicorn -w {self.workers} -k {self.worker_class}{threads}"


#: Workers that failed to boot, with the reason (see :func:`gunicorn`).
BOOT_FAILURES: list[str] = []


@contextmanager
def gunicorn(
    app: str,
    env: dict[str, str],
    options: ServerOptions,
    *,
    log_dir: Path,
    access_log: Path | None = None,
    boot_timeout_s: float = 90.0,
    attempts: int = 3,
) -> Iterator[str]:
    """Serves ``app`` on a free loopback port; yields the base URL; stops the
    server (SIGTERM to its process group, SIGKILL after 20 s) afterwards.

    rectify's workers each build the app at boot, and eventsourcing's
    PostgreSQL recorder runs ``CREATE OR REPLACE FUNCTION`` every time: two
    workers booting at once sometimes collide ("tuple concurrently updated"),
    the worker exits and gunicorn stops. Such a start is retried (up to
    ``attempts`` times) and counted in :data:`BOOT_FAILURES`."""
    for attempt in range(1, attempts + 1):
        port = free_port()
        proc, error_log = _start(app, env, options, port, log_dir, access_log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(proc, base + "/healthz", boot_timeout_s, error_log)
        except WorkerBootFailed as e:
            stop(proc)
            BOOT_FAILURES.append(f"{app}: {e.reason}")
            log(f"[http_api] {app}: a worker failed to boot ({e.reason}); attempt {attempt}/{attempts}")
            if attempt == attempts:
                raise
            continue
        except BaseException:
            stop(proc)
            raise
        try:
            yield base
        finally:
            stop(proc)
        return


class WorkerBootFailed(RuntimeError):
    def __init__(self, reason: str, log_text: str) -> None:
        super().__init__(f"gunicorn exited: {reason}\n{log_text[-3000:]}")
        self.reason = reason


def _start(
    app: str,
    env: dict[str, str],
    options: ServerOptions,
    port: int,
    log_dir: Path,
    access_log: Path | None,
) -> tuple[subprocess.Popen[bytes], Path]:
    command = [
        venv_tool("gunicorn"),
        *options.args(),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
    ]
    if access_log is not None:
        # %(D)s: the request's time inside gunicorn (the WSGI app), microseconds.
        command += ["--access-logfile", str(access_log), "--access-logformat", "%(D)s %(s)s %(m)s %(U)s"]
    command.append(app)
    error_log = log_dir / f"gunicorn-{port}.log"
    with error_log.open("w") as errors:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=errors,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, error_log


def _wait_ready(proc: subprocess.Popen[bytes], url: str, timeout_s: float, error_log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    answered = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = error_log.read_text()
            raised = re.findall(r"^\w[\w.]*(?:Error|Exception): .*$", text, re.MULTILINE | re.ASCII)
            raise WorkerBootFailed(raised[-1] if raised else f"exit {proc.returncode}", text)
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    answered += 1
                    if answered >= 4:  # both workers, most likely; the warm-up run does the rest
                        return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(
        f"gunicorn did not answer {url} within {timeout_s:.0f} s: {error_log.read_text()[-3000:]}"
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# -- wrk -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Load:
    threads: int = 2
    connections: int = 8
    duration_s: int = 15

    def describe(self) -> str:
        return f"wrk -t{self.threads} -c{self.connections} -d{self.duration_s}s"


def write_lines(path: Path, lines: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{p}\t{token}\n" for p, token in lines))
    return path


def run_wrk(
    base: str,
    lines_file: Path,
    load: Load,
    *,
    method: str = "GET",
    body: str | None = None,
) -> dict[str, Any]:
    env = {
        **os.environ,
        "WRK_PATHS_FILE": str(lines_file),
        "WRK_METHOD": method,
        "WRK_THREADS": str(load.threads),
    }
    if body is not None:
        env["WRK_BODY"] = body
    command = [
        wrk_binary(),
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{load.duration_s}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base,
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=load.duration_s + 60, check=False
    )
    found = [line for line in done.stdout.splitlines() if line.startswith("WRKJSON ")]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    raw = json.loads(found[-1].removeprefix("WRKJSON "))
    seconds = raw["duration_us"] / 1e6
    statuses = {int(k): v for k, v in raw["statuses"].items()}
    non_2xx = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    socket_errors = sum(v for k, v in raw["errors"].items() if k != "status")
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    return {
        "command": " ".join([*command[:-3], LUA.name, base]),
        "requests": raw["requests"],
        "seconds": seconds,
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "latency_ms": {k: v / 1000 for k, v in raw["latency_us"].items()},
        "statuses": statuses,
        "ok": ok,
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "errors": raw["errors"],
    }


# -- the two databases -------------------------------------------------------------------------
def load_demo(url: str, data_dir: Path, size: int) -> float:
    env = {**os.environ, "RECTIFY_DATA_DIR": str(data_dir), "RECTIFY_DATABASE_URL": url}
    command = [venv_tool("rectify"), "demo", "--size", str(size)]
    log(f"[http_api] rectify demo --size {size} ...")
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT_S, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"rectify demo failed ({done.returncode}): {done.stderr[-2000:]}")
    log(f"[http_api] demo loaded in {seconds:.1f} s")
    return seconds


@dataclass(frozen=True)
class Targets:
    progress: list[tuple[str, str]]  # (issue id, token of a handler of its lead or co county)
    comment: list[tuple[str, str]]  # (issue id, admin token)


def demo_tokens(url: str, data_dir: Path, label: str) -> tuple[str, dict[str, str]]:
    """API tokens in a demo city: the admin's, and each county handler's by county."""
    from domain.actor import system_actor
    from services.bootstrap import build
    from services.demo import data
    from services.settings import Settings

    services = build(Settings(data_dir=data_dir, database_url=url))
    try:
        app = services.app
        admin = app.issue_token(system_actor(), "admin", label=label).token
        handlers = {
            county: app.issue_token(system_actor(), f"h-{county.lower()}", label=label).token
            for county, _ in data.COUNTIES
        }
    finally:
        services.close()
    return admin, handlers


def prepare_rectify(url: str, data_dir: Path) -> Targets:
    """Tokens for the admin and every county handler; the issues they may act on."""
    admin, handler_tokens = demo_tokens(url, data_dir, "http_api benchmark")
    with psycopg.connect(pg_dsn(url)) as conn:
        rows = conn.execute("SELECT id, status, assignments FROM rm_issues ORDER BY code").fetchall()
    progress: list[tuple[str, str]] = []
    for issue_id, status, assignments in rows:
        if status != "assigned":
            continue
        units = [
            a["unit"] for a in (assignments if isinstance(assignments, list) else json.loads(assignments))
        ]
        county = next((u for u in units if u in handler_tokens), None)
        if county is not None:
            progress.append((issue_id, handler_tokens[county]))
    comment = [(issue_id, admin) for issue_id, _, _ in rows]
    rng = random.Random(3)
    rng.shuffle(progress)
    rng.shuffle(comment)
    return Targets(progress=progress, comment=comment)


def event_count(url: str) -> int:
    with psycopg.connect(pg_dsn(url)) as conn:
        row = conn.execute("SELECT count(*) FROM rectify_events").fetchone()
    return int(row[0]) if row else 0


def prepare_bare(url: str) -> None:
    from benchmarks.bare_insert_app import CREATE_TABLE

    with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
        conn.execute(CREATE_TABLE)


def bare_count(url: str) -> int:
    with psycopg.connect(pg_dsn(url)) as conn:
        row = conn.execute("SELECT count(*) FROM bench_notes").fetchone()
    return int(row[0]) if row else 0


# -- the run ---------------------------------------------------------------------------------
VARIANTS = ("bare", "progress", "comment")


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the processes a run loads, read from /proc:
    each server's gunicorn processes (told apart by the app in their command
    line) and PostgreSQL's. Over one wrk run only that variant's server and
    its backends are busy, so the difference is that variant's cost."""
    totals = {"rectify": 0.0, "bare": 0.0, "postgres": 0.0}
    proc = Path("/proc")
    if not proc.is_dir():
        return totals
    tick = os.sysconf("SC_CLK_TCK")
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if "gunicorn" in command:
            kind = "rectify" if "web.wsgi:app" in command else "bare" if "bare_insert_app" in command else ""
        else:
            kind = "postgres" if command.startswith("postgres") or "/postgres " in command else ""
        if kind:
            totals[kind] += (int(fields[11]) + int(fields[12])) / tick
    return totals


def run(
    *,
    quick: bool,
    size: int | None = None,
    rounds: int | None = None,
    load: Load | None = None,
    options: ServerOptions | None = None,
    keep: bool = False,
    cold: bool = False,
) -> dict[str, Any]:
    if not postgres_available():
        raise SystemExit(f"PostgreSQL is not reachable at {PG_SERVER}")
    wrk_binary()
    size = size or (500 if quick else 2000)
    rounds = rounds or (1 if quick else 3)
    load = load or Load(duration_s=5 if quick else 15)
    options = options or ServerOptions()
    warmup = Load(load.threads, load.connections, 2 if quick else 3)

    tag = f"{os.getpid()}_{time.monotonic_ns() % 1_000_000}"
    rectify_db, bare_db = f"rectify_httpbench_cmd_{tag}", f"rectify_httpbench_bare_{tag}"
    tmp = Path(tempfile.mkdtemp(prefix="rectify-httpbench-"))
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    try:
        rectify_url = create_pg_database(rectify_db)
        bare_url = create_pg_database(bare_db)
        demo_s = load_demo(rectify_url, tmp / "data", size)
        targets = prepare_rectify(rectify_url, tmp / "data")
        prepare_bare(bare_url)
        log(f"[http_api] {len(targets.progress)} issues for progress, {len(targets.comment)} for comments")
        files = {
            "progress": write_lines(
                tmp / "progress.txt", [(f"/api/v1/issues/{i}/progress", tok) for i, tok in targets.progress]
            ),
            "comment": write_lines(
                tmp / "comment.txt", [(f"/api/v1/issues/{i}/comment", tok) for i, tok in targets.comment]
            ),
            "bare": write_lines(tmp / "bare.txt", [(f"/notes/{i}", tok) for i, tok in targets.progress]),
        }
        bodies = {
            "progress": json.dumps({"note": NOTE}, ensure_ascii=False),
            "comment": json.dumps({"text": COMMENT}, ensure_ascii=False),
            "bare": json.dumps({"note": NOTE}, ensure_ascii=False),
        }
        rectify_env = {
            **os.environ,
            "RECTIFY_DATABASE_URL": rectify_url,
            "RECTIFY_DATA_DIR": str(tmp / "data"),
        }
        bare_env = {**os.environ, "BARE_INSERT_DSN": pg_dsn(bare_url)}
        events_before = event_count(rectify_url)
        apps = {
            "bare": "benchmarks.bare_insert_app:app",
            "progress": "web.wsgi:app",
            "comment": "web.wsgi:app",
        }
        envs = {"bare": bare_env, "progress": rectify_env, "comment": rectify_env}
        warm: dict[str, dict[str, Any]] = {}

        def measure(variant: str, base: str, n: int) -> None:
            before = cpu_seconds()
            result = run_wrk(base, files[variant], load, method="POST", body=bodies[variant])
            after = cpu_seconds()
            server = "bare" if variant == "bare" else "rectify"
            done = max(1, result["requests"])
            result["cpu_ms_per_request"] = {
                "server": (after[server] - before[server]) * 1000 / done,
                "postgres": (after["postgres"] - before["postgres"]) * 1000 / done,
            }
            runs[variant].append(result)
            lat = result["latency_ms"]
            log(
                f"[http_api] round {n}/{rounds} {variant}{' (fresh server)' if cold else ''}: "
                f"{result['rps']:,.0f} req/s, p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms, "
                f"non-2xx {result['non_2xx']}, socket errors {result['socket_errors']}"
            )

        if cold:
            # As a user meets it: every run on servers started just before it,
            # no warm-up, so the first touch of each issue loads it from the store.
            for n in range(1, rounds + 1):
                for variant in VARIANTS:
                    with gunicorn(apps[variant], envs[variant], options, log_dir=tmp) as base:
                        measure(variant, base, n)
        else:
            with (
                gunicorn(apps["bare"], bare_env, options, log_dir=tmp) as bare_base,
                gunicorn(apps["progress"], rectify_env, options, log_dir=tmp) as rectify_base,
            ):
                bases = {"bare": bare_base, "progress": rectify_base, "comment": rectify_base}
                for variant in VARIANTS:
                    log(f"[http_api] warm-up {variant} ({warmup.describe()})")
                    warm[variant] = run_wrk(
                        bases[variant], files[variant], warmup, method="POST", body=bodies[variant]
                    )
                for n in range(1, rounds + 1):
                    for variant in VARIANTS:
                        measure(variant, bases[variant], n)
        rectify_ok = sum(
            r["ok"] for v in ("progress", "comment") for r in [*runs[v], *([warm[v]] if v in warm else [])]
        )
        events_added = event_count(rectify_url) - events_before
        bare_ok = sum(r["ok"] for r in [*runs["bare"], *([warm["bare"]] if warm else [])])
        bare_rows = bare_count(bare_url)
        # wrk stops counting at the deadline: up to one request per connection
        # and run was still in flight, done by the server but not counted.
        in_flight = load.connections * (rounds + (0 if cold else 1))
    finally:
        if keep:
            log(f"[http_api] kept databases {rectify_db}, {bare_db} and {tmp}")
        else:
            drop_pg_database(rectify_db)
            drop_pg_database(bare_db)
            shutil.rmtree(tmp, ignore_errors=True)

    variants: dict[str, Any] = {}
    for variant in VARIANTS:
        rps = [r["rps"] for r in runs[variant]]
        median_run = sorted(runs[variant], key=lambda r: r["rps"])[len(rps) // 2]
        variants[variant] = {
            "rps_best": max(rps),
            "rps_median": statistics.median(rps),
            "latency_ms_median_run": median_run["latency_ms"],
            "non_2xx": sum(r["non_2xx"] for r in runs[variant]),
            "socket_errors": sum(r["socket_errors"] for r in runs[variant]),
            "statuses": _merge(r["statuses"] for r in runs[variant]),
            "cpu_ms_per_request_median": {
                part: statistics.median(r["cpu_ms_per_request"][part] for r in runs[variant])
                for part in ("server", "postgres")
            },
            "runs": runs[variant],
        }
    bare, progress, comment = (variants[v] for v in VARIANTS)
    ratio_best = progress["rps_best"] / bare["rps_best"]
    ratio_median = progress["rps_median"] / bare["rps_median"]
    # Each round's progress run against the bare run just before it.
    paired = [p["rps"] / b["rps"] for p, b in zip(runs["progress"], runs["bare"], strict=True)]
    clean = all(variants[v]["non_2xx"] == 0 and variants[v]["socket_errors"] == 0 for v in VARIANTS)
    return {
        "benchmark": "http_api",
        "quick": quick,
        "demo_size": size,
        "demo_seconds": demo_s,
        "cold": cold,
        "server": options.describe(),
        "load": load.describe(),
        "rounds": rounds,
        "issues": {"progress": len(targets.progress), "comment": len(targets.comment)},
        "variants": variants,
        "ratio_progress_over_bare": {
            "best": ratio_best,
            "median": ratio_median,
            "per_round": paired,
            "per_round_median": statistics.median(paired),
        },
        "ratio_comment_over_bare": {
            "best": comment["rps_best"] / bare["rps_best"],
            "median": comment["rps_median"] / bare["rps_median"],
        },
        "checks": {
            "rectify_2xx": rectify_ok,
            "events_added": events_added,
            "bare_2xx": bare_ok,
            "bare_rows": bare_rows,
            "in_flight_at_most": in_flight,
            "counts_match": 0 <= events_added - rectify_ok <= 2 * in_flight
            and 0 <= bare_rows - bare_ok <= in_flight,
        },
        "boot_failures": list(BOOT_FAILURES),
        "target_ratio": TARGET_RATIO,
        "pass": min(ratio_best, ratio_median, statistics.median(paired)) >= TARGET_RATIO and clean,
    }


def _merge(counts: Iterator[dict[int, int]] | Any) -> dict[int, int]:
    merged: dict[int, int] = {}
    for c in counts:
        for status, n in c.items():
            merged[status] = merged.get(status, 0) + n
    return merged


def report(payload: dict[str, Any]) -> str:
    rows = []
    for variant, v in payload["variants"].items():
        lat = v["latency_ms_median_run"]
        statuses = " ".join(f"{s}:{n}" for s, n in sorted(v["statuses"].items()))
        rows.append(
            [
                variant,
                v["rps_best"],
                v["rps_median"],
                lat["p50"],
                lat["p99"],
                v["cpu_ms_per_request_median"]["server"],
                v["cpu_ms_per_request_median"]["postgres"],
                v["non_2xx"],
                v["socket_errors"],
                statuses,
            ]
        )
    ratio = payload["ratio_progress_over_bare"]
    comment = payload["ratio_comment_over_bare"]
    checks = payload["checks"]
    lines = [
        f"{payload['server']} on PostgreSQL, {payload['load']}, {payload['rounds']} round(s), "
        f"{'fresh servers for every run (cold)' if payload.get('cold') else 'after a warm-up'}, "
        f"demo --size {payload['demo_size']} ({payload['issues']['progress']} issues for progress)",
        table(
            [
                "variant",
                "req/s best",
                "req/s median",
                "p50 ms",
                "p99 ms",
                "CPU ms/req server",
                "CPU ms/req PG",
                "non-2xx",
                "sock err",
                "statuses",
            ],
            rows,
        ),
        f"ratio progress/bare: {ratio['best']:.2f} best/best, {ratio['median']:.2f} median/median, "
        f"{ratio['per_round_median']:.2f} median of the rounds "
        f"({', '.join(f'{r:.2f}' for r in ratio['per_round'])}) "
        f"(target ≥ {payload['target_ratio']}) {verdict(payload['pass'])}",
        f"ratio comment/bare: {comment['best']:.2f} best, {comment['median']:.2f} median",
        f"rows: rectify 2xx {checks['rectify_2xx']:,}, events added {checks['events_added']:,}; "
        f"bare 2xx {checks['bare_2xx']:,}, rows {checks['bare_rows']:,} (the rest: requests in flight "
        f"when wrk stopped, at most {checks['in_flight_at_most']} per server and variant): "
        f"{'ok' if checks['counts_match'] else 'MISMATCH'}",
    ]
    if payload["boot_failures"]:
        lines.append(f"gunicorn starts retried after a worker failed to boot: {payload['boot_failures']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_api", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="demo 500, one 5 s round: a smoke run")
    parser.add_argument("--size", type=int, default=None, help="demo size (default 2000; quick 500)")
    parser.add_argument(
        "--rounds", type=int, default=None, help="rounds of all variants (default 3; quick 1)"
    )
    parser.add_argument(
        "--duration", type=int, default=None, help="seconds per wrk run (default 15; quick 5)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c (default 8)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"], help="both servers")
    parser.add_argument("--worker-threads", type=int, default=4, help="gthread: threads per worker")
    parser.add_argument("--keep", action="store_true", help="keep the databases (names are printed)")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="start both servers afresh for every run, no warm-up (as a user meets them)",
    )
    parser.add_argument("--results-dir", type=Path, default=None, help="where the JSON goes")
    args = parser.parse_args(argv)

    host = machine()
    print(
        f"{host['date']} · nproc {host['nproc']} · {host['cpu']} · PostgreSQL {host['postgres']} · "
        f"load {host['loadavg_at_start'][0]:.2f} · git {host['git_commit']}"
    )
    command = [Path(sys.executable).name, "-m", "benchmarks.http_api", *(argv or sys.argv[1:])]
    print(f"command: {' '.join(command)}")
    duration = args.duration or (5 if args.quick else 15)
    payload = run(
        quick=args.quick,
        size=args.size,
        rounds=args.rounds,
        load=Load(args.threads, args.connections, duration),
        options=ServerOptions(worker_class=args.worker_class, threads=args.worker_threads),
        keep=args.keep,
        cold=args.cold,
    )
    payload["machine"] = host
    payload["argv"] = sys.argv
    print(report(payload))
    path = write_result("http_api", payload, *([args.results_dir] if args.results_dir else []))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
