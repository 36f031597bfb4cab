"""Lists over HTTP against a bare ``SELECT`` of 20 rows, on freshly started servers.

``python -m benchmarks.http_lists [--size 1000] [--rounds 3] [--duration 10]``

Issue 7's measure: ``GET /api/v1/issues?per_page=20`` and
``GET /api/v1/issues?unit=<county>&per_page=20`` as a county office asks them,
next to a bare Flask endpoint (``benchmarks/bare_insert_app.py: GET /notes``)
that runs one ``SELECT ... ORDER BY id DESC LIMIT 20 OFFSET n`` on a table of
as many rows as the store has problems and answers them as JSON. Both under
``gunicorn -w 2 -k sync`` on PostgreSQL, each run on servers started just
before it (no warm-up: as a user meets a fresh server), wrk on loopback with
requests spread over every page (rectify: over every county and page too;
the unit filter by a county handler's own token, the rest by the admin's).

Targets (issue 7): lists at least 0.33x the bare SELECT; the unit-filtered
list no slower than the unfiltered one.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

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
from benchmarks.http_api import (
    BOOT_FAILURES,
    Load,
    ServerOptions,
    demo_tokens,
    gunicorn,
    load_demo,
    pg_dsn,
    run_wrk,
    write_lines,
    wrk_binary,
)

VARIANTS = ("bare", "list", "list_unit")
TARGET_LIST = 0.33


def prepare(url: str, data_dir: Path, bare_url: str, size: int) -> dict[str, list[tuple[str, str]]]:
    admin, handlers = demo_tokens(url, data_dir, "http_lists")
    pages = max(1, size // 20)
    rng = random.Random(7)
    lines: dict[str, list[tuple[str, str]]] = {
        "bare": [(f"/notes?page={p}", "") for p in range(1, pages + 1)],
        "list": [(f"/api/v1/issues?per_page=20&page={p}", admin) for p in range(1, pages + 1)],
        "list_unit": [
            (f"/api/v1/issues?unit={county}&per_page=20&page={p}", token)
            for county, token in handlers.items()
            for p in range(1, max(2, pages // len(handlers)) + 1)
        ],
    }
    for v in lines.values():
        rng.shuffle(v)
    from benchmarks.bare_insert_app import CREATE_TABLE

    with psycopg.connect(pg_dsn(bare_url), autocommit=True) as conn:
        conn.execute(CREATE_TABLE)
        conn.execute(
            "INSERT INTO bench_notes (ref, note) SELECT md5(g::text), repeat('整改', 20) "
            "FROM generate_series(1, %s) AS g",
            (size,),
        )
        conn.execute("ANALYZE bench_notes")
    return lines


def run(size: int, rounds: int, load: Load) -> dict[str, Any]:
    if not postgres_available():
        raise SystemExit(f"PostgreSQL is not reachable at {PG_SERVER}")
    wrk_binary()
    tag = f"{os.getpid()}_{time.monotonic_ns() % 1_000_000}"
    rectify_db, bare_db = f"rectify_httpbench_lists_{tag}", f"rectify_httpbench_barelist_{tag}"
    tmp = Path(tempfile.mkdtemp(prefix="rectify-httplists-"))
    options = ServerOptions()
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    try:
        rectify_url = create_pg_database(rectify_db)
        bare_url = create_pg_database(bare_db)
        demo_s = load_demo(rectify_url, tmp / "data", size)
        lines = prepare(rectify_url, tmp / "data", bare_url, size)
        files = {v: write_lines(tmp / f"{v}.txt", lines[v]) for v in VARIANTS}
        envs = {
            "bare": {**os.environ, "BARE_INSERT_DSN": pg_dsn(bare_url)},
            "list": {
                **os.environ,
                "RECTIFY_DATABASE_URL": rectify_url,
                "RECTIFY_DATA_DIR": str(tmp / "data"),
            },
        }
        envs["list_unit"] = envs["list"]
        apps = {"bare": "benchmarks.bare_insert_app:app", "list": "web.wsgi:app", "list_unit": "web.wsgi:app"}
        for n in range(1, rounds + 1):
            for variant in VARIANTS:
                with gunicorn(apps[variant], envs[variant], options, log_dir=tmp) as base:
                    result = run_wrk(base, files[variant], load)
                runs[variant].append(result)
                lat = result["latency_ms"]
                log(
                    f"[http_lists] round {n}/{rounds} {variant} (fresh server): {result['rps']:,.0f} req/s, "
                    f"p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms, non-2xx {result['non_2xx']}"
                )
    finally:
        drop_pg_database(rectify_db)
        drop_pg_database(bare_db)
        shutil.rmtree(tmp, ignore_errors=True)
    medians = {v: statistics.median(r["rps"] for r in runs[v]) for v in VARIANTS}
    paired_list = [a["rps"] / b["rps"] for a, b in zip(runs["list"], runs["bare"], strict=True)]
    paired_unit = [a["rps"] / b["rps"] for a, b in zip(runs["list_unit"], runs["list"], strict=True)]
    clean = all(r["non_2xx"] == 0 and r["socket_errors"] == 0 for v in VARIANTS for r in runs[v])
    ratio_list = statistics.median(paired_list)
    ratio_unit = statistics.median(paired_unit)
    return {
        "benchmark": "http_lists",
        "demo_size": size,
        "demo_seconds": demo_s,
        "server": options.describe(),
        "load": load.describe(),
        "rounds": rounds,
        "rps_median": medians,
        "latency_ms": {v: [r["latency_ms"] for r in runs[v]] for v in VARIANTS},
        "list_over_bare_per_round": paired_list,
        "unit_over_list_per_round": paired_unit,
        "ratio_list_over_bare": ratio_list,
        "ratio_unit_over_list": ratio_unit,
        "clean": clean,
        "boot_failures": list(BOOT_FAILURES),
        "runs": runs,
        "pass": ratio_list >= TARGET_LIST and medians["list_unit"] >= medians["list"] * 0.95 and clean,
    }


def report(payload: dict[str, Any]) -> str:
    rows = [
        [
            v,
            payload["rps_median"][v],
            statistics.median(lat["p50"] for lat in payload["latency_ms"][v]),
            statistics.median(lat["p99"] for lat in payload["latency_ms"][v]),
        ]
        for v in VARIANTS
    ]
    return "\n".join(
        [
            f"{payload['server']} on PostgreSQL, {payload['load']}, {payload['rounds']} round(s), "
            f"fresh servers for every run, demo --size {payload['demo_size']}",
            table(["variant", "req/s median", "p50 ms", "p99 ms"], rows),
            f"list/bare SELECT: {payload['ratio_list_over_bare']:.2f} median of the rounds "
            f"({_join(payload['list_over_bare_per_round'])}) (target ≥ {TARGET_LIST}); "
            f"unit-filtered/unfiltered: {payload['ratio_unit_over_list']:.2f} "
            f"({_join(payload['unit_over_list_per_round'])}) (target ≥ 1, within 5 % noise) "
            f"{verdict(payload['pass'])}",
        ]
    )


def _join(values: list[float]) -> str:
    return ", ".join(f"{r:.2f}" for r in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.http_lists", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", type=int, default=1000, help="demo size (default 1000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    args = parser.parse_args(argv)
    host = machine()
    print(
        f"{host['date']} · nproc {host['nproc']} · PostgreSQL {host['postgres']} · "
        f"load {host['loadavg_at_start'][0]:.2f} · git {host['git_commit']}"
    )
    command = [Path(sys.executable).name, "-m", "benchmarks.http_lists", *(argv or sys.argv[1:])]
    print(f"command: {' '.join(command)}")
    payload = run(args.size, args.rounds, Load(duration_s=args.duration))
    payload["machine"] = host
    print(report(payload))
    print(f"results: {write_result('http_lists', payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
