"""Projection catch-up: how fast the projections rebuild the read model.

Loads the demo city (``DemoCity(services, size=N).load()``, the code behind
``rectify demo``) into a fresh database, projects it once (untimed: the
first pass also warms the database's caches), then times a rebuild of every
projection (``org``, then ``issues``) several times. A rebuild empties a
projection's tables, resets its position and catches up over the whole log
with its own aggregate cache cleared, so every rebuild does the same work.

events/s = the log's head position (``services.projector.head()``, every
event in the log) / the seconds of all the projections' rebuilds together;
each projection's own seconds are reported too, and the CPU seconds this
process spent (a figure less at the mercy of a loaded machine; the
database's CPU is not in it). A projection reads only its
topics (campaign numbering events are filtered out by the database), so the
number of events the projections decode and apply is reported too (a unit's
events are read by both), and so are the demo load's time and the first
catch-up after it.

Diagnostics: ``--projector-cache N`` (repeatable) also rebuilds with a
projector whose aggregate cache holds N aggregates; ``--es-env KEY=VALUE``
(repeatable) adds eventsourcing settings for the whole run (through
``Settings.eventsourcing_env``), e.g. ``POSTGRES_ENABLE_DB_FUNCTIONS=n``;
``--profile`` runs one more rebuild under cProfile (``results/profiles``).
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import time
from pathlib import Path
from typing import Any

from benchmarks.common import database, log, summary, table, timed, verdict
from services.bootstrap import build
from services.demo import DemoCity, demo_clock
from services.read_model.projector import Projector, projections
from services.settings import Settings

TARGET_EVENTS_PER_S = 10_000


def _projected_events(services: Any) -> int:
    """How many events of the log pass the projections' topic filters (summed)."""
    recorder = services.app.recorder
    head = services.projector.head()
    count = 0
    for runner in services.projector.runners.values():
        start = 0
        while start < head:
            page = recorder.select_notifications(
                start=start, limit=50_000, stop=head, topics=runner.topics, inclusive_of_start=False
            )
            if not page:
                break
            count += len(page)
            start = page[-1].id
    return count


def _cache_size(projector: Projector) -> int:
    return max(r.projection.replay.cache_size for r in projector.runners.values())  # type: ignore[attr-defined]


def _rebuild(projector: Projector) -> tuple[dict[str, float], float]:
    """Rebuilds each projection in turn: the seconds of each, and the CPU
    seconds this process spent (both threads; the database's are not counted)."""
    seconds = {}
    cpu = time.process_time()
    for name, runner in projector.runners.items():
        s, _ = timed(runner.rebuild)
        seconds[name] = s
    return seconds, time.process_time() - cpu


def _profile(projector: Projector, path: Path) -> str:
    """One more rebuild under cProfile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.enable()
    projector.rebuild()
    profiler.disable()
    profiler.dump_stats(str(path.with_suffix(".prof")))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    path.with_suffix(".txt").write_text(out.getvalue())
    return str(path.with_suffix(".prof"))


def measure(
    kind: str,
    *,
    size: int,
    repeat: int,
    cache_sizes: list[int | None],
    es_env: dict[str, str],
    profile_dir: Path | None = None,
) -> list[dict[str, Any]]:
    """One demo load, then ``repeat`` rebuilds for each projector cache size
    (``None``: the projector the composition root builds)."""
    with database(kind, "projection") as db:
        services = build(
            Settings(data_dir=db.data_dir, database_url=db.url, eventsourcing_env=es_env), clock=demo_clock()
        )
        results = []
        try:
            services.init()
            log(f"[projection/{kind}] loading a demo city of {size:,} problems")
            load_s, _ = timed(lambda: DemoCity(services, size=size).load())
            head = services.projector.head()
            projected = _projected_events(services)
            log(f"[projection/{kind}] {head:,} events in {load_s:.1f} s; first catch-up")
            first_s, _ = timed(services.projector.catch_up)
            log(f"[projection/{kind}] first catch-up: {first_s:.2f} s, {head / first_s:,.0f} events/s")
            for cache_size in cache_sizes:
                projector = services.projector
                if cache_size is not None:
                    projector = Projector(
                        services.app, services.writer, projections(services.app, tz=services.settings.tz)
                    )
                    for runner in projector.runners.values():
                        runner.projection.replay.cache_size = cache_size  # type: ignore[attr-defined]
                seconds = []
                per_projection: list[dict[str, float]] = []
                cpu_seconds: list[float] = []
                for n in range(repeat):
                    gc.collect()
                    each, cpu = _rebuild(projector)
                    s = sum(each.values())
                    assert projector.position() == head, (projector.position(), head)
                    seconds.append(s)
                    per_projection.append(each)
                    cpu_seconds.append(cpu)
                    parts = ", ".join(f"{name} {v:.2f} s" for name, v in each.items())
                    log(
                        f"[projection/{kind}] cache {_cache_size(projector):,} rebuild {n + 1}/{repeat}: "
                        f"{s:.2f} s ({parts}), {head / s:,.0f} events/s; "
                        f"this process's CPU {cpu:.2f} s ({head / cpu:,.0f} events per CPU second)"
                    )
                assert projector.lag() == 0
                profile = None
                if profile_dir is not None:
                    profile = _profile(
                        projector, profile_dir / f"projection-{kind}-{size}-{_cache_size(projector)}"
                    )
                rates = [head / s for s in seconds]
                stats = summary(rates)
                results.append(
                    {
                        "database": kind,
                        "size": size,
                        "eventsourcing_env": es_env,
                        "projector_cache_size": _cache_size(projector),
                        "rebuild_s_per_projection": per_projection,
                        "rebuild_process_cpu_s": cpu_seconds,
                        "head": head,
                        "projected_events": projected,
                        "demo_load_s": load_s,
                        "first_catch_up_s": first_s,
                        "rebuild_s": seconds,
                        "events_per_s": rates,
                        "stats": stats,
                        "target_events_per_s": TARGET_EVENTS_PER_S,
                        # The target is set for PostgreSQL; SQLite is measured for reference.
                        "met": stats["median"] >= TARGET_EVENTS_PER_S if kind == "postgres" else None,
                        "profile": profile,
                    }
                )
        finally:
            services.close()
    return results


def run(
    kinds: list[str],
    *,
    quick: bool,
    size: int | None = None,
    repeat: int | None = None,
    cache_sizes: list[int] | None = None,
    es_env: dict[str, str] | None = None,
    profile_dir: Path | None = None,
) -> dict[str, Any]:
    size = size or (1000 if quick else 20_000)
    repeat = repeat or (1 if quick else 3)
    sizes: list[int | None] = [None, *cache_sizes] if cache_sizes else [None]
    results = [
        r
        for kind in kinds
        for r in measure(
            kind, size=size, repeat=repeat, cache_sizes=sizes, es_env=es_env or {}, profile_dir=profile_dir
        )
    ]
    rows = [
        [
            r["database"],
            r["size"],
            r["head"],
            r["projected_events"],
            r["projector_cache_size"],
            r["demo_load_s"],
            r["head"] / r["first_catch_up_s"],
            min(r["rebuild_s"]),
            r["stats"]["best"],
            r["stats"]["median"],
            r["stats"]["worst"],
            verdict(r["met"]) if r["database"] == "postgres" else "(target is for PostgreSQL)",
        ]
        for r in results
    ]
    print(
        f"\nprojection rebuild, events/s = head / seconds ({repeat} rebuilds after the first catch-up)"
        + (f"; eventsourcing env {es_env}" if es_env else "")
    )
    print(
        table(
            [
                "database",
                "demo size",
                "events (head)",
                "projected",
                "proj. cache",
                "load s",
                "1st catch-up ev/s",
                "best s",
                "best ev/s",
                "median ev/s",
                "worst ev/s",
                f"median >= {TARGET_EVENTS_PER_S:,}",
            ],
            rows,
        )
    )
    return {"benchmark": "projection", "quick": quick, "results": results}
