"""``rectify demo --size N``, timed end to end as a user runs it.

Each run is the real CLI in a subprocess (``.venv/bin/rectify demo --size N``
with a fresh ``RECTIFY_DATA_DIR`` and, on PostgreSQL, a fresh database in
``RECTIFY_DATABASE_URL``): interpreter start, ``init``, the demo load and the
final projection the command runs before it prints the logins. Afterwards
(untimed) the store is opened to check that the read model is at the log's
head, and to report how many events the log holds.

``--profile`` adds one in-process run of the same steps the command takes
(``services.init()``, ``DemoCity(...).load()``, ``projector.catch_up()``)
with each phase timed, and then the same again under cProfile (written to
``results/profiles/demo-<db>.prof``/``.txt``), to show where the time goes.
``--repeat 0 --profile`` runs only those.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, database, log, summary, table, verdict
from services.bootstrap import build
from services.demo import DemoCity, demo_clock
from services.settings import Settings

TARGET_S = 5 * 60
TIMEOUT_S = 30 * 60


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("rectify")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "web.cli.main"]


def once(kind: str, size: int) -> dict[str, Any]:
    with database(kind, "demo") as db:
        # The CLI runs the code of the tree these benchmarks are in (the
        # console script alone would import whatever the venv has installed).
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        env = {
            **os.environ,
            "PYTHONPATH": path,
            "RECTIFY_DATA_DIR": str(db.data_dir),
            "RECTIFY_DATABASE_URL": db.url,
        }
        command = [*_cli(), "demo", "--size", str(size)]
        log(f"[demo/{kind}] {' '.join(command[-4:])} ...")
        start = time.perf_counter()
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"rectify demo failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        services = build(Settings(data_dir=db.data_dir, database_url=db.url))
        try:
            head, position = services.projector.head(), services.projector.position()
        finally:
            services.close()
    log(f"[demo/{kind}] {seconds:.1f} s, {head:,} events, read model at {position:,}")
    return {"seconds": seconds, "head": head, "position": position, "stdout_lines": done.stdout.count("\n")}


def phases(kind: str, size: int, profile_dir: Path | None = None) -> dict[str, Any]:
    """The command's steps in process, each timed (under cProfile when
    ``profile_dir`` is given)."""
    profiler = cProfile.Profile() if profile_dir is not None else None
    with database(kind, "demophases") as db:
        services = build(Settings(data_dir=db.data_dir, database_url=db.url), clock=demo_clock())
        marks: list[tuple[int, float]] = []
        try:
            if profiler is not None:
                profiler.enable()
            t0 = time.perf_counter()
            services.init()
            t1 = time.perf_counter()
            city = DemoCity(services, size=size)
            city.load(progress=lambda done: marks.append((done, time.perf_counter())))
            t2 = time.perf_counter()
            services.projector.catch_up()
            t3 = time.perf_counter()
            if profiler is not None:
                profiler.disable()
            head = services.projector.head()
        finally:
            services.close()
    last_chunk = marks[-1][1] if marks else t1
    chunk_s = [b - a for (_, a), (_, b) in zip([(0, t1), *marks[:-1]], marks, strict=True)]
    result: dict[str, Any] = {
        "database": kind,
        "size": size,
        "profiled": profiler is not None,
        "head": head,
        "init_s": t1 - t0,
        "load_problems_s": last_chunk - t1,
        "escalate_overdue_s": t2 - last_chunk,
        "load_s": t2 - t1,
        "catch_up_s": t3 - t2,
        "total_s": t3 - t0,
        "chunk_s": chunk_s,
    }
    if profiler is not None and profile_dir is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
        path = profile_dir / f"demo-{kind}-{size}"
        profiler.dump_stats(str(path.with_suffix(".prof")))
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        path.with_suffix(".txt").write_text(out.getvalue())
        result["profile"] = str(path.with_suffix(".prof"))
    log(
        f"[demo/{kind}] phases{' (cProfile)' if profiler else ''}: init {result['init_s']:.1f} s, "
        f"problems {result['load_problems_s']:.1f} s, escalation {result['escalate_overdue_s']:.1f} s, "
        f"catch-up {result['catch_up_s']:.1f} s"
    )
    return result


def run(
    kinds: list[str],
    *,
    quick: bool,
    size: int | None = None,
    repeat: int | None = None,
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    size = size or (300 if quick else 100_000)
    repeat = (1 if quick else 3) if repeat is None else repeat
    results = []
    # Interleaved: run n of every kind before run n + 1, so that other load on
    # the machine spreads over both.
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    for _ in range(repeat):
        for kind in kinds:
            runs[kind].append(once(kind, size))
    for kind in kinds if repeat else []:
        seconds = [r["seconds"] for r in runs[kind]]
        caught_up = all(r["position"] == r["head"] for r in runs[kind])
        stats = summary([-s for s in seconds])  # best = fewest seconds
        results.append(
            {
                "database": kind,
                "size": size,
                "runs": runs[kind],
                "seconds": seconds,
                "best_s": -stats["best"],
                "median_s": -stats["median"],
                "worst_s": -stats["worst"],
                "head": runs[kind][0]["head"],
                "read_model_caught_up": caught_up,
                "target_s": TARGET_S,
                "met": -stats["median"] < TARGET_S and caught_up,
            }
        )
    rows = [
        [
            r["database"],
            r["size"],
            r["head"],
            r["best_s"],
            r["median_s"],
            r["worst_s"],
            r["head"] / r["median_s"],
            "yes" if r["read_model_caught_up"] else "NO",
            verdict(r["met"]),
        ]
        for r in results
    ]
    if rows:
        print(f"\nrectify demo --size {size}, wall seconds of the CLI subprocess ({repeat} runs)")
        print(
            table(
                [
                    "database",
                    "size",
                    "events",
                    "best s",
                    "median s",
                    "worst s",
                    "events/s",
                    "projected",
                    "< 300 s",
                ],
                rows,
            )
        )
    breakdown = []
    if profile_dir is not None:
        breakdown = [phases(kind, size) for kind in kinds] + [
            phases(kind, size, profile_dir) for kind in kinds
        ]
        print(f"\ndemo --size {size} in process, seconds per phase")
        print(
            table(
                ["database", "cProfile", "init", "problems", "escalation", "catch-up", "total", "events"],
                [
                    [
                        b["database"],
                        "yes" if b["profiled"] else "no",
                        b["init_s"],
                        b["load_problems_s"],
                        b["escalate_overdue_s"],
                        b["catch_up_s"],
                        b["total_s"],
                        b["head"],
                    ]
                    for b in breakdown
                ],
            )
        )
    return {"benchmark": "demo", "quick": quick, "results": results, "phases": breakdown}
