"""CPU per HTTP command with and without ``services/compat.py`` (issue 7).

``python -m benchmarks.compat_cpu [--runs 5] [--requests 3000]``

One PostgreSQL database with a demo city (500 problems); then, alternating,
fresh subprocesses that build the app (``create_app``) with the protocol
members cache on or off and send ``POST /api/v1/issues/{id}/comment`` through
the WSGI app (Flask's test client: routing, token check, marshmallow, the
command, the JSON answer; no socket) over every issue in turn. Each reports
the process's CPU time per request (``time.process_time``), which other load
on the machine disturbs far less than requests per second. Reported: each
side's runs and medians and the saving in percent.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT, database, log, machine, postgres_available, write_result


def child(url: str, data_dir: str, requests: int, cache: bool) -> None:
    import services.bootstrap

    if not cache:
        services.bootstrap.cache_protocol_members = lambda: False  # type: ignore[assignment]
    from domain.actor import system_actor
    from services.settings import Settings
    from web.app import create_app

    settings = Settings(data_dir=Path(data_dir), database_url=url)
    built = services.bootstrap.build(settings)
    app = create_app(services=built)
    token = built.app.issue_token(system_actor(), "admin", label="compat_cpu").token
    with built.reader.connect() as conn:
        ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM rm_issues ORDER BY code")]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"text": "请抓紧整改，按期销号。"}
    for issue in ids[:50]:  # imports, prepared statements: not what is compared
        client.post(f"/api/v1/issues/{issue}/comment", json=body, headers=headers)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for n in range(requests):
        answer = client.post(f"/api/v1/issues/{ids[n % len(ids)]}/comment", json=body, headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(json.dumps({"cpu_ms": cpu * 1000 / requests, "wall_ms": wall * 1000 / requests}))
    built.close()


def run(runs: int, requests: int) -> dict[str, object]:
    from services.bootstrap import build
    from services.demo import DemoCity, demo_clock
    from services.settings import Settings

    results: dict[str, list[dict[str, float]]] = {"on": [], "off": []}
    with database("postgres", "compat") as db:
        services = build(Settings(data_dir=db.data_dir, database_url=db.url), clock=demo_clock())
        services.init()
        DemoCity(services, size=500).load()
        services.projector.catch_up()
        services.close()
        for n in range(runs):
            for side in ("on", "off"):
                command = [
                    sys.executable,
                    "-m",
                    "benchmarks.compat_cpu",
                    "--child",
                    db.url,
                    str(db.data_dir),
                    str(requests),
                    side,
                ]
                done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
                measured = json.loads(done.stdout.strip().splitlines()[-1])
                results[side].append(measured)
                log(f"[compat_cpu] run {n + 1}/{runs} cache {side}: {measured['cpu_ms']:.3f} ms CPU/request")
    on = statistics.median(r["cpu_ms"] for r in results["on"])
    off = statistics.median(r["cpu_ms"] for r in results["off"])
    return {
        "machine": machine(),
        "requests": requests,
        "runs": results,
        "cpu_ms_median": {"on": on, "off": off},
        "saving_percent": (off - on) / off * 100,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--child":
        url, data_dir, requests, side = args[1:5]
        child(url, data_dir, int(requests), side == "on")
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compat_cpu", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    parsed = parser.parse_args(args)
    if not postgres_available():
        parser.error("needs PostgreSQL")
    payload = run(parsed.runs, parsed.requests)
    medians = payload["cpu_ms_median"]
    assert isinstance(medians, dict)
    print(
        f"CPU ms per HTTP comment: with the cache {medians['on']:.3f}, without {medians['off']:.3f}; "
        f"the cache saves {payload['saving_percent']:.1f} %"
    )
    print(f"results: {write_result('compat_cpu', payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
